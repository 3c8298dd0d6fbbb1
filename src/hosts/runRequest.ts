/**
 * What `unikernel run` was asked, checked and completed before QEMU starts: exactly one of a kernel
 * and a disk, a disk's format from its own header, a kernel QEMU's -kernel can start, a console
 * file, and for a detached run a pidfile and a forwarded ready port. A bad request fails here, at
 * once, with the reason, instead of after the boot timeout.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { BootMode, MachineArchitecture, UsageError } from "../model";
import { DiskInputError } from "../disk/diskInputError";
import { inspectDisk } from "../disk/inspectDisk";
import { directBootProblem } from "../disk/kernelImage";
import { privateCacheDir } from "../internal/cacheDir";
import { checkOutputPath } from "../internal/files";
import { checkTool } from "../internal/toolCheck";
import { QEMU_AARCH64, QEMU_X86_64 } from "../internal/tools";
import { LocalRunOptions } from "./localRun";
import { PortForward } from "./qemu";

/** A run as asked for on the command line. */
export interface RunRequest {
    kernel?: string;
    initrd?: string;
    cmdline?: string;
    disk?: string;
    architecture: MachineArchitecture;
    boot?: BootMode;
    memoryMiB: number;
    expect?: RegExp;
    timeoutSeconds: number;
    ports: PortForward[];
    /** Where the console goes; default: a new private directory under the cache's runs/. */
    console?: string;
    accel?: "kvm" | "tcg";
    /** Leave the VM running after the ready line; needs `pidfile`. */
    detach?: boolean;
    pidfile?: string;
    /** With `detach`: ready also needs this forwarded TCP host port to answer. */
    readyPort?: number;
}

/** The checked request: options for {@link runLocal} or, with `pidfile`, for {@link runDetached}. */
export type PreparedRun = LocalRunOptions & { pidfile?: string; readyPort?: number };

/** The largest kernel read to check it before a direct boot. */
const MAX_KERNEL_BYTES = 512 * 1024 * 1024;

/** Checks a run request and completes it (disk format, console path). Throws {@link DiskInputError} for what cannot run. */
export async function prepareRun(request: RunRequest): Promise<PreparedRun> {
    if (Boolean(request.kernel) === Boolean(request.disk)) {
        throw new UsageError("give exactly one of --kernel or --disk");
    }
    if (request.detach && !request.pidfile) {
        throw new UsageError(
            "--detach needs --pidfile, so the VM can be stopped later with `unikernel stop --pidfile`",
        );
    }
    if (
        request.detach &&
        request.readyPort !== undefined &&
        !request.ports.some((p) => p.protocol === "tcp" && p.host === request.readyPort)
    ) {
        throw new UsageError(
            `--ready-port ${request.readyPort} is not a forwarded TCP host port; add --port ${request.readyPort}:<guest port>`,
        );
    }
    await checkTool(request.architecture === "arm64" ? QEMU_AARCH64 : QEMU_X86_64);
    let diskFormat: string | undefined;
    if (request.disk) {
        diskFormat = (await inspectDisk(request.disk)).qemuFormat;
        // A raw disk with no partition table cannot boot under BIOS or UEFI: fail now, not after --timeout.
        if (diskFormat === "raw") {
            const problem = await rawBootProblem(request.disk);
            if (problem) throw new DiskInputError(`cannot boot ${request.disk}: ${problem}`);
        }
    } else {
        // Checked before QEMU starts: a file that is not a kernel fails now, with the reason.
        const problem = directBootProblem(await readKernel(request.kernel!), request.architecture);
        if (problem) throw new DiskInputError(`cannot boot ${request.kernel} with QEMU's -kernel: ${problem}`);
    }
    if (request.console) await checkOutputPath(request.console, "--console");
    // The default console goes into a directory of its own under the cache's runs/ (mkdtemp: private,
    // no name to guess), not /tmp: `unikernel cache ls` shows it and `cache prune` removes it.
    const consoleLog =
        request.console ??
        path.join(await fs.mkdtemp(path.join(await privateCacheDir("runs"), `${runStamp()}-`)), "console.log");
    return {
        architecture: request.architecture,
        kernel: request.kernel,
        initrd: request.initrd,
        cmdline: request.cmdline,
        disk: request.disk,
        diskFormat,
        boot: request.boot,
        memoryMiB: request.memoryMiB,
        ports: request.ports,
        accel: request.accel,
        expect: request.expect,
        timeoutMs: request.timeoutSeconds * 1000,
        consoleLog,
        ...(request.detach ? { pidfile: request.pidfile, readyPort: request.readyPort } : {}),
    };
}

/**
 * Why a raw disk cannot boot, or undefined. BIOS needs the MBR's 0x55AA signature; UEFI needs a
 * partition table, MBR or GPT ("EFI PART" in sector 1; a GPT disk also carries a protective MBR).
 */
async function rawBootProblem(file: string): Promise<string | undefined> {
    const handle = await fs.open(file, "r");
    try {
        const head = Buffer.alloc(1024);
        const { bytesRead } = await handle.read(head, 0, head.length, 0);
        const mbr = bytesRead >= 512 && head[510] === 0x55 && head[511] === 0xaa;
        const gpt = bytesRead >= 520 && head.toString("latin1", 512, 520) === "EFI PART";
        return mbr || gpt
            ? undefined
            : "it has no partition table (no MBR boot signature 0x55AA at byte 510, no GPT header in sector 1), so neither BIOS nor UEFI can boot it; make one with `unikernel disk`";
    } finally {
        await handle.close();
    }
}

/** A sortable stamp for a run's directory name: 20261129T235600. */
function runStamp(): string {
    return new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
}

async function readKernel(file: string): Promise<Buffer> {
    const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
        throw new DiskInputError(
            `the kernel ${file} cannot be read: ${error.code === "ENOENT" ? "no such file" : (error.code ?? error.message)}`,
        );
    });
    if (!stat.isFile() || stat.size === 0 || stat.size > MAX_KERNEL_BYTES) {
        throw new DiskInputError(
            `the kernel ${file} is ${stat.isFile() ? `${stat.size} bytes; expected 1 byte to 512 MiB` : "not a regular file"}`,
        );
    }
    return fs.readFile(file);
}
