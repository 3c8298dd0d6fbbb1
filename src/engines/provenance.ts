/**
 * Where a build came from, recorded with the artifact and carried on its package (and, from there,
 * on what is made of it): the source revision when the application directory is a git checkout
 * (the commit, and whether the checkout had changes), when it was built, and by which version of
 * this package. The engine and its version are in the artifact already.
 */
import { runTool } from "../internal/exec";
import { packageVersion } from "../internal/packageVersion";

export interface Provenance {
    /** The git commit checked out in the application directory, when it is a git checkout. */
    revision?: string;
    /** True when that checkout had uncommitted changes (so the commit alone does not say what was built). */
    dirty?: boolean;
    /** When the engine ran (ISO 8601, UTC). */
    builtAt: string;
    /** The pulumi-unikernel version that ran the build. */
    toolVersion: string;
}

/**
 * git as a reader only: no fsmonitor hook (a repository's config could name a program), and no
 * optional locks (`status` would otherwise refresh and rewrite the index under the user's own git).
 */
const GIT_READ_ONLY = ["-c", "core.fsmonitor=false"];

/** The commit and dirty flag of the git checkout `dir` is in; nothing when git is missing or it is not one. */
export async function sourceRevision(dir: string): Promise<{ revision?: string; dirty?: boolean }> {
    const git = async (args: string[], timeoutMs: number) =>
        (
            await runTool("git", [...GIT_READ_ONLY, "-C", dir, ...args], {
                timeoutMs,
                env: { ...process.env, GIT_OPTIONAL_LOCKS: "0", GIT_TERMINAL_PROMPT: "0" },
            })
        ).stdout;
    try {
        const revision = (await git(["rev-parse", "--verify", "HEAD"], 30_000)).trim();
        if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision)) return {};
        // Changes anywhere under dir count (untracked files too: a build reads them).
        const status = await git(["status", "--porcelain", "--", "."], 60_000);
        return { revision, dirty: status.trim() !== "" };
    } catch {
        return {};
    }
}

/** The provenance of a build that ran now in `dir`. */
export async function provenanceOf(dir: string): Promise<Provenance> {
    return { ...(await sourceRevision(dir)), builtAt: new Date().toISOString(), toolVersion: packageVersion() };
}
