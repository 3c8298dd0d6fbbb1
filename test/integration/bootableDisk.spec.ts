/**
 * Real tools end to end: the demo kernel on BIOS and UEFI disks made with GRUB, sfdisk and mtools,
 * booted under QEMU (TCG here) with OVMF for UEFI, and read back from the serial console.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { existsSync, promises as fs, readdirSync } from "fs";
import * as path from "path";
import { makeBootableDisk } from "../../src/disk/bootableDisk";
import { DiskInputError } from "../../src/disk/diskInputError";
import { runLocal } from "../../src/hosts/localRun";
import {
    DEMO_LINE,
    demoKernel,
    kernelWithEmptyLoad,
    kernelWithOverlap,
    kernelWithoutMultiboot,
    plainArm64Image,
    tempDir,
} from "../helpers/demoKernel";

const expect = new RegExp(DEMO_LINE);

async function boot(disk: string, boot: "bios" | "uefi", dir: string) {
    return runLocal({
        architecture: "x86_64",
        disk,
        boot,
        memoryMiB: 64,
        expect,
        timeoutMs: 120_000,
        consoleLog: path.join(dir, `${boot}.log`),
        accel: "tcg",
        waitForExit: true,
    });
}

describe("makeBootableDisk", function () {
    this.timeout(300_000);
    let dir: string;
    beforeEach(() => {
        dir = tempDir();
    });
    afterEach(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });

    context("with the demo kernel on a BIOS disk", () => {
        it("writes an MBR disk with GRUB that boots under QEMU and hands the kernel its command line byte for byte", async () => {
            // Quotes, blanks inside quotes and backslashes, written in the form GRUB writes them.
            const cmdline = String.raw`mode=test "answer=4 2" say=\"hi\" it\'s`;
            const disk = await makeBootableDisk({
                kernel: demoKernel(),
                cmdline,
                boot: "bios",
                out: path.join(dir, "bios.img"),
            });
            assert.equal(disk.partitionTable, "mbr");
            assert.equal(disk.loader, "grub-i386-pc");
            assert.equal(disk.kernelProtocol, "multiboot");
            assert.equal(disk.sizeBytes % (1024 * 1024), 0);
            const table = execFileSync("sfdisk", ["--dump", disk.path], { encoding: "utf8" });
            assert.match(table, /label: dos/);
            assert.match(table, /start=\s*2048, size=\s*\d+, type=e, bootable/);
            const run = await boot(disk.path, "bios", dir);
            assert.ok(run.matched, run.consoleTail);
            const console = await fs.readFile(run.consoleLog, "utf8");
            assert.ok(
                console.includes(`cmdline: ${cmdline}\n`) || console.includes(`cmdline: ${cmdline}\r\n`),
                console,
            );
            assert.equal(run.exitCode, 0, "the kernel powered the VM off");
        });

        it("refuses a command line GRUB would re-quote, before writing anything, and names the form to write", async () => {
            const out = path.join(dir, "requoted.img");
            for (const [cmdline, rewritten] of [
                [`"it's"`, String.raw`it\'s`],
                ["a '' b", "a b"],
                [String.raw`x="a  b"`, `"x=a  b"`],
            ]) {
                await assert.rejects(
                    makeBootableDisk({ kernel: demoKernel(), cmdline, boot: "bios", out }),
                    (error: Error) => {
                        assert.ok(error instanceof DiskInputError, String(error));
                        assert.match(error.message, /GRUB re-quotes the kernel command line/);
                        assert.ok(error.message.includes(JSON.stringify(rewritten)), error.message);
                        return true;
                    },
                );
            }
            await assert.rejects(
                makeBootableDisk({ kernel: demoKernel(), cmdline: `a "b`, boot: "bios", out }),
                /the quote " at position 3 is not closed/,
            );
            assert.ok(!existsSync(out));
        });

        it("makes a GRUB-refused kernel (empty PT_LOAD inside .text) loadable, and GRUB does refuse the unmodified one", async () => {
            const kernel = kernelWithEmptyLoad(dir);
            const disk = await makeBootableDisk({ kernel, boot: "bios", out: path.join(dir, "fixed.img") });
            assert.deepEqual(disk.kernelChanges, [
                "program header 3 (empty PT_LOAD at 0x100000) set to PT_NULL so GRUB does not allocate from 0x100000",
            ]);
            const fixed = await boot(disk.path, "bios", dir);
            assert.ok(fixed.matched, fixed.consoleTail);

            // Put the unmodified kernel on the same disk: GRUB itself must refuse it, or the fix proves nothing.
            execFileSync("mcopy", ["-o", "-i", `${disk.path}@@1M`, kernel, "::/boot/kernel"], {
                env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
            });
            const refused = await runLocal({
                architecture: "x86_64",
                disk: disk.path,
                memoryMiB: 64,
                expect: /error: overlap detected/,
                timeoutMs: 60_000,
                consoleLog: path.join(dir, "refused.log"),
                accel: "tcg",
            });
            assert.ok(refused.matched, `GRUB did not refuse the unmodified kernel:\n${refused.consoleTail}`);
        });

        it("keeps the input kernel file unchanged", async () => {
            const kernel = kernelWithEmptyLoad(dir);
            const before = await fs.readFile(kernel);
            await makeBootableDisk({ kernel, boot: "bios", out: path.join(dir, "d.img") });
            assert.deepEqual(await fs.readFile(kernel), before);
        });
    });

    context("with the demo kernel on a UEFI disk", () => {
        it("writes a GPT disk with an EFI system partition that boots under OVMF", async () => {
            const disk = await makeBootableDisk({
                kernel: demoKernel(),
                cmdline: "uefi=yes",
                boot: "uefi",
                out: path.join(dir, "uefi.img"),
            });
            assert.equal(disk.partitionTable, "gpt");
            assert.equal(disk.loader, "grub-x86_64-efi");
            const table = execFileSync("sfdisk", ["--dump", disk.path], { encoding: "utf8" });
            assert.match(table, /label: gpt/);
            assert.match(table, /type=C12A7328-F81F-11D2-BA4B-00A0C93EC3B8/);
            const files = execFileSync("mdir", ["-i", `${disk.path}@@1M`, "-b", "::/EFI/BOOT"], {
                encoding: "utf8",
                env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
            });
            assert.match(files, /BOOTX64\.EFI/);
            const run = await boot(disk.path, "uefi", dir);
            assert.ok(run.matched, run.consoleTail);
            assert.match(await fs.readFile(run.consoleLog, "utf8"), /cmdline: uefi=yes/);
        });

        it("makes an arm64 UEFI disk layout with GRUB's arm64-efi loader only for EFI-stub kernels", async () => {
            await assert.rejects(
                makeBootableDisk({
                    kernel: plainArm64Image(dir),
                    boot: "uefi",
                    architecture: "arm64",
                    out: path.join(dir, "arm.img"),
                }),
                (e: Error) =>
                    e instanceof DiskInputError &&
                    /plain arm64 Image without an EFI stub.*"plain image kernel not supported".*CONFIG_KVM_BOOT_PROTO_EFI_STUB=y/.test(
                        e.message,
                    ),
            );
        });
    });

    context("with bad input", () => {
        const cases: [string, (d: string) => Parameters<typeof makeBootableDisk>[0], RegExp][] = [
            [
                "a missing kernel",
                (d) => ({ kernel: path.join(d, "nope"), boot: "bios", out: path.join(d, "o.img") }),
                /the kernel file .*nope does not exist/,
            ],
            [
                "a file that is not a kernel",
                (d) => ({ kernel: path.join(d, "notes.txt"), boot: "bios", out: path.join(d, "o.img") }),
                /is not a kernel \(no ELF, PE or arm64 Image header\)/,
            ],
            [
                "an fc (lxboot) target on a BIOS disk",
                (d) => ({
                    kernel: demoKernel(),
                    boot: "bios",
                    out: path.join(d, "o.img"),
                    kernelDescription: { family: "unikraft", platform: "fc", architecture: "x86_64" },
                }),
                /cannot make a BIOS disk: a unikraft fc\/x86_64 kernel boots only by lxboot \(lxboot: no Multiboot header, no PE header\).*build for qemu\/x86_64 instead/,
            ],
            [
                "a kernel without a Multiboot header",
                (d) => ({ kernel: kernelWithoutMultiboot(d), boot: "bios", out: path.join(d, "o.img") }),
                /an ELF32 x86 file without a Multiboot header, so GRUB's multiboot loader cannot boot it/,
            ],
            [
                "overlapping loadable segments",
                (d) => ({ kernel: kernelWithOverlap(d), boot: "bios", out: path.join(d, "o.img") }),
                /program headers 0 \(0x100000-0x[0-9a-f]+\) and 3 \(0x100100-0x102100\) overlap.*"overlap detected"/,
            ],
            [
                "a disk too small for the payload",
                (d) => ({ kernel: demoKernel(), boot: "bios", sizeBytes: 4 * 1024 * 1024, out: path.join(d, "o.img") }),
                /disk size 4 MiB is too small for the payload: it needs at least 9 MiB/,
            ],
            [
                "a size that is not whole MiB",
                (d) => ({ kernel: demoKernel(), boot: "bios", sizeBytes: 10_000_000, out: path.join(d, "o.img") }),
                /not a whole number of MiB/,
            ],
            [
                "an arm64 BIOS disk",
                (d) => ({ kernel: demoKernel(), boot: "bios", architecture: "arm64", out: path.join(d, "o.img") }),
                /arm64 boots by UEFI only/,
            ],
            [
                "an x86 kernel for an arm64 disk",
                (d) => ({ kernel: demoKernel(), boot: "uefi", architecture: "arm64", out: path.join(d, "o.img") }),
                /not an arm64 kernel with an EFI stub/,
            ],
        ];
        for (const [title, options, message] of cases) {
            it(`rejects ${title} and leaves nothing behind`, async () => {
                await fs.writeFile(path.join(dir, "notes.txt"), "just some text\n");
                const opts = options(dir);
                const before = readdirSync(dir).sort();
                await assert.rejects(makeBootableDisk(opts), (e: Error) => {
                    assert.ok(e instanceof DiskInputError, `${e.name}: ${e.message}`);
                    assert.match(e.message, message);
                    return true;
                });
                assert.equal(existsSync(opts.out), false);
                assert.deepEqual(readdirSync(dir).sort(), before, "no temporary files left");
            });
        }
    });
});
