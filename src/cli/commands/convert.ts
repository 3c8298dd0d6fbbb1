/** `unikernel convert`: a disk to a format clouds import, verified before it is renamed into place. */
import { withProgress } from "../progress";
import { InvalidArgumentError } from "commander";
import { DISK_FORMATS, DiskFormat, parseDiskFormat } from "../../model";
import { ConvertCommandResult } from "../../contract/convert";
import { checkOutputPath } from "../../internal/files";
import { checkTool } from "../../internal/toolCheck";
import { GNU_TAR, QEMU_IMG, SFDISK } from "../../internal/tools";
import { safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

/** Registers `convert`. */
export const registerConvertCommand: CommandRegistration = (program, io, setExit) => {
    program
        .command("convert")
        .description("Convert a disk into a format clouds import, and verify the result.")
        .argument("<disk>", "a raw, qcow2, vmdk or vhd disk (detected from its content)")
        .requiredOption("--format <format>", `one of ${DISK_FORMATS.join(", ")}`, parseFormatOption)
        .requiredOption("--out <file>", "where to write the result", safeText)
        .option("--json", "print one JSON object")
        .action(async (disk: string, options: { format: DiskFormat; out: string; json?: boolean }) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    await checkOutputPath(options.out);
                    await Promise.all(
                        [
                            QEMU_IMG,
                            // sfdisk moves a GPT's backup header when a disk is padded (GCE, VHD).
                            ...(options.format === "gce"
                                ? [GNU_TAR, SFDISK]
                                : options.format === "vhd"
                                  ? [SFDISK]
                                  : []),
                        ].map(checkTool),
                    );
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { convertDisk } = await import("../../disk/formats");
                    io.err(`convert: ${disk} -> ${options.format} ${options.out}\n`);
                    const converted = await withProgress(io, Boolean(options.json), `convert: ${options.format}`, () =>
                        convertDisk(disk, options.format, options.out),
                    );
                    const result: ConvertCommandResult = converted; // the contract a component reads, and more
                    printResult(
                        io,
                        Boolean(options.json),
                        result,
                        `${converted.path}\n  ${converted.format}, ${converted.sizeBytes} bytes, sha256 ${converted.sha256}\n  ${converted.checks.join("; ")}` +
                            (converted.notes ?? []).map((note) => `\n  note: ${note}`).join(""),
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};

function parseFormatOption(value: string): DiskFormat {
    const parsed = parseDiskFormat(value, "--format");
    if (!parsed.value)
        throw new InvalidArgumentError(`unknown disk format "${value}"; expected one of ${DISK_FORMATS.join(", ")}`);
    return parsed.value;
}
