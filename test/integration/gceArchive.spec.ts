/**
 * The GCE archive check (one read: SHA-256, gunzip, tar headers) on archives made by real GNU tar,
 * and on the same archives damaged in each way the check exists for.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { gunzipSync, gzipSync } from "zlib";
import { readGceArchive } from "../../src/disk/gceArchive";
import { convertDisk } from "../../src/disk/formats";
import { sha256File } from "../../src/internal/hashing";
import { tempDir } from "../helpers/demoKernel";

const GIB = 1024 ** 3;

/** Sets a header's checksum field after an edit, as tar would have written it. */
function fixChecksum(tar: Buffer, at: number): void {
    tar.fill(0x20, at + 148, at + 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += tar[at + i];
    tar.write(`${sum.toString(8).padStart(6, "0")}\0 `, at + 148, "latin1");
}

describe("readGceArchive", function () {
    this.timeout(120_000);
    let dir: string;
    let good: string;
    let tar: Buffer;

    /** Writes `contents` gzipped and reads it back; resolves to the error message or "ok". */
    const verdict = async (name: string, contents: Buffer) => {
        const file = path.join(dir, name);
        await fs.writeFile(file, contents);
        return readGceArchive(file).then(
            () => "ok",
            (error: Error) => error.message,
        );
    };

    before(async () => {
        dir = tempDir("gce-archive-");
        const work = path.join(dir, "work");
        await fs.mkdir(work);
        await fs.writeFile(path.join(work, "disk.raw"), Buffer.alloc(4096, 7));
        await fs.truncate(path.join(work, "disk.raw"), GIB);
        good = path.join(dir, "good.tar.gz");
        execFileSync("tar", ["--format=gnu", "-Sczf", good, "-C", work, "disk.raw"]);
        tar = gunzipSync(await fs.readFile(good));
    });
    after(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });

    it("reads what GNU tar makes: its SHA-256 and every check", async () => {
        const reading = await readGceArchive(good);
        assert.equal(reading.sha256, await sha256File(good));
        assert.deepEqual(reading.checks, [
            "tar lists only disk.raw",
            "disk.raw is 1 GiB",
            "GNU tar format",
            "gzip stream whole",
        ]);
    });

    it("refuses a gzip stream cut short, and a header whose checksum is wrong", async () => {
        const whole = await fs.readFile(good);
        assert.match(await verdict("cut.tar.gz", whole.subarray(0, whole.length - 20)), /not a whole gzip stream/);
        const damaged = Buffer.from(tar);
        damaged[0] = "e".charCodeAt(0); // "eisk.raw", checksum left as it was
        assert.match(await verdict("damaged.tar.gz", gzipSync(damaged)), /checksum is wrong/);
    });

    it("refuses another name, a second member, a size not whole GiB, and a non-GNU header", async () => {
        const renamed = Buffer.from(tar);
        renamed.write("data.raw", 0, "latin1");
        fixChecksum(renamed, 0);
        assert.match(
            await verdict("renamed.tar.gz", gzipSync(renamed)),
            /must hold exactly disk\.raw; it holds data\.raw/,
        );

        const work = path.join(dir, "two");
        await fs.mkdir(work);
        await fs.writeFile(path.join(work, "disk.raw"), "");
        await fs.truncate(path.join(work, "disk.raw"), GIB);
        await fs.writeFile(path.join(work, "extra"), "x");
        const two = path.join(dir, "two.tar.gz");
        execFileSync("tar", ["--format=gnu", "-Sczf", two, "-C", work, "disk.raw", "extra"]);
        assert.match(await verdict("two-copy.tar.gz", await fs.readFile(two)), /it holds disk\.raw, extra/);

        const small = path.join(dir, "small");
        await fs.mkdir(small);
        await fs.writeFile(path.join(small, "disk.raw"), Buffer.alloc(1024 * 1024));
        const smallTar = path.join(dir, "small.tar.gz");
        execFileSync("tar", ["--format=gnu", "-Sczf", smallTar, "-C", small, "disk.raw"]);
        assert.match(
            await verdict("small-copy.tar.gz", await fs.readFile(smallTar)),
            /1048576 bytes, not a whole number of GiB/,
        );

        const ustar = Buffer.from(tar);
        ustar.write("ustar\u000000", 257, "latin1");
        fixChecksum(ustar, 0);
        assert.match(await verdict("ustar.tar.gz", gzipSync(ustar)), /not a GNU-format tar/);
    });

    it("refuses an archive without its end blocks, and data after them", async () => {
        const end = tar.length - 1024; // GNU tar pads to 10 KiB records: find the first end block
        let first = 512;
        while (first < end && !tar.subarray(first, first + 512).every((b) => b === 0)) first += 512;
        assert.match(await verdict("no-end.tar.gz", gzipSync(tar.subarray(0, first))), /ends inside its tar archive/);
        const trailing = Buffer.concat([tar, Buffer.alloc(512, 1)]);
        assert.match(await verdict("trailing.tar.gz", gzipSync(trailing)), /data after its end/);
    });

    it("reads a sparse member with extension blocks (many extents), ending in a GPT", async () => {
        // 40 scattered data extents: more than the 4 a header holds and the 21 an extension block
        // holds, so the member has extension blocks before its data; the backup GPT ends the disk.
        const raw = path.join(dir, "scattered.raw");
        await fs.writeFile(raw, "");
        await fs.truncate(raw, GIB);
        execFileSync("sfdisk", ["-q", raw], { input: "label: gpt\n,,L\n", stdio: ["pipe", "ignore", "ignore"] });
        const handle = await fs.open(raw, "r+");
        for (let i = 1; i <= 40; i++) await handle.write(Buffer.alloc(4096, i), 0, 4096, i * 20 * 1024 * 1024);
        await handle.close();
        const out = await convertDisk(raw, "gce", path.join(dir, "scattered.tar.gz"));
        assert.ok(out.checks.includes("tar lists only disk.raw"), out.checks.join("; "));
        const unpacked = path.join(dir, "unpacked-scattered");
        await fs.mkdir(unpacked);
        execFileSync("tar", ["-xzf", out.path, "-C", unpacked]);
        assert.equal(await sha256File(path.join(unpacked, "disk.raw")), await sha256File(raw));
        const header = gunzipSync(await fs.readFile(out.path)).subarray(0, 512);
        assert.equal(String.fromCharCode(header[156]), "S");
        assert.equal(header[482], 1, "the header says extension blocks follow");
    });

    it("archives a raw disk of a whole GiB byte for byte", async () => {
        const raw = path.join(dir, "whole.raw");
        await fs.writeFile(raw, Buffer.alloc(1024 * 1024, 3));
        await fs.truncate(raw, GIB);
        const out = await convertDisk(raw, "gce", path.join(dir, "whole.tar.gz"));
        assert.equal(out.notes, undefined, "nothing padded");
        const unpacked = path.join(dir, "unpacked");
        await fs.mkdir(unpacked);
        execFileSync("tar", ["-xzf", out.path, "-C", unpacked]);
        assert.equal(await sha256File(path.join(unpacked, "disk.raw")), await sha256File(raw));
    });
});
