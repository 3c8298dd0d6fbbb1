/** `unikernel validate`: checks a Kraftfile or ops config.json and prints every problem and warning. */
import { Problem } from "../../model";
import { loadOrReport, reportProblems, reportWarnings } from "../projectFileReport";
import { CliIo, CommandRegistration, ExitCode } from "../output";

/** Registers `validate`. */
export const registerValidateCommand: CommandRegistration = (program, io, setExit) => {
    program
        .command("validate")
        .description(
            "Check a Kraftfile or ops config.json and print every problem and warning on stdout (exit 1 when invalid).",
        )
        .argument("[path]", "a project directory, a Kraftfile, or an ops config.json", ".")
        .option(
            "--json",
            "print one JSON object: {valid, file, problems: [{path, message, line?}], warnings: [{path, message, line?}]}",
        )
        .action(async (target: string, options: { json?: boolean }) => {
            setExit(await validate(target, Boolean(options.json), io));
        });
};

async function validate(target: string, json: boolean, io: CliIo): Promise<number> {
    const project = await loadOrReport(target, json, io);
    if (!project) {
        return ExitCode.Failed;
    }
    const valid = project.problems.length === 0;
    const shape = (p: Problem) => ({ path: p.path, message: p.message, ...(p.line ? { line: p.line } : {}) });
    if (json) {
        io.out(
            `${JSON.stringify({ valid, file: project.file, problems: project.problems.map(shape), warnings: project.warnings.map(shape) })}\n`,
        );
        return valid ? ExitCode.Ok : ExitCode.Failed;
    }
    reportWarnings(project.warnings, project.file, io, "out");
    if (valid) {
        const app = project.application;
        const what = project.kind === "kraftfile" ? `Kraftfile ${project.kraftfile?.spec}` : "ops config";
        const warned = project.warnings.length
            ? ` (${project.warnings.length} warning${project.warnings.length === 1 ? "" : "s"})`
            : "";
        io.out(
            `${project.file}: valid ${what}, application "${app?.name}", targets ${app?.targets.map((t) => `${t.platform}/${t.architecture}`).join(", ") || "none"}${warned}\n`,
        );
    } else {
        reportProblems(project.problems, project.file, io, "out");
    }
    return valid ? ExitCode.Ok : ExitCode.Failed;
}
