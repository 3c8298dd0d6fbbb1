/**
 * What `unikernel cache ls` and `prune` see in the cache: built artifacts, disks, the state of
 * local VMs, temporary leftovers, and the tools the set-up fetched. Prune removes only what can be
 * made again and nobody uses: a local VM still running (its pidfile names our QEMU, or a process we
 * cannot prove is gone) and an artifact a build holds locked are kept; tools are never pruned.
 */
import { promises as fs } from "fs";
import * as path from "path";
import * as lockfile from "proper-lockfile";
import { cacheRoot, privateCacheDir } from "../internal/cacheDir";
import { livePidInName } from "../internal/cleanup";
import { checkQemuPidfile, commandLineOf } from "./ownProcess";

/** The kinds of cache entries, in the order `ls` lists them. */
export type CacheEntryKind = "artifact" | "disk" | "image" | "index" | "local" | "run" | "tmp" | "tool";

export interface CacheEntry {
    kind: CacheEntryKind;
    /** Path relative to the cache root. */
    name: string;
    sizeBytes: number;
    /** Newest modification time inside, ISO 8601. */
    modified: string;
    /** Why prune keeps it whatever its age, when it does. */
    keep?: string;
}

/**
 * Top-level folders whose children are entries: built artifacts, disks, the content hash's index of
 * each application directory, `run`'s consoles, leftovers.
 */
const FLAT_DIRS: Readonly<Record<string, CacheEntryKind>> = {
    artifacts: "artifact",
    disks: "disk",
    "hash-index": "index",
    runs: "run",
    tmp: "tmp",
};

/** Top-level folders holding tools the set-up or `bench` fetched: large, slow to make again, never pruned. */
const TOOL_DIRS = /^(grub|linux-baseline|moto-venv|actionlint-.+|pulumi-.+|engine-.+)$/;

/** Every entry under the cache root, made if missing and checked to be this user's own first. */
export async function listCache(root = cacheRoot()): Promise<CacheEntry[]> {
    if (root === cacheRoot()) await privateCacheDir();
    const top = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
    const entries: CacheEntry[] = [];
    const inUse = await qemuArguments();
    for (const dirent of top) {
        const full = path.join(root, dirent.name);
        // Real directories only: a link in the cache is never followed, so prune cannot leave it.
        if (!dirent.isDirectory()) continue;
        if (Object.hasOwn(FLAT_DIRS, dirent.name)) {
            const kind = FLAT_DIRS[dirent.name];
            for (const child of await fs.readdir(full).catch(() => [])) {
                // A build's lock file goes with its artifact, and is reported with it.
                if (kind === "artifact" && child.endsWith(".lock")) continue;
                const entry: CacheEntry = {
                    kind,
                    name: path.join(dirent.name, child),
                    ...(await usage(path.join(full, child))),
                };
                const writer = livePidInName(child);
                if (writer !== undefined) entry.keep = `a run in progress (pid ${writer}) is writing it`;
                entries.push(entry);
            }
        } else if (dirent.name === "local") {
            for (const dir of await serviceDirs(full)) {
                const entry: CacheEntry = { kind: "local", name: path.relative(root, dir), ...(await usage(dir)) };
                const pid = await checkQemuPidfile(path.join(dir, "qemu.pid"));
                if (pid.kind === "ours")
                    entry.keep = `its VM runs (QEMU pid ${pid.pid}); stop it with its stack's destroy`;
                if (pid.kind === "foreign") entry.keep = `its pidfile names a process not proven gone: ${pid.reason}`;
                entries.push(entry);
            }
        } else if (TOOL_DIRS.test(dirent.name)) {
            entries.push({
                kind: "tool",
                name: dirent.name,
                ...(await usage(full)),
                keep: "a tool, never pruned; remove it by hand",
            });
        }
    }
    for (const entry of entries) {
        const full = path.join(root, entry.name);
        const qemu = inUse.find((q) => q.args.some((arg) => arg.includes(full)));
        if (qemu && entry.keep === undefined) entry.keep = `a running QEMU (pid ${qemu.pid}) uses it`;
        if (entry.kind === "artifact" && (await buildHoldsLock(full))) entry.keep = "a build holds its lock";
    }
    const order: CacheEntryKind[] = ["artifact", "disk", "image", "index", "local", "run", "tmp", "tool"];
    return entries.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.name.localeCompare(b.name));
}

export interface PruneOptions {
    /** Remove entries not modified for this many days; with `all`, every entry. */
    olderThanDays?: number;
    all?: boolean;
    dryRun?: boolean;
    now?: Date;
}

export interface PruneResult {
    removed: CacheEntry[];
    kept: CacheEntry[];
    freedBytes: number;
    dryRun: boolean;
}

/** Removes what may go (see the module comment); returns what went and what stayed. */
export async function pruneCache(options: PruneOptions, root = cacheRoot()): Promise<PruneResult> {
    const now = (options.now ?? new Date()).getTime();
    const cutoff = options.all ? Infinity : now - (options.olderThanDays ?? Infinity) * 86_400_000;
    const removed: CacheEntry[] = [];
    const kept: CacheEntry[] = [];
    for (const entry of await listCache(root)) {
        const old = options.all || Date.parse(entry.modified) < cutoff;
        if (entry.keep !== undefined || !old) {
            kept.push(entry);
            continue;
        }
        const full = path.join(root, entry.name);
        if (!options.dryRun) {
            if (entry.kind === "artifact") {
                // Under the build's own lock, taken without waiting: a build that starts now waits
                // for the removal, and one holding it keeps its artifact.
                const release = await lockfile
                    .lock(full, { realpath: false, lockfilePath: `${full}.lock`, stale: 20_000 })
                    .catch(() => undefined);
                if (!release) {
                    kept.push({ ...entry, keep: "a build took its lock" });
                    continue;
                }
                try {
                    await fs.rm(full, { recursive: true, force: true });
                } finally {
                    await release();
                }
            } else {
                await fs.rm(full, { recursive: true, force: true });
            }
        }
        removed.push(entry);
    }
    return {
        removed,
        kept,
        freedBytes: removed.reduce((sum, e) => sum + e.sizeBytes, 0),
        dryRun: Boolean(options.dryRun),
    };
}

/** Directories under local/ that hold a service's state (a pidfile or a console), at any depth. */
async function serviceDirs(dir: string): Promise<string[]> {
    const children = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    if (children.some((c) => c.isFile() && (c.name === "qemu.pid" || c.name === "console.log"))) return [dir];
    const nested = await Promise.all(
        children.filter((c) => c.isDirectory()).map((c) => serviceDirs(path.join(dir, c.name))),
    );
    return nested.flat();
}

/** Bytes allocated (sparse disks count what they use) and the newest mtime, without following links. */
async function usage(file: string): Promise<{ sizeBytes: number; modified: string }> {
    let sizeBytes = 0;
    let newest = 0;
    const walk = async (p: string): Promise<void> => {
        const stat = await fs.lstat(p).catch(() => undefined);
        if (!stat) return;
        sizeBytes += stat.blocks * 512;
        newest = Math.max(newest, stat.mtimeMs);
        if (stat.isDirectory()) {
            for (const child of await fs.readdir(p).catch(() => [])) await walk(path.join(p, child));
        }
    };
    await walk(file);
    return { sizeBytes, modified: new Date(newest).toISOString() };
}

/** True while a build holds the artifact's lock (a lock left by a crashed build goes stale after 20 s). */
async function buildHoldsLock(artifact: string): Promise<boolean> {
    return lockfile
        .check(artifact, { realpath: false, lockfilePath: `${artifact}.lock`, stale: 20_000 })
        .catch(() => false);
}

/** The arguments of every running QEMU on this machine, ours or not: what they name is in use. */
async function qemuArguments(): Promise<{ pid: number; args: string[] }[]> {
    const pids = (await fs.readdir("/proc").catch(() => [] as string[])).filter((n) => /^\d+$/.test(n)).map(Number);
    const found: { pid: number; args: string[] }[] = [];
    for (const pid of pids) {
        const argv = await commandLineOf(pid);
        if (argv && /^qemu-system-/.test(path.basename(argv[0] ?? ""))) found.push({ pid, args: argv });
    }
    return found;
}
