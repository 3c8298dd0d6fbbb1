/** Real qemu-img and GNU tar: every format converts back to the same bytes; the GCE archive is what GCE imports. */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { makeBootableDisk } from "../../src/disk/bootableDisk";
import { DiskInputError } from "../../src/disk/diskInputError";
import { convertDisk, detectDiskFormat } from "../../src/disk/formats";
import { runLocal } from "../../src/hosts/localRun";
import { sha256, sha256File } from "../../src/internal/hashing";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";

const GIB = 1024 * 1024 * 1024;

describe("convertDisk", function () {
    this.timeout(300_000);
    let dir: string;
    let bios: { path: string; sha256: string; sizeBytes: number };
    let uefi: { path: string; sha256: string; sizeBytes: number };

    before(async () => {
        dir = tempDir();
        bios = await makeBootableDisk({ kernel: demoKernel(), boot: "bios", out: path.join(dir, "bios.img") });
        uefi = await makeBootableDisk({ kernel: demoKernel(), boot: "uefi", out: path.join(dir, "uefi.img") });
    });
    after(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });

    for (const format of ["raw", "qcow2", "vmdk", "vhd"] as const) {
        it(`writes ${format}, verified, and it converts back to raw with identical bytes`, async () => {
            const out = await convertDisk(bios.path, format, path.join(dir, `disk.${format}`));
            assert.equal(out.format, format);
            assert.equal(out.sha256, await sha256File(out.path));
            assert.equal(out.sizeBytes, (await fs.stat(out.path)).size);
            assert.equal(out.virtualSizeBytes, bios.sizeBytes);
            assert.ok(out.checks.length >= 2, out.checks.join("; "));
            assert.equal((await detectDiskFormat(out.path)).format, format, "detected from content");
            const back = await convertDisk(out.path, "raw", path.join(dir, `back-from-${format}.raw`));
            assert.equal(back.sha256, bios.sha256);
        });
    }

    it("writes a streamOptimized VMDK (what EC2 ImportSnapshot takes)", async () => {
        const out = await convertDisk(bios.path, "vmdk", path.join(dir, "so.vmdk"));
        const info = JSON.parse(execFileSync("qemu-img", ["info", "--output=json", out.path], { encoding: "utf8" }));
        assert.equal(info["format-specific"].data["create-type"], "streamOptimized");
    });

    it("writes a fixed VHD whose data is a whole number of MiB", async () => {
        const out = await convertDisk(bios.path, "vhd", path.join(dir, "fixed.vhd"));
        assert.equal(out.sizeBytes, bios.sizeBytes + 512);
        assert.ok(out.checks.includes("fixed VHD footer: checksum and size match"), out.checks.join("; "));
    });

    context("the GCE archive", () => {
        it("holds exactly disk.raw in a GNU tar, padded to 1 GiB, with the disk's bytes first", async () => {
            const out = await convertDisk(bios.path, "gce", path.join(dir, "bios.tar.gz"));
            assert.deepEqual(out.checks, [
                "tar lists only disk.raw",
                "disk.raw is 1 GiB",
                "GNU tar format",
                "gzip stream whole",
            ]);
            assert.equal(out.virtualSizeBytes, GIB);
            assert.ok(out.sizeBytes < 2 * 1024 * 1024, `sparse-aware: ${out.sizeBytes} bytes for a 1 GiB disk`);
            const listing = execFileSync("tar", ["-tvzf", out.path], { encoding: "utf8" }).trim().split("\n");
            assert.equal(listing.length, 1);
            assert.match(listing[0], /\s1073741824\s.*\sdisk\.raw$/);
            const unpacked = path.join(dir, "unpacked-bios");
            await fs.mkdir(unpacked);
            execFileSync("tar", ["-xzf", out.path, "-C", unpacked]);
            const raw = path.join(unpacked, "disk.raw");
            assert.equal((await fs.stat(raw)).size, GIB);
            const handle = await fs.open(raw, "r");
            const head = Buffer.alloc(bios.sizeBytes);
            await handle.read(head, 0, head.length, 0);
            await handle.close();
            assert.equal(sha256(head), bios.sha256);
            // cmp exits 0 only when the rest of the disk equals /dev/zero byte for byte.
            execFileSync("cmp", [
                "-s",
                "-i",
                `${bios.sizeBytes}:0`,
                "-n",
                String(GIB - bios.sizeBytes),
                raw,
                "/dev/zero",
            ]);
        });

        it("moves a GPT disk's backup header to the new end, and the padded disk still boots", async () => {
            const out = await convertDisk(uefi.path, "gce", path.join(dir, "uefi.tar.gz"));
            const unpacked = path.join(dir, "unpacked-uefi");
            await fs.mkdir(unpacked);
            execFileSync("tar", ["-xzf", out.path, "-C", unpacked]);
            const raw = path.join(unpacked, "disk.raw");
            const verify = execFileSync("sfdisk", ["--verify", raw], { encoding: "utf8" });
            assert.match(verify, /No errors detected/, verify);
            assert.match(verify, /Using 1 out of 128 partitions/);
            const run = await runLocal({
                architecture: "x86_64",
                disk: raw,
                boot: "uefi",
                memoryMiB: 64,
                expect: new RegExp(DEMO_LINE),
                timeoutMs: 120_000,
                consoleLog: path.join(dir, "gce-uefi.log"),
                accel: "tcg",
            });
            assert.ok(run.matched, run.consoleTail);
        });
    });

    context("with bad input", () => {
        it("refuses to convert from a GCE archive", async () => {
            const archive = await convertDisk(bios.path, "gce", path.join(dir, "again.tar.gz"));
            await assert.rejects(
                convertDisk(archive.path, "raw", path.join(dir, "x.raw")),
                (e: Error) => e instanceof DiskInputError && /is a gzip archive/.test(e.message),
            );
        });

        it("refuses a missing disk", async () => {
            await assert.rejects(
                convertDisk(path.join(dir, "nope.img"), "qcow2", path.join(dir, "x.qcow2")),
                /nope\.img cannot be read: no such file/,
            );
        });
    });

    context("a disk that is not a whole number of MiB", () => {
        it("pads a fixed VHD to the next MiB with zeros, and says so in the result", async () => {
            const odd = path.join(dir, "odd.raw");
            const bytes = Buffer.alloc(1024 * 1024 + 512, 1);
            await fs.writeFile(odd, bytes);
            const out = await convertDisk(odd, "vhd", path.join(dir, "odd.vhd"));
            assert.equal(out.virtualSizeBytes, 2 * 1024 * 1024);
            assert.equal(out.sizeBytes, 2 * 1024 * 1024 + 512);
            assert.deepEqual(out.notes, [
                `padded from ${bytes.length} to ${2 * 1024 * 1024} bytes with zeros at the end: a fixed VHD must be a whole number of MiB (Azure's rule)`,
            ]);
            const back = await convertDisk(out.path, "raw", path.join(dir, "odd-back.raw"));
            assert.equal(back.sha256, sha256(Buffer.concat([bytes, Buffer.alloc(2 * 1024 * 1024 - bytes.length)])));
            const whole = await convertDisk(bios.path, "vhd", path.join(dir, "whole.vhd"));
            assert.equal(whole.notes, undefined, "nothing to note for a whole MiB");
        });

        it("moves a GPT's backup header to the padded end, and the VHD still boots", async () => {
            // The UEFI demo disk grown by one sector, its backup GPT moved to that new last sector.
            const grown = path.join(dir, "uefi-plus-one.raw");
            await fs.copyFile(uefi.path, grown);
            await fs.truncate(grown, uefi.sizeBytes + 512);
            execFileSync("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", "--relocate", "gpt-bak-std", grown], {
                stdio: "pipe",
            });
            const out = await convertDisk(grown, "vhd", path.join(dir, "uefi-plus-one.vhd"));
            assert.equal(out.virtualSizeBytes, uefi.sizeBytes + 1024 * 1024);
            assert.match(out.notes?.[0] ?? "", /^padded from /);
            const back = await convertDisk(out.path, "raw", path.join(dir, "uefi-plus-one-back.raw"));
            const verify = execFileSync("sfdisk", ["--verify", back.path], { encoding: "utf8" });
            assert.match(verify, /No errors detected/, verify);
            const run = await runLocal({
                architecture: "x86_64",
                disk: out.path,
                diskFormat: "vpc",
                boot: "uefi",
                memoryMiB: 64,
                expect: new RegExp(DEMO_LINE),
                timeoutMs: 120_000,
                consoleLog: path.join(dir, "vhd-uefi.log"),
                accel: "tcg",
            });
            assert.ok(run.matched, run.consoleTail);
        });
    });
});
