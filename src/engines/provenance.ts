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
 * A clean filter named in the repository's own config still runs for a changed file, as it does for
 * the user's own `git status` there.
 */
const GIT_READ_ONLY = ["--no-optional-locks", "-c", "core.fsmonitor=false", "-c", "core.untrackedCache=false"];

/** The environment without what would point git at another repository or index than `dir`'s. */
function gitEnv(): NodeJS.ProcessEnv {
    const { GIT_DIR: _d, GIT_WORK_TREE: _w, GIT_INDEX_FILE: _i, GIT_CONFIG_PARAMETERS: _c, ...rest } = process.env;
    return { ...rest, GIT_TERMINAL_PROMPT: "0" };
}

/** The commit and dirty flag of the git checkout `dir` is in; nothing when git is missing or it is not one. */
export async function sourceRevision(dir: string): Promise<{ revision?: string; dirty?: boolean }> {
    const git = async (args: string[], timeoutMs: number) =>
        (
            await runTool("git", [...GIT_READ_ONLY, "-C", dir, ...args], {
                timeoutMs,
                env: gitEnv(),
            })
        ).stdout;
    try {
        const revision = (await git(["rev-parse", "--verify", "HEAD"], 30_000)).trim();
        if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision)) return {};
        // Changes anywhere under dir count (untracked files too: a build reads them), except the
        // package's own scratch space, where builds render the Kraftfile or ops config.
        const status = await git(["status", "--porcelain", "--", ".", ":(exclude).unikernel"], 60_000);
        return { revision, dirty: status.trim() !== "" };
    } catch {
        return {};
    }
}

/** The provenance of a build that ran now in `dir`. */
export async function provenanceOf(dir: string): Promise<Provenance> {
    return { ...(await sourceRevision(dir)), builtAt: new Date().toISOString(), toolVersion: packageVersion() };
}
