/**
 * The content hash of a build: one SHA-256 over everything that decides the output: the
 * application's files (honouring .gitignore, .dockerignore and .kraftignore at its root), the rendered
 * Kraftfile or ops config, the engine and its version, the flags, and for prebuilt the file bytes.
 * Paths are relative and entries sorted, so the same inputs give the same digest on any machine.
 */
import { promises as fs } from "fs";
import * as path from "path";
import ignore from "ignore";
import { canonicalJson, sha256, sha256File } from "../internal/hashing";

/** Entries never hashed: VCS data, dependency trees, and the package's own scratch space. */
const ALWAYS_IGNORED = [".git/", "node_modules/", ".unikernel/"];

/** Ignore files read at the application root. */
const IGNORE_FILES = [".gitignore", ".dockerignore", ".kraftignore"];

/** One hashed file. */
export interface TreeEntry {
    path: string;
    sha256: string;
    executable: boolean;
}

/** Lists and hashes the files of `dir` that decide a build, sorted by path. */
export async function hashTree(dir: string, extraIgnores: readonly string[] = []): Promise<TreeEntry[]> {
    const rules = ignore().add(ALWAYS_IGNORED).add(extraIgnores.map((p) => p.split(path.sep).join("/")));
    for (const name of IGNORE_FILES) {
        const text = await fs.readFile(path.join(dir, name), "utf8").catch(() => undefined);
        if (text !== undefined) rules.add(text);
    }
    const entries: TreeEntry[] = [];
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
                entries.push({ path: relPath, sha256: sha256(`symlink:${await fs.readlink(full)}`), executable: false });
            } else if (item.isFile()) {
                const stat = await fs.stat(full);
                entries.push({ path: relPath, sha256: await sha256File(full), executable: (stat.mode & 0o111) !== 0 });
            }
        }
    };
    await walk("");
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Digest of a structured description (engine, version, plan, tree). */
export function digestOf(description: unknown): string {
    return sha256(canonicalJson(description));
}
