/**
 * Hostile and damaged disk images against real qemu-img: formats that name other files (backing
 * files, external data files, VMDK descriptors and their extents, differencing VHDs) are refused
 * before any tool reads them; images cut short are refused; nothing is written for a refused input,
 * and no byte of the host file they point at ever reaches an output.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { promises as fs, readdirSync } from "fs";
import * as path from "path";
import { makeBootableDisk } from "../../src/disk/bootableDisk";
import { DiskInputError } from "../../src/disk/diskInputError";
import { convertDisk } from "../../src/disk/formats";
import { inspectDisk } from "../../src/disk/inspectDisk";
import { runLocal } from "../../src/hosts/localRun";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";

/** A file whose bytes must never show up in an output: a stand-in for /etc/passwd. */
const SECRET = "host-secret-4f1d2c: root:x:0:0:root:/root:/bin/bash\n";

describe("inspectDisk and convertDisk on hostile images", function () {
    this.timeout(300_000);
    let dir: string;
    let secret: string;
    let bios: string;
    let uefi: string;

    before(async () => {
        dir = tempDir();
        secret = path.join(dir, "secret.txt");
        await fs.writeFile(secret, SECRET.repeat(20000)); // ~1 MiB, so an extent of it is plausible
        bios = (await makeBootableDisk({ kernel: demoKernel(), boot: "bios", out: path.join(dir, "bios.img") })).path;
        uefi = (await makeBootableDisk({ kernel: demoKernel(), boot: "uefi", out: path.join(dir, "uefi.img") })).path;
    });
    after(() => fs.rm(dir, { recursive: true, force: true }));

    /** Converts to every format and asserts each is refused with `pattern`, leaving nothing at the output. */
    async function refusedEverywhere(input: string, pattern: RegExp): Promise<void> {
        for (const format of ["raw", "qcow2", "vmdk", "vhd", "gce"] as const) {
            const out = path.join(dir, `out-${path.basename(input)}.${format}`);
            await assert.rejects(convertDisk(input, format, out), (e: Error) => {
                assert.ok(e instanceof DiskInputError, `${format}: ${e.stack}`);
                assert.match(e.message, pattern);
                return true;
            });
            await assert.rejects(fs.access(out), `${format}: nothing is left at the output`);
        }
        const leftovers = readdirSync(dir).filter((name) => name.startsWith(".out-"));
        assert.deepEqual(leftovers, [], "no temporary file is left");
    }

    it("refuses a qcow2 with a backing file naming a host file", async () => {
        const image = path.join(dir, "backed.qcow2");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", secret, "-F", "raw", image, "1M"]);
        await refusedEverywhere(image, /backing file \(.*secret\.txt\)/);
    });

    it("refuses a qcow2 whose data lives in an external data file", async () => {
        const image = path.join(dir, "external.qcow2");
        execFileSync("qemu-img", [
            "create",
            "-q",
            "-f",
            "qcow2",
            "-o",
            `data_file=${path.join(dir, "ext.data")}`,
            image,
            "1M",
        ]);
        await refusedEverywhere(image, /data lives in another file/);
    });

    it("refuses a VMDK descriptor whose extent is a host file, without opening it", async () => {
        const image = path.join(dir, "descriptor.vmdk");
        await fs.writeFile(
            image,
            `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "${secret}" 0\n`,
        );
        await refusedEverywhere(image, /VMDK descriptor, which names its data in other files/);
        // The same file under another name is still recognized by its content.
        const renamed = path.join(dir, "descriptor.raw");
        await fs.copyFile(image, renamed);
        await refusedEverywhere(renamed, /VMDK descriptor/);
    });

    it("refuses a sparse VMDK that embeds a descriptor naming a host file, and one whose header holds no data", async () => {
        const embedded = path.join(dir, "embedded.vmdk");
        await fs.writeFile(embedded, sparseVmdkWithDescriptor(128n, `RW 2048 FLAT "${secret}" 0`, "monolithicFlat"));
        await refusedEverywhere(
            embedded,
            /embeds a VMDK descriptor of layout monolithicFlat whose extents are not this file's sparse data/,
        );
        const empty = path.join(dir, "empty-capacity.vmdk");
        await fs.writeFile(empty, sparseVmdkWithDescriptor(0n, `RW 2048 FLAT "${secret}" 0`, "monolithicFlat"));
        await refusedEverywhere(empty, /holds no data but points at a descriptor/);
    });

    it("refuses a differencing VHD (its parent is another file) and a dynamic one", async () => {
        const dynamic = path.join(dir, "dynamic.vhd");
        execFileSync("qemu-img", ["create", "-q", "-f", "vpc", "-o", "subformat=dynamic", dynamic, "8M"]);
        await refusedEverywhere(dynamic, /dynamic VHD/);
        const differencing = path.join(dir, "differencing.vhd");
        const bytes = await fs.readFile(dynamic);
        bytes.writeUInt32BE(4, 0x3c); // disk type 4: differencing
        await fs.writeFile(differencing, bytes);
        await refusedEverywhere(differencing, /differencing VHD, which reads its parent from another file/);
    });

    it("refuses formats that are not accepted, named by what they are (VDI, VHDX, QED)", async () => {
        for (const [format, pattern] of [
            ["vdi", /VirtualBox VDI/],
            ["vhdx", /VHDX/],
            ["qed", /QED/],
        ] as const) {
            const image = path.join(dir, `image.${format}`);
            execFileSync("qemu-img", ["create", "-q", "-f", format, image, "8M"]);
            await refusedEverywhere(image, pattern);
        }
    });

    it("refuses a qcow2 cut short (qemu-img would read the missing clusters as zeros)", async () => {
        const full = await convertDisk(bios, "qcow2", path.join(dir, "whole.qcow2"));
        const cut = path.join(dir, "cut.qcow2");
        await fs.writeFile(cut, (await fs.readFile(full.path)).subarray(0, Math.floor(full.sizeBytes * 0.6)));
        await refusedEverywhere(cut, /fails `qemu-img check` \(cut short or corrupt\)/);
    });

    it("refuses a streamOptimized VMDK cut short", async () => {
        const full = await convertDisk(bios, "vmdk", path.join(dir, "whole.vmdk"));
        const cut = path.join(dir, "cut.vmdk");
        await fs.writeFile(cut, (await fs.readFile(full.path)).subarray(0, Math.floor(full.sizeBytes * 0.5)));
        await refusedEverywhere(cut, /fails `qemu-img check`/);
    });

    it("checks a conversion's result without qemu-img, and still refuses one cut short", async () => {
        for (const format of ["qcow2", "vmdk"] as const) {
            const full = await convertDisk(bios, format, path.join(dir, `written.${format}`));
            assert.ok(
                full.checks.includes(
                    format === "qcow2"
                        ? "qcow2 tables and clusters inside the file"
                        : "VMDK grain directory, tables and grains inside the file",
                ),
                full.checks.join("; "),
            );
            const bytes = await fs.readFile(full.path);
            // Half, and just inside the last byte in use (what follows it is zero padding, which
            // qemu-img check does not miss either).
            const last = bytes.length - 1 - [...bytes].reverse().findIndex((b) => b !== 0);
            for (const length of [Math.floor(bytes.length / 2), last - 8]) {
                const cut = path.join(dir, `written-cut.${format}`);
                await fs.writeFile(cut, bytes.subarray(0, length));
                await assert.rejects(
                    inspectDisk(cut, { justWritten: true }),
                    (e: Error) => e instanceof DiskInputError && /cut short/.test(e.message),
                    `${format} cut to ${length} of ${bytes.length} bytes`,
                );
            }
        }
    });

    it("refuses raw disks whose MBR or GPT partitions end past the end of the file", async () => {
        const cutBios = path.join(dir, "cut-bios.img");
        await fs.writeFile(cutBios, (await fs.readFile(bios)).subarray(0, 4 * 1024 * 1024));
        await refusedEverywhere(
            cutBios,
            /cut short: MBR partition 1 ends at sector \d+, but the file has 8192 sectors/,
        );
        const cutUefi = path.join(dir, "cut-uefi.img");
        await fs.writeFile(cutUefi, (await fs.readFile(uefi)).subarray(0, 4 * 1024 * 1024));
        await refusedEverywhere(cutUefi, /cut short: its GPT needs \d+ sectors, but the file has 8192/);
    });

    it("refuses a GPT whose partition array runs past the end of the file", async () => {
        const bytes = Buffer.from(await fs.readFile(uefi));
        const sectors = bytes.length / 512;
        bytes.writeBigUInt64LE(BigInt(sectors - 2), 512 + 72); // the entries start 2 sectors before the end: 16 KiB cannot fit
        const image = path.join(dir, "gpt-array.img");
        await fs.writeFile(image, bytes);
        await refusedEverywhere(
            image,
            /implausible partition array \(128 entries of 128 bytes at sector \d+\), ending past the file's \d+ bytes/,
        );
    });

    it("refuses a fixed VHD whose footer does not match its data", async () => {
        const vhd = await convertDisk(bios, "vhd", path.join(dir, "whole.vhd"));
        const bytes = await fs.readFile(vhd.path);
        const cut = Buffer.concat([bytes.subarray(0, 1024 * 1024), bytes.subarray(bytes.length - 512)]);
        const cutFile = path.join(dir, "cut.vhd");
        await fs.writeFile(cutFile, cut);
        await refusedEverywhere(cutFile, /fixed VHD of \d+ bytes, but 1048576 bytes precede its footer/);
        const damaged = Buffer.from(bytes);
        damaged[damaged.length - 512 + 0x30] ^= 0xff; // size field changed, checksum now wrong
        const damagedFile = path.join(dir, "damaged.vhd");
        await fs.writeFile(damagedFile, damaged);
        await refusedEverywhere(damagedFile, /checksum is wrong/);
    });

    it("refuses what is not a regular file, and empty or ragged files", async () => {
        const fifo = path.join(dir, "fifo.img");
        execFileSync("mkfifo", [fifo]);
        await refusedEverywhere(fifo, /not a regular file \(a device, socket or pipe\)/);
        await refusedEverywhere(dir, /not a regular file \(a directory\)/);
        const loop = path.join(dir, "loop.img");
        await fs.symlink(loop, loop);
        await refusedEverywhere(loop, /symbolic link loop/);
        const empty = path.join(dir, "empty.img");
        await fs.writeFile(empty, "");
        await refusedEverywhere(empty, /is empty/);
        const ragged = path.join(dir, "ragged.img");
        await fs.writeFile(ragged, Buffer.alloc(1000, 1));
        await refusedEverywhere(ragged, /not a whole number of 512-byte sectors/);
    });

    it("accepts what it makes, and names the checks that passed", async () => {
        const checks: Record<string, string> = {};
        for (const format of ["raw", "qcow2", "vmdk", "vhd"] as const) {
            const out =
                format === "raw" ? { path: bios } : await convertDisk(bios, format, path.join(dir, `ok.${format}`));
            const inspected = await inspectDisk(out.path);
            assert.equal(inspected.format, format);
            checks[format] = inspected.checks.join("; ");
        }
        assert.match(checks.raw, /MBR partitions inside the disk/);
        assert.match(checks.qcow2, /qemu-img check: no errors/);
        assert.match(checks.vmdk, /one extent, in the file itself/);
        assert.match(checks.vhd, /checksum and size match/);
        assert.match((await inspectDisk(uefi)).checks.join("; "), /GPT and its partitions inside the disk/);
    });

    it("QEMU, handed a backed qcow2 by a caller that skipped the checks, does not follow the backing file", async () => {
        // The backing file is a bootable disk: followed, the guest would boot and print its line.
        const image = path.join(dir, "backed-by-bootable.qcow2");
        execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", bios, "-F", "raw", image]);
        const through = await runLocal({
            architecture: "x86_64",
            disk: image,
            diskFormat: "qcow2",
            memoryMiB: 64,
            expect: new RegExp(DEMO_LINE),
            timeoutMs: 8_000,
            consoleLog: path.join(dir, "backed.log"),
            accel: "tcg",
        });
        assert.equal(through.matched, false, "the guest saw only zeros: no boot");
        // Control: the same chain flattened by qemu-img (which follows it) boots, so the test can tell the difference.
        const flat = path.join(dir, "flattened.raw");
        execFileSync("qemu-img", ["convert", "-f", "qcow2", "-O", "raw", image, flat]);
        const control = await runLocal({
            architecture: "x86_64",
            disk: flat,
            memoryMiB: 64,
            expect: new RegExp(DEMO_LINE),
            timeoutMs: 60_000,
            consoleLog: path.join(dir, "flat.log"),
            accel: "tcg",
        });
        assert.ok(control.matched, control.consoleTail);
    });
});

/**
 * A hosted sparse VMDK (the "KDMV" header of VMware's spec) whose header points at an embedded
 * descriptor: how a single file could name other files as its data.
 */
function sparseVmdkWithDescriptor(capacitySectors: bigint, extent: string, createType: string): Buffer {
    const file = Buffer.alloc(512 * 21);
    file.write("KDMV", 0, "latin1");
    file.writeUInt32LE(1, 4); // version
    file.writeUInt32LE(3, 8); // flags: valid new-line test, redundant grain table
    file.writeBigUInt64LE(capacitySectors, 12);
    file.writeBigUInt64LE(128n, 20); // grain size
    file.writeBigUInt64LE(1n, 28); // descriptor at sector 1
    file.writeBigUInt64LE(20n, 36); // descriptor sectors
    file.writeUInt32LE(512, 44);
    file.write("\n \r\n", 73, "latin1");
    file.write(
        `# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="${createType}"\n\n${extent}\n`,
        512,
        "latin1",
    );
    return file;
}
