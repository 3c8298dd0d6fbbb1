/** SHA-256 digests of files and of structured values, the currency of caching and triggers. */
import { createHash } from "crypto";
import { createReadStream } from "fs";

/** Hex SHA-256 of a file, streamed (disk images are large). */
export function sha256File(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        createReadStream(file).on("data", (chunk) => hash.update(chunk)).on("error", reject).on("end", () => resolve(hash.digest("hex")));
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
            ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
            : v);
}
