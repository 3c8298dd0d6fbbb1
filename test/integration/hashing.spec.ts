/**
 * sha256File against coreutils' sha256sum on real files: small and chunk-edge sizes, and sparse
 * files (whose holes are hashed as zeros without being read, from `qemu-img map`'s extents).
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import { openSync, closeSync, promises as fs } from "fs";
import * as path from "path";
import { dataExtents, sha256File } from "../../src/internal/hashing";
import { tempDir } from "../helpers/demoKernel";

const MIB = 1024 * 1024;

function sha256sum(file: string): string {
    return execFileSync("sha256sum", [file], { encoding: "utf8" }).split(" ")[0];
}

describe("sha256File", function () {
    this.timeout(120_000);
    let dir: string;
    before(() => {
        dir = tempDir("hashing-");
    });
    after(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });

    it("agrees with sha256sum on empty, small and chunk-edge sizes", async () => {
        for (const size of [0, 1, 4095, 4096, MIB - 1, MIB, MIB + 1, 3 * MIB + 7]) {
            const file = path.join(dir, `plain-${size}`);
            await fs.writeFile(file, randomBytes(size));
            assert.equal(await sha256File(file), sha256sum(file), `${size} bytes`);
        }
    });

    it("hashes a sparse file's holes as zeros without reading them, and agrees with sha256sum", async () => {
        // 100 MiB: data at the start, at an unaligned offset in the middle, and in the last bytes.
        const file = path.join(dir, "sparse.raw");
        await fs.writeFile(file, randomBytes(4096));
        const handle = await fs.open(file, "r+");
        await handle.write(randomBytes(3 * MIB + 5), 0, 3 * MIB + 5, 40 * MIB + 123);
        await handle.write(randomBytes(100), 0, 100, 100 * MIB - 100);
        await handle.close();
        const stat = await fs.stat(file);
        assert.equal(stat.size, 100 * MIB);
        assert.ok(stat.blocks * 512 < stat.size, "the file is sparse");

        const fd = openSync(file, "r");
        try {
            const extents = await dataExtents(fd, stat.size);
            assert.ok(extents, "qemu-img map gave the extents");
            assert.equal(
                extents.reduce((sum, e) => sum + e.length, 0),
                stat.size,
            );
            const holes = extents.filter((e) => !e.data).reduce((sum, e) => sum + e.length, 0);
            assert.ok(holes > 90 * MIB, `holes: ${holes} bytes`);
            assert.equal(await dataExtents(fd, stat.size + 512), undefined, "extents that do not cover the size");
        } finally {
            closeSync(fd);
        }
        assert.equal(await sha256File(file), sha256sum(file));

        // Entirely a hole, and a file that ends in one.
        const empty = path.join(dir, "hole.raw");
        await fs.writeFile(empty, "");
        await fs.truncate(empty, 80 * MIB);
        assert.equal(await sha256File(empty), sha256sum(empty));
        const tailHole = path.join(dir, "tail-hole.raw");
        await fs.writeFile(tailHole, randomBytes(MIB));
        await fs.truncate(tailHole, 70 * MIB + 512);
        assert.equal(await sha256File(tailHole), sha256sum(tailHole));
    });

    it("refuses what is not a regular file without blocking", async () => {
        const fifo = path.join(dir, "fifo");
        execFileSync("mkfifo", [fifo]);
        await assert.rejects(sha256File(fifo), /is not a regular file/);
    });
});
