/**
 * GRUB images made without root, loop devices or mounts: `grub-mkimage` builds a core image with an
 * embedded script, and for BIOS the MBR boot sector and core image are written into the disk file
 * the way grub-bios-setup writes them (grub-core/... util/setup.c: boot.img keeps the partition
 * table, gets the core's first sector at 0x5c and drive 0xff at 0x64; the core's first sector ends
 * with the blocklist of the rest).
 */
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { StepFailure } from "../model";
import { cacheRoot } from "../internal/cacheDir";
import { runTool } from "../internal/exec";

/** GRUB platforms this package builds for. */
export type GrubPlatform = "i386-pc" | "x86_64-efi" | "arm64-efi";

/** The first sector is the MBR; the core image goes right after it, in the gap before the partition. */
export const CORE_IMAGE_SECTOR = 1;

/** Where GRUB's module directory for a platform is: the Debian location, or the package's cache (arm64-efi on amd64 hosts). */
export async function grubModuleDir(platform: GrubPlatform): Promise<string> {
    const candidates = [
        ...new Set(
            [
                process.env.UNIKERNEL_GRUB_DIR && path.join(process.env.UNIKERNEL_GRUB_DIR, platform),
                path.join("/usr/lib/grub", platform),
                path.join(cacheRoot(), "grub", platform),
                // Where ./scripts/setup unpacks them, even when UNIKERNEL_CACHE_DIR points elsewhere.
                path.join(os.homedir(), ".cache", "pulumi-unikernel", "grub", platform),
            ].filter((c): c is string => Boolean(c)),
        ),
    ];
    for (const dir of candidates) {
        if (
            await fs.access(path.join(dir, "moddep.lst")).then(
                () => true,
                () => false,
            )
        ) {
            return dir;
        }
    }
    const hint =
        platform === "arm64-efi"
            ? "run ./scripts/setup (it unpacks Debian's grub-efi-arm64-bin into the cache), or set UNIKERNEL_GRUB_DIR"
            : `install ${platform === "i386-pc" ? "grub-pc-bin" : "grub-efi-amd64-bin"} (apt-get install ${platform === "i386-pc" ? "grub-pc-bin" : "grub-efi-amd64-bin"})`;
    throw new StepFailure(`GRUB modules for ${platform} were not found in ${candidates.join(", ")}; ${hint}`);
}

/** Modules each image needs: disk access, the partition map, FAT, and the loaders. */
const MODULES: Readonly<Record<GrubPlatform, readonly string[]>> = {
    "i386-pc": ["biosdisk", "part_msdos", "fat", "multiboot", "multiboot2", "boot", "echo", "serial", "terminal"],
    // efi_gop gives GRUB a video mode to hand a Multiboot kernel; without it GRUB prints
    // "error: no suitable video mode found" (harmless, but it reads like a failure in console logs).
    "x86_64-efi": ["part_gpt", "fat", "multiboot", "multiboot2", "chain", "boot", "echo", "efi_gop"],
    "arm64-efi": ["part_gpt", "fat", "linux", "boot", "echo"],
};

/**
 * Builds a GRUB image whose embedded script is `script` (written into `workDir`). The script runs
 * in GRUB's rescue parser: no menu and no timeout, which keeps GRUB's cost to a fraction of a second.
 */
export async function makeGrubImage(
    platform: GrubPlatform,
    script: string,
    out: string,
    workDir: string,
): Promise<void> {
    const dir = await grubModuleDir(platform);
    const config = path.join(workDir, "embedded.cfg");
    await fs.writeFile(config, script);
    await runTool("grub-mkimage", [
        "-d",
        dir,
        "-O",
        platform,
        "-o",
        out,
        "-c",
        config,
        "-p",
        "/boot/grub",
        ...MODULES[platform],
    ]);
}

/**
 * Writes GRUB's BIOS boot sector and a core image into `disk` (an MBR disk whose first partition
 * starts after the core image). Keeps the partition table already in the MBR.
 */
export async function embedBiosBootLoader(
    disk: string,
    coreImage: string,
    firstPartitionSector: number,
): Promise<void> {
    const dir = await grubModuleDir("i386-pc");
    const bootImg = await fs.readFile(path.join(dir, "boot.img"));
    const core = await fs.readFile(coreImage);
    const sectors = Math.ceil(core.length / 512);
    if (CORE_IMAGE_SECTOR + sectors > firstPartitionSector) {
        throw new StepFailure(
            `GRUB's core image needs ${sectors} sectors but only ${firstPartitionSector - CORE_IMAGE_SECTOR} fit before the first partition`,
        );
    }
    const handle = await fs.open(disk, "r+");
    try {
        const mbr = Buffer.alloc(512);
        await handle.read(mbr, 0, 512, 0);
        const boot = Buffer.from(bootImg.subarray(0, 512));
        mbr.copy(boot, 0x1b8, 0x1b8, 0x1fe); // disk signature and partition table stay
        boot.writeBigUInt64LE(BigInt(CORE_IMAGE_SECTOR), 0x5c); // GRUB_BOOT_MACHINE_KERNEL_SECTOR
        boot[0x64] = 0xff; // GRUB_BOOT_MACHINE_BOOT_DRIVE: use the drive the BIOS booted from
        boot[0x66] = 0x90; // GRUB_BOOT_MACHINE_DRIVE_CHECK: nop the floppy check, as grub-bios-setup
        boot[0x67] = 0x90; // does for hard disks whose BIOS passes a wrong drive number
        boot.writeUInt16LE(0xaa55, 0x1fe);
        const padded = Buffer.alloc(sectors * 512);
        core.copy(padded);
        // The first core sector (diskboot) ends with the blocklist of the rest: start, length, segment.
        padded.writeBigUInt64LE(BigInt(CORE_IMAGE_SECTOR + 1), 512 - 12);
        padded.writeUInt16LE(sectors - 1, 512 - 4);
        padded.writeUInt16LE(0x820, 512 - 2);
        await handle.write(boot, 0, 512, 0);
        await handle.write(padded, 0, padded.length, CORE_IMAGE_SECTOR * 512);
    } finally {
        await handle.close();
    }
}

/**
 * Quotes one word for GRUB's parser: single quotes, with embedded single quotes closed, escaped and
 * reopened. Kernel command lines keep their own quote characters for the kernel's parser.
 */
export function grubQuote(word: string): string {
    return `'${word.replace(/'/g, "'\\''")}'`;
}

/** One word of a kernel command line: its text as written, and what it means once unquoted. */
interface KernelWord {
    raw: string;
    value: string;
}

/**
 * Splits a kernel command line into words as the kernels' parsers read it: blanks separate words,
 * double or single quotes group, a backslash takes the next character literally.
 */
export function kernelWords(cmdline: string): { words: KernelWord[]; problem?: string } {
    const words: KernelWord[] = [];
    let k = 0;
    while (k < cmdline.length) {
        while (k < cmdline.length && /\s/.test(cmdline[k])) k++;
        if (k >= cmdline.length) break;
        const start = k;
        let value = "";
        let quote: string | undefined;
        for (; k < cmdline.length && (quote || !/\s/.test(cmdline[k])); k++) {
            const c = cmdline[k];
            if (c === "\\" && k + 1 < cmdline.length) value += cmdline[++k];
            else if (quote ? c === quote : c === '"' || c === "'") quote = quote ? undefined : c;
            else value += c;
        }
        if (quote) return { words, problem: `the quote ${quote} at position ${start + 1} is not closed` };
        words.push({ raw: cmdline.slice(start, k), value });
    }
    return { words };
}

/**
 * How GRUB writes one argument into the command line it hands a Linux or Multiboot kernel
 * (grub_create_loader_cmdline): a backslash before every \\, ' and ", and double quotes around
 * an argument that holds a blank.
 */
export function grubLoaderForm(value: string): string {
    const escaped = value.replace(/[\\'"]/g, "\\$&");
    return value.includes(" ") ? `"${escaped}"` : escaped;
}

/**
 * The GRUB arguments for `linux`, `multiboot` and `multiboot2`: one GRUB word per kernel word,
 * holding its unquoted value, so that what GRUB writes is what the command line says. GRUB
 * re-quotes every argument (see {@link grubLoaderForm}); a command line that is not already in
 * that form would reach the kernel changed (`"it's"` as `it\'s`, an empty `""` dropped), so it is
 * refused with the form to write instead. Only the blanks between words may differ (GRUB puts one).
 */
export function grubLoaderArgs(cmdline: string | undefined): { args: string; problem?: string } {
    const { words, problem } = kernelWords(cmdline ?? "");
    if (problem) return { args: "", problem: `the kernel command line cannot be read: ${problem}` };
    const changed = words.filter((w) => grubLoaderForm(w.value) !== w.raw || w.value === "");
    if (changed.length) {
        const rewritten = words
            .filter((w) => w.value !== "")
            .map((w) => grubLoaderForm(w.value))
            .join(" ");
        return {
            args: "",
            problem:
                `GRUB re-quotes the kernel command line, so the kernel would read ${JSON.stringify(rewritten)} instead of ${JSON.stringify(cmdline)} ` +
                `(changed: ${changed.map((w) => w.raw || '""').join(", ")}); write it in GRUB's form (double quotes only around words with blanks, a backslash before each \\, ' and ", no empty words), ` +
                "or boot the kernel directly, which passes the command line unchanged",
        };
    }
    return { args: words.map((w) => grubQuote(w.value)).join(" ") };
}

/**
 * The GRUB arguments for `chainloader`: an EFI application gets its load options as GRUB joins
 * the arguments, with single blanks and no escaping, so each word goes through as written.
 */
export function grubChainloaderArgs(cmdline: string | undefined): { args: string; problem?: string } {
    const { words, problem } = kernelWords(cmdline ?? "");
    if (problem) return { args: "", problem: `the kernel command line cannot be read: ${problem}` };
    return { args: words.map((w) => grubQuote(w.raw)).join(" ") };
}
