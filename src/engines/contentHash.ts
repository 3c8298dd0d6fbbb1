/**
 * The content hash of a build: one SHA-256 over everything that decides the output: the
 * application's files (honouring .gitignore, .dockerignore and .kraftignore at its root), the rendered
 * Kraftfile or ops config, the engine and its version, the flags, and for prebuilt the file bytes.
 * Paths are relative and entries sorted, so the same inputs give the same digest on any machine.
 *
 * Speed: an unchanged file is not read again (the hash index, ./hashIndex.ts, keyed on its status
 * as git's index is), and the files that must be read are read several at a time.
 */
import { promises as fs } from "fs";
import * as path from "path";
import ignore from "ignore";
import { readBoundedFile } from "../internal/files";
import { canonicalJson, sha256, sha256File, sha256FileWithStat } from "../internal/hashing";
import { BuildInputError } from "./engine";
import { HashIndex, nowNs } from "./hashIndex";
import { isInside } from "./inputPaths";

/** Entries never hashed: VCS data, dependency trees, and the package's own scratch space. */
const ALWAYS_IGNORED = [".git/", "node_modules/", ".unikernel/"];

/** Ignore files read at the application root. */
const IGNORE_FILES = [".gitignore", ".dockerignore", ".kraftignore"];

/** The largest ignore file read: real ones are a few KiB. */
const MAX_IGNORE_FILE_BYTES = 1024 * 1024;

/**
 * Files read at once when hashing: enough to keep the disk and the thread pool busy while the main
 * thread hashes, few enough not to run out of descriptors on a large tree.
 */
const HASH_CONCURRENCY = 8;

/** One hashed file. */
export interface TreeEntry {
    path: string;
    sha256: string;
    executable: boolean;
}

/** Options of {@link hashTree}. */
export interface HashTreeOptions {
    /**
     * Follow symbolic links that lead outside `dir` and hash what they resolve to. Default: such a
     * link is refused, since the engine would read files no digest covers.
     */
    allowOutside?: boolean;
    /** Real paths already hashed on this walk (a link cycle through outside directories ends here). */
    visited?: Set<string>;
}

/**
 * Lists and hashes the files of `dir` that decide a build, sorted by path. A symbolic link that
 * stays inside `dir` (or leads nowhere) is hashed as its link text: its target is hashed where it
 * lives, or is ignored on purpose (a link to a build output must not make the build its own input).
 * A link that leads outside is refused, or with `allowOutside`, hashed with what it resolves to.
 */
export async function hashTree(
    dir: string,
    extraIgnores: readonly string[] = [],
    options: HashTreeOptions = {},
): Promise<TreeEntry[]> {
    const root = await fs.realpath(dir);
    const visited = options.visited ?? new Set<string>([root]);
    const rules = ignore()
        .add(ALWAYS_IGNORED)
        .add(extraIgnores.map((p) => p.split(path.sep).join("/")));
    for (const name of IGNORE_FILES) {
        // Read like every file from the application directory: a regular file, bounded (a FIFO
        // named .gitignore must not block the build forever).
        const text = await readBoundedFile(path.join(dir, name), MAX_IGNORE_FILE_BYTES);
        if (text !== undefined) rules.add(text.toString("utf8"));
    }
    const entries: TreeEntry[] = [];
    const files: string[] = [];
    const walk = async (rel: string): Promise<void> => {
        const items = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
        for (const item of items) {
            const relPath = rel ? `${rel}/${item.name}` : item.name;
            if (rules.ignores(item.isDirectory() ? `${relPath}/` : relPath)) {
                continue;
            }
            const full = path.join(dir, relPath);
            if (item.isDirectory()) {
                await walk(relPath);
            } else if (item.isSymbolicLink()) {
                entries.push({
                    path: relPath,
                    sha256: await hashLink(root, full, relPath, options, visited),
                    executable: false,
                });
            } else if (item.isFile()) {
                files.push(relPath);
            }
        }
    };
    await walk("");
    const index = await HashIndex.open(root);
    await forEachConcurrently(files, HASH_CONCURRENCY, async (relPath) => {
        const full = path.join(dir, relPath);
        const stat = await fs.stat(full, { bigint: true });
        let sha = stat.isFile() ? index.lookup(relPath, stat) : undefined;
        let mode = stat.mode;
        if (sha === undefined) {
            const readAt = nowNs();
            const read = await sha256FileWithStat(full);
            index.record(relPath, read.stat, read.sha256, readAt);
            sha = read.sha256;
            mode = read.stat.mode;
        }
        entries.push({ path: relPath, sha256: sha, executable: (mode & 0o111n) !== 0n });
    });
    await index.save();
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Runs `body` over `items`, at most `limit` at a time; the first failure rejects and starts no more. */
async function forEachConcurrently<T>(
    items: readonly T[],
    limit: number,
    body: (item: T) => Promise<void>,
): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            try {
                await body(items[next++]);
            } catch (error) {
                next = items.length;
                throw error;
            }
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function hashLink(
    root: string,
    full: string,
    relPath: string,
    options: HashTreeOptions,
    visited: Set<string>,
): Promise<string> {
    const link = await fs.readlink(full);
    const real = await fs.realpath(full).catch(() => undefined);
    if (real === undefined || isInside(root, real)) {
        return sha256(`symlink:${link}`);
    }
    if (!options.allowOutside) {
        throw new BuildInputError(
            `${relPath} is a symbolic link to ${real}, outside the application directory: the engine would read it, ` +
                "but the content hash would not see a change there; copy it into the directory, or allow it explicitly (`allowOutsideDirectory`, `--allow-outside`)",
        );
    }
    return sha256(`symlink:${link}:${await hashOutside(real, options, visited)}`);
}

/** The hash of a file or directory outside the application directory, reached through a link. */
export async function hashOutside(real: string, options: HashTreeOptions, visited: Set<string>): Promise<string> {
    const stat = await fs.stat(real);
    if (stat.isFile()) return sha256File(real);
    if (!stat.isDirectory()) return sha256(`special:${real}`);
    if (visited.has(real)) return sha256(`cycle:${real}`);
    visited.add(real);
    return digestOf(await hashTree(real, [], { ...options, visited }));
}

/** Digest of a structured description (engine, version, plan, tree). */
export function digestOf(description: unknown): string {
    return sha256(canonicalJson(description));
}
