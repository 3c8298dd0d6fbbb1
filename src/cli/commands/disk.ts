/** `unikernel disk`: a kernel to a bootable raw disk (BIOS: MBR + GRUB; UEFI: GPT + ESP). */
import { withProgress } from "../progress";
import { Option } from "commander";
import {
    BOOT_MODES,
    BootMode,
    KERNEL_FAMILIES,
    KernelFamily,
    MACHINE_ARCHITECTURES,
    MachineArchitecture,
    Target,
} from "../../model";
import { DiskCommandResult } from "../../contract/disk";
import { checkOutputPath } from "../../internal/files";
import { checkTool } from "../../internal/toolCheck";
import { GRUB_MKIMAGE, MTOOLS, QEMU_IMG, SFDISK } from "../../internal/tools";
import { parseSize, parseTargetOption, safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

interface DiskCliOptions {
    kernel: string;
    initrd?: string;
    cmdline?: string;
    boot: BootMode;
    arch: MachineArchitecture;
    size?: number;
    target?: Target;
    family: KernelFamily;
    out: string;
    json?: boolean;
}

/** Registers `disk`. */
export const registerDiskCommand: CommandRegistration = (program, io, setExit) => {
    program
        .command("disk")
        .description("Make a bootable raw disk (BIOS: MBR + GRUB; UEFI: GPT + ESP) from a kernel.")
        .requiredOption("--kernel <file>", "the kernel", safeText)
        .option("--initrd <file>", "an initrd handed to the kernel", safeText)
        .option("--cmdline <text>", "the kernel command line", safeText)
        .addOption(new Option("--boot <mode>", "firmware").choices([...BOOT_MODES]).makeOptionMandatory())
        .addOption(new Option("--arch <arch>", "architecture").choices([...MACHINE_ARCHITECTURES]).default("x86_64"))
        .option(
            "--size <size>",
            "disk size: GiB as a number (1 = 1 GiB), or with a unit (64M, 2G), at most 2048G; default: the smallest that fits",
            parseSize,
        )
        .option(
            "--target <plat/arch>",
            "what the kernel was built for, checked against the compatibility table",
            parseTargetOption,
        )
        .addOption(
            new Option("--family <family>", "kernel family, with --target")
                .choices([...KERNEL_FAMILIES])
                .default("unikraft"),
        )
        .requiredOption("--out <file>", "where to write the raw disk", safeText)
        .option("--json", "print one JSON object")
        .action(async (options: DiskCliOptions) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    await checkOutputPath(options.out);
                    await Promise.all([QEMU_IMG, GRUB_MKIMAGE, MTOOLS, SFDISK].map(checkTool));
                    io.err(
                        `disk: making a ${options.boot.toUpperCase()} ${options.arch} disk from ${options.kernel}\n`,
                    );
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { formatBytes, makeBootableDisk } = await import("../../disk/bootableDisk");
                    const disk = await withProgress(io, Boolean(options.json), "disk: making", () =>
                        makeBootableDisk({
                            kernel: options.kernel,
                            initrd: options.initrd,
                            cmdline: options.cmdline,
                            boot: options.boot,
                            architecture: options.arch,
                            sizeBytes: options.size,
                            out: options.out,
                            kernelDescription: options.target
                                ? {
                                      family: options.family,
                                      platform: options.target.platform,
                                      architecture: options.target.architecture,
                                  }
                                : undefined,
                        }),
                    );
                    for (const change of disk.kernelChanges) io.err(`disk: ${change}\n`);
                    const result: DiskCommandResult = disk; // the contract a component reads, and more
                    printResult(
                        io,
                        Boolean(options.json),
                        result,
                        `${disk.path}\n  ${disk.boot} ${disk.architecture} ${disk.partitionTable}, ${formatBytes(disk.sizeBytes)}, ${disk.loader} (${disk.kernelProtocol}), sha256 ${disk.sha256}`,
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};
