/** File writes that never leave a half-written result behind. */
import { promises as fs } from "fs";
import * as path from "path";
import { randomBytes } from "crypto";

/** A temporary path beside `target` (same file system, so the final rename is atomic). */
export function tempPathFor(target: string): string {
    return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(4).toString("hex")}.tmp`);
}

/**
 * Produces `target` through `produce(tempPath)` and renames it into place only when `produce`
 * succeeds; on failure the temporary file is removed and `target` is untouched.
 */
export async function writeAtomically<T>(target: string, produce: (tempPath: string) => Promise<T>): Promise<T> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    try {
        const result = await produce(temp);
        await fs.rename(temp, target);
        return result;
    } catch (error) {
        await fs.rm(temp, { recursive: true, force: true });
        throw error;
    }
}

/** True when a path exists. */
export async function exists(file: string): Promise<boolean> {
    return fs.access(file).then(() => true, () => false);
}
