/**
 * bench/pipeline: the local artifact pipeline against the bare tools, in the same run.
 *
 * For the demo kernel's BIOS disk (9 MiB) and for a 1 GiB sparse disk, it times each conversion done
 * by `convertDisk` (qemu-img or tar, then verification and a SHA-256 of the result) against the bare
 * command alone, and the disk build against the bare GRUB/sfdisk/mtools steps. It also prints the
 * bytes an EBS direct upload sends (non-zero 512 KiB blocks) next to the disk's non-zero bytes.
 * Medians of RUNS runs (default 5). Prints a Markdown table.
 */
import { execFileSync } from "child_process";
import { mkdtempSync, promises as fs, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { makeBootableDisk } from "../src/disk/bootableDisk";
import { scanBlocks } from "../src/disk/blocks";
import { convertDisk } from "../src/disk/formats";
import { DiskFormat } from "../src/model";
import { grubModuleDir } from "../src/disk/grub";

const RUNS = Number(process.env.RUNS ?? 5);
const MIB = 1024 * 1024;

async function median(runs: number, body: (i: number) => Promise<void> | void): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
        const start = process.hrtime.bigint();
        await body(i);
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
}

const bareConvert: Record<Exclude<DiskFormat, "raw">, (input: string, out: string, work: string) => void> = {
    qcow2: (input, out) => execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", input, out]),
    vmdk: (input, out) =>
        execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", input, out]),
    vhd: (input, out) =>
        execFileSync("qemu-img", [
            "convert",
            "-f",
            "raw",
            "-O",
            "vpc",
            "-o",
            "subformat=fixed,force_size=on",
            input,
            out,
        ]),
    gce: (input, out, work) => {
        // The bare recipe from the GCE docs: a sparse copy named disk.raw, then tar -Sczf.
        execFileSync("cp", ["--sparse=always", input, path.join(work, "disk.raw")]);
        execFileSync("tar", ["--format=gnu", "-Sczf", out, "-C", work, "disk.raw"]);
    },
};

/** The disk steps with nothing around them: GRUB image, partition, FAT, copy, boot sector. */
async function bareDisk(kernel: string, out: string, work: string): Promise<void> {
    const cfg = path.join(work, "grub.cfg");
    await fs.writeFile(cfg, "set root=(hd0,msdos1)\nmultiboot /boot/kernel\nboot\n");
    const core = path.join(work, "core.img");
    execFileSync("grub-mkimage", [
        "-O",
        "i386-pc",
        "-o",
        core,
        "-c",
        cfg,
        "-p",
        "/boot/grub",
        "biosdisk",
        "part_msdos",
        "fat",
        "multiboot",
        "boot",
    ]);
    execFileSync("truncate", ["-s", "9M", out]);
    execFileSync("sfdisk", ["-q", out], { input: "label: dos\nstart=2048, type=e, bootable\n" });
    const env = { ...process.env, MTOOLS_SKIP_CHECK: "1" };
    execFileSync("mformat", ["-i", `${out}@@1M`, "-v", "UNIKERNEL", "::"], { env });
    execFileSync("mmd", ["-i", `${out}@@1M`, "::/boot"], { env });
    execFileSync("mcopy", ["-i", `${out}@@1M`, kernel, "::/boot/kernel"], { env });
    const bootImg = path.join(await grubModuleDir("i386-pc"), "boot.img");
    execFileSync("dd", [`if=${bootImg}`, `of=${out}`, "bs=440", "count=1", "conv=notrunc"], { stdio: "ignore" });
    execFileSync("dd", [`if=${core}`, `of=${out}`, "bs=512", "seek=1", "conv=notrunc"], { stdio: "ignore" });
}

async function main(): Promise<void> {
    const work = mkdtempSync(path.join(os.tmpdir(), "bench-pipeline-"));
    try {
        const build = path.join(work, "kernel");
        execFileSync("make", ["-s", "-C", path.join(__dirname, "..", "examples", "hello-kernel"), `OUT=${build}`]);
        const kernel = path.join(build, "hello.elf");
        const rows: string[] = [];

        const ours = await median(RUNS, (i) =>
            makeBootableDisk({ kernel, boot: "bios", out: path.join(work, `ours-${i}.img`) }).then(() => undefined),
        );
        const bare = await median(RUNS, async (i) => {
            const dir = mkdtempSync(path.join(work, "bare-"));
            await bareDisk(kernel, path.join(dir, `bare-${i}.img`), dir);
        });
        rows.push(
            `| demo kernel -> BIOS disk (9 MiB) | ${ours.toFixed(0)} | ${bare.toFixed(0)} | ${(ours / bare).toFixed(2)}x |`,
        );

        const small = path.join(work, "ours-0.img");
        const big = path.join(work, "sparse-1g.raw");
        await fs.copyFile(small, big);
        await fs.truncate(big, 1024 * MIB);

        for (const [label, input] of [
            ["demo disk (9 MiB)", small],
            ["1 GiB sparse disk", big],
        ] as const) {
            for (const format of ["qcow2", "vmdk", "vhd", "gce"] as const) {
                const o = await median(RUNS, (i) =>
                    convertDisk(input, format, path.join(work, `o-${format}-${i}`)).then(() => undefined),
                );
                const b = await median(RUNS, (i) => {
                    const dir = mkdtempSync(path.join(work, "b-"));
                    bareConvert[format](input, path.join(dir, `b-${format}-${i}`), dir);
                });
                rows.push(`| ${label} -> ${format} | ${o.toFixed(0)} | ${b.toFixed(0)} | ${(o / b).toFixed(2)}x |`);
            }
        }

        const uploads: string[] = [];
        for (const [label, input] of [
            ["demo disk (9 MiB)", small],
            ["1 GiB sparse disk", big],
        ] as const) {
            const blocks = await scanBlocks(input);
            const pages = await scanBlocks(input, 4096);
            const sent = blocks.nonZeroBlocks.length * blocks.blockBytes;
            const data = pages.nonZeroBlocks.length * 4096;
            uploads.push(
                `| ${label} | ${blocks.sizeBytes} | ${sent} (${blocks.nonZeroBlocks.length} of ${blocks.totalBlocks} blocks) | ${data} | ${((sent / blocks.sizeBytes) * 100).toFixed(2)}% |`,
            );
        }

        console.log(
            `Pipeline benchmark: median of ${RUNS} runs, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"}), ${new Date().toISOString().slice(0, 10)}`,
        );
        console.log("");
        console.log("| step | ours (ms) | bare tools (ms) | ours / bare |");
        console.log("|---|---:|---:|---:|");
        rows.forEach((r) => console.log(r));
        console.log("");
        console.log(
            "Ours includes the checks and digests the bare commands skip: qemu-img info/check, tar listing, SHA-256 of the result.",
        );
        console.log("");
        console.log(
            "| disk | size (bytes) | EBS direct upload sends (bytes) | non-zero 4 KiB pages (bytes) | sent / size |",
        );
        console.log("|---|---:|---:|---:|---:|");
        uploads.forEach((u) => console.log(u));
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
