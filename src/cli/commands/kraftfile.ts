/** `unikernel kraftfile`: prints a project's Kraftfile normalized (canonical names, fixed key order). */
import { emitKraftfile } from "../../model";
import { loadOrReport, reportProblems, reportWarnings } from "../projectFileReport";
import { CliIo, CommandRegistration, ExitCode } from "../output";

/** Registers `kraftfile`. */
export const registerKraftfileCommand: CommandRegistration = (program, io, setExit) => {
    program
        .command("kraftfile")
        .description("Print the normalized Kraftfile of a project (canonical names, fixed key order).")
        .argument("[path]", "a project directory or a Kraftfile", ".")
        .option("--json", "print the parsed application as JSON instead")
        .option(
            "--upgrade",
            "write the newest spec the file's content needs (v0.6, or v0.7 for long-form rootfs and roms) instead of the one it declares",
        )
        .action(async (target: string, options: { json?: boolean; upgrade?: boolean }) => {
            setExit(await printKraftfile(target, Boolean(options.json), Boolean(options.upgrade), io));
        });
};

async function printKraftfile(target: string, json: boolean, upgrade: boolean, io: CliIo): Promise<number> {
    const project = await loadOrReport(target, false, io);
    if (!project) {
        return ExitCode.Failed;
    }
    if (project.kind !== "kraftfile") {
        io.err(
            `${project.file} is an ops config, not a Kraftfile; \`unikernel kraftfile\` reads Kraftfiles (use \`unikernel validate\` for ops configs)\n`,
        );
        return ExitCode.Failed;
    }
    if (!project.kraftfile) {
        reportProblems(project.problems, project.file, io, "err");
        return ExitCode.Failed;
    }
    reportWarnings(project.warnings, project.file, io, "err");
    io.out(json ? `${JSON.stringify(project.kraftfile, null, 2)}\n` : emitKraftfile(project.kraftfile, { upgrade }));
    return ExitCode.Ok;
}
