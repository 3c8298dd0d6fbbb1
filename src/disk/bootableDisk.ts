/**
 * Artifact -> bootable disk, without root, loop devices or mounts.
 *
 * BIOS: an MBR disk, one FAT partition at 1 MiB holding the kernel (and initrd), GRUB's boot sector
 * in the MBR and its core image in the gap before the partition; GRUB loads the kernel by
 * Multiboot 1 or 2. UEFI: a GPT disk with an EFI system partition (FAT, made with mtools) holding
 * GRUB as the removable-media loader (\EFI\BOOT\BOOTX64.EFI or BOOTAA64.EFI), which loads a
 * Multiboot kernel, chain-loads an x86_64 EFI-stub kernel, or boots an arm64 EFI-stub kernel with
 * its `linux` loader. arm64 is UEFI only.
 */
import { promises as fs } from "fs";
import * as path from "path";
import {
    BootMode,
    KernelDescription,
    MachineArchitecture,
    assessDisk,
    findUnsafeCharacter,
    resolveBootMode,
    UsageError,
} from "../model";
import { runTool } from "../internal/exec";
import { withWorkDir, writeAtomically } from "../internal/files";
import { sha256 as sha256Hex, sha256File } from "../internal/hashing";
import { DiskInputError } from "./diskInputError";
import { MAX_VIRTUAL_BYTES } from "./inspectDisk";
import {
    GrubPlatform,
    embedBiosBootLoader,
    grubChainloaderArgs,
    grubLoaderArgs,
    grubQuote,
    makeGrubImage,
} from "./grub";
import {
    KernelImageError,
    KernelInfo,
    describeFormat,
    elfBoundsProblem,
    inspectKernel,
    prepareForGrubMultiboot,
    requireArm64EfiKernel,
} from "./kernelImage";

/** What to put on the disk. */
export interface DiskOptions {
    /** The kernel file. */
    kernel: string;
    /** An initrd / initramfs handed to the kernel as a boot module. */
    initrd?: string;
    /** The kernel command line. */
    cmdline?: string;
    /** Firmware the disk boots with. */
    boot: BootMode;
    /** CPU architecture. Default x86_64. */
    architecture?: MachineArchitecture;
    /** Disk size in bytes; default: the smallest whole MiB that fits. Must be a whole number of MiB. */
    sizeBytes?: number;
    /** Output path of the raw disk. Written atomically: it either appears whole or not at all. */
    out: string;
    /** What the kernel is, when known (from the build's target): checked against the table first. */
    kernelDescription?: KernelDescription;
}

/** What was made. */
export interface DiskResult {
    path: string;
    sha256: string;
    sizeBytes: number;
    boot: BootMode;
    architecture: MachineArchitecture;
    partitionTable: "mbr" | "gpt";
    /** Which boot loader starts the kernel. */
    loader: "grub-i386-pc" | "grub-x86_64-efi" | "grub-arm64-efi";
    /** How the kernel is started by that loader. */
    kernelProtocol: "multiboot" | "multiboot2" | "efi-chainload" | "linux-efi";
    /** Changes made to the kernel copy on the disk (the input file is never changed). */
    kernelChanges: string[];
    /** Bytes of files on the boot partition. */
    payloadBytes: number;
}

const MIB = 1024 * 1024;
const PARTITION_START_SECTOR = 2048; // 1 MiB: aligned, and room for GRUB's core image before it
const GPT_TAIL_BYTES = MIB; // the backup GPT lives in the last 33 sectors; keep 1 MiB for alignment
const MIN_PARTITION_BYTES = 8 * MIB;
const ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC3B8";

/** Makes a bootable raw disk. Checks everything first; writes nothing when a check fails. */
export async function makeBootableDisk(options: DiskOptions): Promise<DiskResult> {
    const architecture = options.architecture ?? "x86_64";
    const unsafe = options.cmdline === undefined ? undefined : findUnsafeCharacter(options.cmdline);
    if (unsafe) {
        throw new DiskInputError(
            `the kernel command line holds ${unsafe.description}, which cannot go into GRUB's script or a kernel command line; remove it`,
        );
    }
    const boot = resolveBootMode(
        architecture,
        options.boot,
        "boot",
        "arm64 boots by UEFI only: use --boot uefi for arm64 disks",
    );
    if (boot.problems.length) throw new DiskInputError(`the boot mode ${boot.problems[0].message}`);
    if (options.kernelDescription) {
        const answer = assessDisk(options.kernelDescription, options.boot);
        if (!answer.bootable) {
            throw new DiskInputError(
                `cannot make a ${options.boot.toUpperCase()} disk: ${answer.reasons.join("; ")}` +
                    (answer.alternatives.length ? `. Instead: ${answer.alternatives.join(", or ")}` : ""),
            );
        }
    }
    if (path.resolve(options.out).includes("@@")) {
        // mtools reads `<image>@@<offset>`: a second "@@" in the path would move the partition.
        throw new UsageError(
            `the output path ${options.out} holds "@@", which mtools reads as an offset marker; choose another name`,
        );
    }
    const kernelBytes = await readInput(options.kernel, "kernel");
    const initrdBytes = options.initrd ? (await checkInput(options.initrd, "initrd", MAX_INITRD_BYTES)).size : 0;
    const plan = planLoader(kernelBytes, options.boot, architecture, options.cmdline, Boolean(options.initrd));

    const payloadBytes = plan.kernel.length + initrdBytes + plan.reservedBytes;
    const needed = minimumDiskBytes(payloadBytes, options.boot);
    const sizeBytes = options.sizeBytes ?? needed;
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes % MIB !== 0) {
        throw new DiskInputError(
            `disk size ${sizeBytes} bytes is not a whole number of MiB; round it to ${Math.ceil(sizeBytes / MIB)} MiB`,
        );
    }
    if (sizeBytes > MAX_VIRTUAL_BYTES) {
        throw new DiskInputError(
            `disk size ${formatBytes(sizeBytes)} is above the 2 TiB this package makes; a unikernel disk needs ${formatBytes(needed)}`,
        );
    }
    if (sizeBytes < needed) {
        throw new DiskInputError(
            `disk size ${formatBytes(sizeBytes)} is too small for the payload: it needs at least ${formatBytes(needed)} ` +
                `(kernel ${plan.kernel.length} bytes, initrd ${initrdBytes} bytes, boot loader and file system); use a size of ${needed / MIB} MiB or more`,
        );
    }

    const table = options.boot === "bios" ? "mbr" : "gpt";
    const sha256 = await withWorkDir("disk", async (work) => {
        const kernelFile = path.join(work, "kernel");
        await fs.writeFile(kernelFile, plan.kernel);
        // mcopy reads the initrd from our own copy: a checked regular file, and a name that is never
        // taken for an MS-DOS drive ("a:...").
        const initrdFile = path.join(work, "initrd");
        if (options.initrd) await fs.copyFile(options.initrd, initrdFile);
        const loaderImage = path.join(work, "loader.img");
        await makeGrubImage(plan.grub, plan.script, loaderImage, work);
        // Reproducible: every identifier and time stamp on the disk comes from its contents, so the
        // same inputs make the same bytes (two runs writing one path agree; a digest means something).
        const seed = sha256Hex(
            Buffer.concat([
                plan.kernel,
                await fs.readFile(loaderImage),
                Buffer.from(
                    JSON.stringify([
                        options.initrd ? await sha256File(initrdFile) : null,
                        options.cmdline ?? "",
                        options.boot,
                        architecture,
                        sizeBytes,
                    ]),
                ),
            ]),
        );
        for (const file of [kernelFile, loaderImage, ...(options.initrd ? [initrdFile] : [])])
            await fs.utimes(file, FAT_EPOCH, FAT_EPOCH);
        return writeAtomically(options.out, async (temp) => {
            await fs.writeFile(temp, "");
            await fs.truncate(temp, sizeBytes);
            const partitionBytes = sizeBytes - PARTITION_START_SECTOR * 512 - (table === "gpt" ? GPT_TAIL_BYTES : 0);
            await writePartitionTable(temp, table, partitionBytes, seed);
            const fat = `${temp}@@${PARTITION_START_SECTOR * 512}`;
            await mtools("mformat", [
                "-i",
                fat,
                "-N",
                seed.slice(0, 8),
                "-T",
                String(partitionBytes / 512),
                "-h",
                "64",
                "-s",
                "32",
                "-v",
                "UNIKERNEL",
                "::",
            ]);
            await mtools("mmd", ["-i", fat, "::/boot", ...(table === "gpt" ? ["::/EFI", "::/EFI/BOOT"] : [])]);
            await mtools("mcopy", ["-m", "-i", fat, kernelFile, `::${plan.kernelPath}`]);
            if (options.initrd) {
                await mtools("mcopy", ["-m", "-i", fat, initrdFile, "::/boot/initrd"]);
            }
            if (table === "gpt") {
                await mtools("mcopy", [
                    "-m",
                    "-i",
                    fat,
                    loaderImage,
                    architecture === "arm64" ? "::/EFI/BOOT/BOOTAA64.EFI" : "::/EFI/BOOT/BOOTX64.EFI",
                ]);
            } else {
                await embedBiosBootLoader(temp, loaderImage, PARTITION_START_SECTOR);
            }
            // Hashed before the rename: the digest reported is that of the file this run wrote.
            return sha256File(temp);
        });
    });
    return {
        path: path.resolve(options.out),
        sha256,
        sizeBytes,
        boot: options.boot,
        architecture,
        partitionTable: options.boot === "bios" ? "mbr" : "gpt",
        loader: `grub-${plan.grub}`,
        kernelProtocol: plan.protocol,
        kernelChanges: plan.changes,
        payloadBytes,
    };
}

/** The smallest disk for a payload: 1 MiB of gap, a FAT partition with room to spare, the GPT tail. */
export function minimumDiskBytes(payloadBytes: number, boot: BootMode): number {
    const partition = Math.max(MIN_PARTITION_BYTES, Math.ceil((payloadBytes * 1.1 + MIB) / MIB) * MIB);
    return PARTITION_START_SECTOR * 512 + partition + (boot === "uefi" ? GPT_TAIL_BYTES : 0);
}

interface LoaderPlan {
    grub: GrubPlatform;
    script: string;
    protocol: DiskResult["kernelProtocol"];
    /** The kernel bytes to store (possibly a fixed copy). */
    kernel: Buffer;
    /** Where the kernel goes on the FAT partition. */
    kernelPath: string;
    changes: string[];
    /** Room for the boot loader file on the ESP. */
    reservedBytes: number;
}

function loaderArgs(result: { args: string; problem?: string }): string {
    if (result.problem) throw new DiskInputError(result.problem);
    return result.args;
}

/** Decides loader and script from the kernel's own headers; throws a {@link DiskInputError} when no loader fits. */
function planLoader(
    bytes: Buffer,
    boot: BootMode,
    architecture: MachineArchitecture,
    cmdline: string | undefined,
    hasInitrd: boolean,
): LoaderPlan {
    const info = inspectKernel(bytes);
    if (info.format === "unknown") {
        throw new DiskInputError(
            `the kernel file is ${describeFormat(info)}; give the kernel the engine built (an ELF with a Multiboot header, or an EFI-stub kernel)`,
        );
    }
    const damaged = elfBoundsProblem(bytes, info);
    if (damaged) {
        throw new DiskInputError(`the kernel file is not a whole ELF kernel: ${damaged}`);
    }
    try {
        if (architecture === "arm64") {
            requireArm64EfiKernel(info);
            const script = scriptOf(boot, [
                `linux /boot/kernel ${loaderArgs(grubLoaderArgs(cmdline))}`,
                ...(hasInitrd ? ["initrd /boot/initrd"] : []),
            ]);
            return {
                grub: "arm64-efi",
                script,
                protocol: "linux-efi",
                kernel: bytes,
                kernelPath: "/boot/kernel",
                changes: [],
                reservedBytes: 512 * 1024,
            };
        }
        requireX86(info);
        if (boot === "uefi" && !info.multiboot && info.efiStub) {
            // An EFI-stub kernel reads its command line from the load options GRUB's chainloader passes.
            const script = scriptOf(boot, [
                `chainloader /EFI/BOOT/KERNEL.EFI ${loaderArgs(grubChainloaderArgs(cmdline))}`,
            ]);
            return {
                grub: "x86_64-efi",
                script,
                protocol: "efi-chainload",
                kernel: bytes,
                kernelPath: "/EFI/BOOT/KERNEL.EFI",
                changes: [],
                reservedBytes: 512 * 1024,
            };
        }
        const prepared = prepareForGrubMultiboot(bytes, info);
        const mb2 = info.multiboot === 2;
        const lines = [
            `${mb2 ? "multiboot2" : "multiboot"} /boot/kernel ${loaderArgs(grubLoaderArgs(cmdline))}`,
            ...(hasInitrd ? [`${mb2 ? "module2" : "module"} /boot/initrd ${grubQuote("initrd")}`] : []),
        ];
        return {
            grub: boot === "bios" ? "i386-pc" : "x86_64-efi",
            script: scriptOf(boot, lines),
            protocol: mb2 ? "multiboot2" : "multiboot",
            kernel: prepared.bytes,
            kernelPath: "/boot/kernel",
            changes: prepared.changes,
            reservedBytes: boot === "uefi" ? 512 * 1024 : 0,
        };
    } catch (error) {
        if (error instanceof KernelImageError) {
            throw new DiskInputError(`cannot make a ${boot.toUpperCase()} disk: ${error.message}`);
        }
        throw error;
    }
}

function requireX86(info: KernelInfo): void {
    if (info.machine === "arm64" || info.machine === "arm") {
        throw new KernelImageError(`the kernel is ${describeFormat(info)}; make an arm64 disk (--arch arm64) for it`);
    }
}

/**
 * GRUB's embedded script: set the root partition, load, boot. On BIOS, GRUB's own messages go to the
 * VGA console, which nobody reads on a server; mirroring them to the first serial port puts a
 * refusal such as "error: overlap detected" in the console log and the cloud's console output.
 * (UEFI firmware already mirrors its console to serial.)
 */
function scriptOf(boot: BootMode, lines: string[]): string {
    const serial = boot === "bios" ? ["serial --unit=0 --speed=115200", "terminal_output serial console"] : [];
    return [...serial, `set root=${boot === "bios" ? "(hd0,msdos1)" : "(hd0,gpt1)"}`, ...lines, "boot", ""].join("\n");
}

/** Partition tables with identifiers from `seed` (a hex digest of the disk's contents), not random ones. */
async function writePartitionTable(
    disk: string,
    table: "mbr" | "gpt",
    partitionBytes: number,
    seed: string,
): Promise<void> {
    const sectors = partitionBytes / 512;
    const script =
        table === "mbr"
            ? `label: dos\nlabel-id: 0x${seed.slice(8, 16)}\nstart=${PARTITION_START_SECTOR}, size=${sectors}, type=e, bootable\n`
            : `label: gpt\nlabel-id: ${uuidOf(seed, 0)}\nfirst-lba: ${PARTITION_START_SECTOR}\n` +
              `start=${PARTITION_START_SECTOR}, size=${sectors}, type=${ESP_TYPE}, uuid=${uuidOf(seed, 1)}, name="EFI System"\n`;
    await runTool("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", disk], { input: script });
}

/** A version-4-shaped UUID from a hex digest, so GPT identifiers are reproducible. */
function uuidOf(seed: string, index: number): string {
    const hex = sha256Hex(Buffer.from(`${seed}:${index}`)).slice(0, 32);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The FAT time stamp of every file and directory: 1980-01-01 00:00:00 UTC, the start of FAT time. */
const FAT_EPOCH = 315532800;

function mtools(command: string, args: string[]) {
    // mtools checks that a disk's geometry matches its BPB; a partition at an offset need not.
    // SOURCE_DATE_EPOCH and TZ fix the time stamps it writes (FAT keeps local time).
    return runTool(command, args, {
        env: { ...process.env, MTOOLS_SKIP_CHECK: "1", SOURCE_DATE_EPOCH: String(FAT_EPOCH), TZ: "UTC" },
    });
}

/** Largest kernel read into memory: real unikernels are a few MiB, a Linux kernel tens. */
const MAX_KERNEL_BYTES = 512 * MIB;
/** Largest initrd put on a disk. */
const MAX_INITRD_BYTES = 4 * 1024 * MIB;

/** Checks that an input is a regular, non-empty file within bounds; returns its stat. */
async function checkInput(file: string, what: string, maxBytes: number) {
    const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
        throw new DiskInputError(
            `the ${what} file ${file} does not exist or cannot be read (${error.code ?? String(error)})`,
        );
    });
    if (!stat.isFile()) {
        throw new DiskInputError(`the ${what} ${file} is not a regular file`);
    }
    if (stat.size === 0 || stat.size > maxBytes) {
        throw new DiskInputError(
            `the ${what} ${file} is ${stat.size} bytes; expected 1 byte to ${formatBytes(maxBytes)}`,
        );
    }
    return stat;
}

async function readInput(file: string, what: string): Promise<Buffer> {
    await checkInput(file, what, MAX_KERNEL_BYTES);
    return fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new DiskInputError(`the ${what} file ${file} cannot be read (${error.code ?? String(error)})`);
    });
}

/** 8388608 -> "8 MiB"; 1073741824 -> "1 GiB". */
export function formatBytes(bytes: number): string {
    if (bytes % (1024 * MIB) === 0) return `${bytes / (1024 * MIB)} GiB`;
    if (bytes % MIB === 0) return `${bytes / MIB} MiB`;
    return `${bytes} bytes`;
}
