/** SHA-256 digests of files and of structured values, the currency of caching and triggers. */
import { BigIntStats, constants, promises as fs } from "fs";
import { Hash, createHash } from "crypto";
import { runTool } from "./exec";

/** The largest read: big enough that a disk image streams in few calls, small enough to keep memory flat. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * A file at least this large with fewer blocks allocated than its size (a sparse disk image) has
 * its holes hashed as the zeros they read as, without reading them: reading a hole makes the kernel
 * fill a page of zeros for every 4 KiB, which costs more than hashing them (a 1 GiB fixed VHD of a
 * small disk: seconds). Below it, one qemu-img start costs more than it saves.
 */
const SPARSE_MIN_BYTES = 64 * 1024 * 1024;

/** Zeros fed to the hash for a hole, a chunk at a time. */
const ZEROS = Buffer.alloc(READ_CHUNK_BYTES);

/**
 * Hex SHA-256 of a regular file, streamed (disk images are large). Opened non-blocking and checked
 * on the open descriptor, so a FIFO or a device under a file's name fails instead of blocking forever.
 */
export async function sha256File(file: string): Promise<string> {
    return (await sha256FileWithStat(file)).sha256;
}

/**
 * {@link sha256File}, and the status of the descriptor that was read (taken before reading), so a
 * caller can tell later whether the file changed since (the hash index keys on it).
 */
export async function sha256FileWithStat(file: string): Promise<{ sha256: string; stat: BigIntStats }> {
    const handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
        const stat = await handle.stat({ bigint: true });
        if (!stat.isFile()) {
            throw Object.assign(new Error(`${file} is not a regular file`), {
                code: "EINVAL",
                syscall: "open",
                path: file,
            });
        }
        const hash = createHash("sha256");
        const buffer = Buffer.allocUnsafe(Math.max(4096, Math.min(READ_CHUNK_BYTES, Number(stat.size) + 1)));
        const extents =
            stat.size >= SPARSE_MIN_BYTES && stat.blocks * 512n < stat.size
                ? await dataExtents(handle.fd, Number(stat.size))
                : undefined;
        if (extents) {
            for (const extent of extents) {
                if (extent.data) await hashRange(handle, buffer, hash, extent.start, extent.length);
                else await hashZeros(hash, extent.length);
            }
        } else {
            // Read to the end, not to the size (a file may grow while it is read). A buffer one byte
            // larger than a small file takes it in one read: a short read past its size is its end.
            let total = 0;
            for (;;) {
                const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
                hash.update(buffer.subarray(0, bytesRead));
                total += bytesRead;
                if (bytesRead === 0 || (bytesRead < buffer.length && total >= stat.size)) break;
            }
        }
        return { sha256: hash.digest("hex"), stat };
    } finally {
        await handle.close();
    }
}

/** A stretch of a file: data to read, or a hole that reads as zeros. */
interface Extent {
    start: number;
    length: number;
    data: boolean;
}

/**
 * The data and holes of the open file `fd`, from `qemu-img map` (which asks the file system with
 * SEEK_DATA/SEEK_HOLE), checked to cover exactly `size` bytes in order; undefined when qemu-img is
 * missing or says anything else, and the file is then read whole.
 */
export async function dataExtents(fd: number, size: number): Promise<Extent[] | undefined> {
    try {
        const { stdout } = await runTool("qemu-img", ["map", "--output=json", "-f", "raw", "/proc/self/fd/3"], {
            inheritFd: fd,
            timeoutMs: 60_000,
        });
        const map = JSON.parse(stdout) as { start: number; length: number; data: boolean; zero: boolean }[];
        let at = 0;
        for (const e of map) {
            if (e.start !== at || !Number.isSafeInteger(e.length) || e.length <= 0) return undefined;
            // Not data means a hole, which must read as zeros; anything else is read.
            if (!e.data && !e.zero) return undefined;
            at += e.length;
        }
        return at === size ? map.map((e) => ({ start: e.start, length: e.length, data: e.data })) : undefined;
    } catch {
        return undefined;
    }
}

async function hashRange(handle: fs.FileHandle, buffer: Buffer, hash: Hash, start: number, length: number) {
    for (let done = 0; done < length;) {
        const want = Math.min(buffer.length, length - done);
        const { bytesRead } = await handle.read(buffer, 0, want, start + done);
        if (bytesRead === 0) throw new Error(`the file ended at ${start + done} bytes, inside its data`);
        hash.update(buffer.subarray(0, bytesRead));
        done += bytesRead;
    }
}

/** Bytes of zeros hashed between two yields to the event loop (about 40 ms of hashing). */
const ZEROS_PER_TURN = 64 * 1024 * 1024;

/** Feeds `length` zeros to the hash, giving the event loop a turn every 64 MiB (signals, timers, progress). */
async function hashZeros(hash: Hash, length: number): Promise<void> {
    let sinceYield = 0;
    for (let left = length; left > 0; left -= ZEROS.length) {
        hash.update(ZEROS.subarray(0, Math.min(ZEROS.length, left)));
        sinceYield += ZEROS.length;
        if (sinceYield >= ZEROS_PER_TURN) {
            sinceYield = 0;
            await new Promise((resolve) => setImmediate(resolve));
        }
    }
}

/** Hex SHA-256 of a string or bytes. */
export function sha256(data: string | Buffer): string {
    return createHash("sha256").update(data).digest("hex");
}

/**
 * A stable JSON text for hashing: object keys sorted at every level, so the same value hashes the
 * same whatever order it was built in.
 */
export function canonicalJson(value: unknown): string {
    return JSON.stringify(value, (_key, v: unknown) =>
        v && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(
                  Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
              )
            : v,
    );
}
