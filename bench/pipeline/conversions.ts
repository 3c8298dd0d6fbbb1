/**
 * Disk rows: the BIOS disk build against the same GRUB/sfdisk/mtools/dd steps run bare from a
 * script, and each conversion done by `convertDisk` (qemu-img or tar, the checks of the input and
 * of the result, a SHA-256 of the result) against the bare tool plus one plain streaming SHA-256 of
 * its output in Node (what recording a digest costs done the simple way), for the demo disk (9 MiB)
 * and for a 1 GiB sparse disk.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import { createReadStream, mkdtempSync, promises as fs } from "fs";
import * as path from "path";
import { makeBootableDisk } from "../../src/disk/bootableDisk";
import { convertDisk } from "../../src/disk/formats";
import { grubModuleDir } from "../../src/disk/grub";
import { DiskFormat } from "../../src/model";
import { Row, medianPair } from "./timing";

const ROOT = path.resolve(__dirname, "..", "..");
const MIB = 1024 * 1024;

/** One streaming SHA-256 of a file, the plain way: every byte read, holes too. */
function plainSha256(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        createReadStream(file)
            .on("data", (chunk) => hash.update(chunk))
            .on("error", reject)
            .on("end", () => resolve(hash.digest("hex")));
    });
}

/** The bare command for each format, writing `out`. */
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

/** The rows, and the two disks (for the upload section). */
export async function diskRows(work: string): Promise<{ rows: Row[]; small: string; big: string }> {
    const build = path.join(work, "kernel");
    execFileSync("make", ["-s", "-C", path.join(ROOT, "examples", "hello-kernel"), `OUT=${build}`]);
    const kernel = path.join(build, "hello.elf");
    const rows: Row[] = [];

    const { oursMs: ours, baselineMs: bare } = await medianPair(
        (i) => makeBootableDisk({ kernel, boot: "bios", out: path.join(work, `ours-${i}.img`) }),
        async (i) => {
            const dir = mkdtempSync(path.join(work, "bare-"));
            await bareDisk(kernel, path.join(dir, `bare-${i}.img`), dir);
        },
    );
    rows.push({
        step: "demo kernel -> BIOS disk (9 MiB)",
        oursMs: ours,
        baseline: "the same steps from a script",
        baselineMs: bare,
        target: 1,
    });

    const small = path.join(work, "ours-0.img");
    const big = path.join(work, "sparse-1g.raw");
    await fs.copyFile(small, big);
    await fs.truncate(big, 1024 * MIB);
    for (const [label, input] of [
        ["demo disk (9 MiB)", small],
        ["1 GiB sparse disk", big],
    ] as const) {
        for (const format of ["qcow2", "vmdk", "vhd", "gce"] as const) {
            const { oursMs: o, baselineMs: b } = await medianPair(
                async (i) => {
                    const out = path.join(work, `o-${format}-${i}`);
                    await convertDisk(input, format, out);
                    await fs.rm(out, { force: true });
                },
                async (i) => {
                    const dir = mkdtempSync(path.join(work, "b-"));
                    const out = path.join(dir, `b-${format}-${i}`);
                    bareConvert[format](input, out, dir);
                    await plainSha256(out);
                    await fs.rm(dir, { recursive: true, force: true });
                },
            );
            rows.push({
                step: `${label} -> ${format}`,
                oursMs: o,
                baseline: format === "gce" ? "cp --sparse + tar -Sczf, + SHA-256" : "qemu-img convert + SHA-256",
                baselineMs: b,
                target: label.startsWith("1 GiB") ? 1.3 : undefined,
            });
        }
    }
    return { rows, small, big };
}
