/**
 * The hash index: what git's index does for `git status`, for the content hash of a build. For each
 * file of an application directory it keeps the SHA-256 last computed and the file's status then
 * (device, inode, size, modification and change times in ns, mode). A file whose status is the same
 * now is not read again; any other file is. The digest stays a pure function of the contents: the
 * index only decides whether a file must be read to learn its SHA-256, never what a digest is.
 *
 * Why the status is enough: writing a file moves its mtime and ctime to the current time, and ctime
 * cannot be set back by a user (`touch -d` moves mtime, and ctime to now). A file changed within the
 * same clock tick as the one recorded would look unchanged ("racily clean" in git), so an entry is
 * recorded only when the file's last change is at least {@link SETTLE_NS} older than the moment it
 * was read; a file edited just now is hashed again next time.
 *
 * One index file per directory, under the private cache (`hash-index/<sha256 of the real path>.json`),
 * written whole and atomically; a missing, unreadable or malformed index means "hash everything".
 * Set UNIKERNEL_HASH_INDEX=off to read every file every time (file systems whose inode numbers or
 * ctimes are not stable, like git's core.checkStat=minimal).
 */
import { BigIntStats, promises as fs } from "fs";
import * as path from "path";
import { privateCacheDir } from "../internal/cacheDir";
import { readBoundedFile, writeAtomically } from "../internal/files";
import { sha256 } from "../internal/hashing";

/** A file's change must be this much older than its read for its entry to be kept (clock ticks, NFS skew). */
const SETTLE_NS = 2_000_000_000n;

/** The largest index read (about 200,000 files); a tree that big is hashed without one rather than risk memory. */
const MAX_INDEX_BYTES = 32 * 1024 * 1024;

/**
 * File systems whose `stat` may answer from a cache without asking the server (NFS, SMB/CIFS, Ceph,
 * FUSE mounts such as virtiofs and sshfs, 9p) or whose ctime is not a change time (vfat reports the
 * creation time): on them a changed file could look unchanged, so every file is read (statfs magic).
 */
const UNTRUSTED_FILE_SYSTEMS: ReadonlySet<number> = new Set([
    0x6969, // NFS
    0x517b, // SMB
    0xff534d42, // CIFS
    0xfe534d42, // SMB2
    0x00c36400, // Ceph
    0x65735546, // FUSE (virtiofs, sshfs, ...)
    0x01021997, // 9p (v9fs)
    0x4d44, // vfat / msdos
]);

const INDEX_FORMAT = 1;

/** The status fields an entry keys on, as decimal strings (JSON has no 64-bit integers). */
type StatKey = [dev: string, ino: string, size: string, mtimeNs: string, ctimeNs: string, mode: string];

/** One file: its status when it was hashed, and the hash. */
type IndexEntry = [...StatKey, sha256: string];

interface IndexFile {
    format: number;
    root: string;
    entries: Record<string, IndexEntry>;
}

function statKey(stat: BigIntStats): StatKey {
    return [stat.dev, stat.ino, stat.size, stat.mtimeNs, stat.ctimeNs, stat.mode].map(String) as StatKey;
}

function isEntry(value: unknown): value is IndexEntry {
    return (
        Array.isArray(value) &&
        value.length === 7 &&
        value.slice(0, 6).every((v) => typeof v === "string" && /^\d{1,20}$/.test(v)) &&
        typeof value[6] === "string" &&
        /^[0-9a-f]{64}$/.test(value[6])
    );
}

/** The known SHA-256s of one directory's files, and the ones learnt on this walk. */
export class HashIndex {
    // Prototype-free: a file named __proto__ is a key like any other.
    private readonly seen: Record<string, IndexEntry> = Object.create(null) as Record<string, IndexEntry>;
    private changed = false;

    private constructor(
        private readonly file: string | undefined,
        private readonly root: string,
        private readonly known: Readonly<Record<string, IndexEntry>>,
    ) {}

    /**
     * The index of `root` (a real path), or an empty one that is never written when it is switched
     * off, the file system's `stat` cannot be trusted, or the cache cannot be used (hashing goes on
     * without it: the index is an optimisation, never a reason for a preview to fail).
     */
    static async open(root: string): Promise<HashIndex> {
        const none = new HashIndex(undefined, root, Object.create(null) as Record<string, IndexEntry>);
        if (process.env.UNIKERNEL_HASH_INDEX === "off") return none;
        const fsType = await fs.statfs(root).then(
            (s) => s.type,
            () => undefined,
        );
        if (fsType === undefined || UNTRUSTED_FILE_SYSTEMS.has(fsType)) return none;
        const dir = await privateCacheDir("hash-index").catch(() => undefined);
        if (!dir) return none;
        const file = path.join(dir, `${sha256(root)}.json`);
        const text = await readBoundedFile(file, MAX_INDEX_BYTES).catch(() => undefined);
        const known = Object.create(null) as Record<string, IndexEntry>;
        try {
            // Read as what it is until checked: any JSON at all.
            const parsed = text
                ? (JSON.parse(text.toString("utf8")) as { format?: unknown; root?: unknown; entries?: unknown } | null)
                : undefined;
            const entries = parsed?.entries;
            if (
                parsed?.format === INDEX_FORMAT &&
                parsed.root === root &&
                entries &&
                typeof entries === "object" &&
                !Array.isArray(entries)
            ) {
                for (const [rel, entry] of Object.entries(entries as Record<string, unknown>)) {
                    if (isEntry(entry)) known[rel] = entry;
                }
            }
        } catch {
            // A torn or foreign file: start again, every file is read.
        }
        return new HashIndex(file, root, known);
    }

    /** The SHA-256 recorded for `relPath` when its status is still `stat`, else undefined. */
    lookup(relPath: string, stat: BigIntStats): string | undefined {
        const entry = Object.hasOwn(this.known, relPath) ? this.known[relPath] : undefined;
        if (!entry) return undefined;
        const key = statKey(stat);
        if (!key.every((field, i) => field === entry[i])) return undefined;
        this.seen[relPath] = entry;
        return entry[6];
    }

    /** Records a hash just computed; `stat` is the status of the descriptor read, taken before reading. */
    record(relPath: string, stat: BigIntStats, sha: string, readAtNs: bigint): void {
        this.changed = true;
        const lastChange = stat.mtimeNs > stat.ctimeNs ? stat.mtimeNs : stat.ctimeNs;
        if (readAtNs - lastChange < SETTLE_NS) return; // racily clean: read it again next time
        this.seen[relPath] = [...statKey(stat), sha];
    }

    /**
     * Writes the entries seen on this walk (files gone or ignored since drop out), when anything
     * changed. Best effort: a cache that cannot be written costs speed next time, not correctness.
     */
    async save(): Promise<void> {
        const dropped = Object.keys(this.known).some((rel) => !Object.hasOwn(this.seen, rel));
        if (!this.file || !(this.changed || dropped)) return;
        // Nothing settled to keep and nothing known before: no file (a tree made just now, like a test's).
        if (Object.keys(this.seen).length === 0 && Object.keys(this.known).length === 0) return;
        const body: IndexFile = { format: INDEX_FORMAT, root: this.root, entries: this.seen };
        await writeAtomically(this.file, (temp) => fs.writeFile(temp, JSON.stringify(body), { mode: 0o600 })).catch(
            () => undefined,
        );
    }
}

/** The wall clock in ns, on the scale of file times. */
export function nowNs(): bigint {
    return BigInt(Date.now()) * 1_000_000n;
}
