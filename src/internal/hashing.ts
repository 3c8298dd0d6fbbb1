/** SHA-256 digests of files and of structured values, the currency of caching and triggers. */
import { createHash } from "crypto";
import { constants, promises as fs } from "fs";

/**
 * Hex SHA-256 of a regular file, streamed (disk images are large). Opened non-blocking and checked
 * on the open descriptor, so a FIFO or a device under a file's name fails instead of blocking forever.
 */
export async function sha256File(file: string): Promise<string> {
    const handle = await fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
        const stat = await handle.stat();
        if (!stat.isFile()) {
            throw Object.assign(new Error(`${file} is not a regular file`), {
                code: "EINVAL",
                syscall: "open",
                path: file,
            });
        }
    } catch (error) {
        await handle.close();
        throw error;
    }
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        handle
            .createReadStream()
            .on("data", (chunk) => hash.update(chunk))
            .on("error", reject)
            .on("end", () => resolve(hash.digest("hex")));
    });
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
