/** File writes that never leave a half-written result behind, and scratch space that is cleaned up. */
import { constants as fsConstants, promises as fs } from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import { UnikernelError } from "../model";
import { privateCacheDir } from "./cacheDir";
import { sweepStale, trackTemporary } from "./cleanup";

/** The prefix of every temporary beside `target`: `.<name>.` then the pid, a random part and `.tmp`. */
function tempPrefix(target: string): string {
    return `.${path.basename(target)}.`;
}

/** A temporary path beside `target` (same file system, so the final rename is atomic), naming this process. */
export function tempPathFor(target: string): string {
    return path.join(path.dirname(target), `${tempPrefix(target)}${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
}

/**
 * Produces `target` through `produce(tempPath)` and renames it into place only when `produce`
 * succeeds; on failure (or a signal) the temporary file is removed and `target` is untouched.
 * Temporaries that an earlier, killed run left beside `target` are removed first.
 */
export async function writeAtomically<T>(file: string, produce: (tempPath: string) => Promise<T>): Promise<T> {
    // Absolute, so no tool reads the temporary's name as an option or a `protocol:` (qemu-img, tar).
    const target = path.resolve(file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await sweepStale(path.dirname(target), tempPrefix(target));
    const temp = tempPathFor(target);
    const untrack = trackTemporary(temp);
    try {
        const result = await produce(temp);
        await fs.rename(temp, target);
        return result;
    } catch (error) {
        await fs.rm(temp, { recursive: true, force: true });
        throw error;
    } finally {
        untrack();
    }
}

/**
 * Runs `body` with a new scratch directory under the cache (`<cache>/tmp/<prefix><pid>.<random>`),
 * removed afterwards, on failure, and on a signal; directories of runs that were killed are swept.
 */
export async function withWorkDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
    const parent = await privateCacheDir("tmp");
    await sweepStale(parent, `${prefix}.`);
    const dir = path.join(parent, `${prefix}.${process.pid}.${randomBytes(4).toString("hex")}`);
    await fs.mkdir(dir, { mode: 0o700 });
    const untrack = trackTemporary(dir);
    try {
        return await body(dir);
    } finally {
        await fs.rm(dir, { recursive: true, force: true });
        untrack();
    }
}

/** A file that is not what a reader expected: not a regular file, or larger than it may be. */
export class FileCheckError extends UnikernelError {}

/**
 * Reads a file that must be a regular file of at most `maxBytes`: opened non-blocking and checked
 * on the open descriptor (so a FIFO or device swapped in under the name cannot block or feed an
 * endless read). Resolves to undefined when the file does not exist.
 */
export async function readBoundedFile(file: string, maxBytes: number): Promise<Buffer | undefined> {
    let handle: fs.FileHandle;
    try {
        handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
    }
    try {
        const stat = await handle.stat();
        if (!stat.isFile())
            throw new FileCheckError(
                `${file} is not a regular file (${stat.isDirectory() ? "a directory" : "a device, socket or pipe"})`,
            );
        if (stat.size > maxBytes)
            throw new FileCheckError(`${file} is ${stat.size} bytes, more than the ${maxBytes} it may have`);
        const buffer = Buffer.alloc(stat.size);
        const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
        return buffer.subarray(0, bytesRead);
    } finally {
        await handle.close();
    }
}

/** True when a path exists. */
export async function exists(file: string): Promise<boolean> {
    return fs.access(file).then(
        () => true,
        () => false,
    );
}

/**
 * An output path must be a file a run may replace: not a directory or a device, and below a
 * directory (not below a file). Checked before any work, so the failure is one line and nothing is
 * made. `option` names the flag or property in the message.
 */
export async function checkOutputPath(out: string, option = "--out"): Promise<void> {
    const absolute = path.resolve(out);
    const stat = await fs.lstat(absolute).catch(() => undefined);
    if (stat && !stat.isFile()) {
        throw new FileCheckError(
            `${option} ${out} is ${stat.isDirectory() ? "a directory" : "not a regular file"}; give the path of the file to write`,
        );
    }
    for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
        const parent = await fs.stat(dir).catch(() => undefined);
        if (parent) {
            if (!parent.isDirectory())
                throw new FileCheckError(`${option} ${out} is below ${dir}, which is not a directory`);
            return;
        }
        if (dir === path.dirname(dir)) return;
    }
}
