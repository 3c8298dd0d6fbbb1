/** `unikernel validate` and `unikernel kraftfile`: check and normalize project files. */
import { Command } from "commander";
import { Problem, emitKraftfile, formatProblem, printable } from "../../model";
import { ProjectFileNotFound, readProjectFile } from "../../internal/projectFiles";
import { CliIo, ExitCode } from "../output";

/** Registers `validate` and `kraftfile`. */
export function registerProjectFileCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
    program
        .command("validate")
        .description("Check a Kraftfile or ops config.json and print every problem (exit 1 when invalid).")
        .argument("[path]", "a project directory, a Kraftfile, or an ops config.json", ".")
        .option("--json", "print one JSON object: {valid, file, problems: [{path, message, line?}], warnings: [{path, message, line?}]}")
        .action(async (target: string, options: { json?: boolean }) => {
            setExit(await validate(target, Boolean(options.json), io));
        });

    program
        .command("kraftfile")
        .description("Print the normalized Kraftfile of a project (canonical names, fixed key order).")
        .argument("[path]", "a project directory or a Kraftfile", ".")
        .option("--json", "print the parsed application as JSON instead")
        .option("--upgrade", "write the newest spec the file's content needs (v0.6, or v0.7 for long-form rootfs and roms) instead of the one it declares")
        .action(async (target: string, options: { json?: boolean; upgrade?: boolean }) => {
            setExit(await printKraftfile(target, Boolean(options.json), Boolean(options.upgrade), io));
        });
}

async function validate(target: string, json: boolean, io: CliIo): Promise<number> {
    const project = await loadOrReport(target, json, io);
    if (!project) {
        return ExitCode.Failed;
    }
    const valid = project.problems.length === 0;
    const shape = (p: Problem) => ({ path: p.path, message: p.message, ...(p.line ? { line: p.line } : {}) });
    if (json) {
        io.out(`${JSON.stringify({ valid, file: project.file, problems: project.problems.map(shape), warnings: project.warnings.map(shape) })}\n`);
        return valid ? ExitCode.Ok : ExitCode.Failed;
    }
    reportWarnings(project.warnings, project.file, io);
    if (valid) {
        const app = project.application;
        const what = project.kind === "kraftfile" ? `Kraftfile ${project.kraftfile?.spec}` : "ops config";
        const warned = project.warnings.length ? ` (${project.warnings.length} warning${project.warnings.length === 1 ? "" : "s"})` : "";
        io.out(`${project.file}: valid ${what}, application "${app?.name}", targets ${app?.targets.map((t) => `${t.platform}/${t.architecture}`).join(", ") || "none"}${warned}\n`);
    } else {
        reportProblems(project.problems, project.file, io);
    }
    return valid ? ExitCode.Ok : ExitCode.Failed;
}

async function printKraftfile(target: string, json: boolean, upgrade: boolean, io: CliIo): Promise<number> {
    const project = await loadOrReport(target, false, io);
    if (!project) {
        return ExitCode.Failed;
    }
    if (project.kind !== "kraftfile") {
        io.err(`${project.file} is an ops config, not a Kraftfile; \`unikernel kraftfile\` reads Kraftfiles (use \`unikernel validate\` for ops configs)\n`);
        return ExitCode.Failed;
    }
    if (!project.kraftfile) {
        reportProblems(project.problems, project.file, io);
        return ExitCode.Failed;
    }
    reportWarnings(project.warnings, project.file, io);
    io.out(json ? `${JSON.stringify(project.kraftfile, null, 2)}\n` : emitKraftfile(project.kraftfile, { upgrade }));
    return ExitCode.Ok;
}

/** Reads the project, or reports a missing file (as a problem in JSON mode) and returns undefined. */
async function loadOrReport(target: string, json: boolean, io: CliIo) {
    try {
        return await readProjectFile(target);
    } catch (error) {
        if (!(error instanceof ProjectFileNotFound)) {
            throw error;
        }
        if (json) {
            io.out(`${JSON.stringify({ valid: false, problems: [{ path: "", message: error.message }], warnings: [] })}\n`);
        } else {
            io.err(`unikernel: ${error.message}\n`);
        }
        return undefined;
    }
}

/** Warnings on stderr, one per line: `file:line: warning: \`path\`: message`. */
function reportWarnings(warnings: readonly Problem[], file: string, io: CliIo): void {
    for (const warning of warnings) {
        const where = `${warning.file ?? file}${warning.line ? `:${warning.line}` : ""}`;
        io.err(`${printable(`${where}: warning: ${warning.path ? `\`${warning.path}\`: ` : ""}${warning.message}`)}\n`);
    }
}

function reportProblems(problems: readonly { path: string; message: string; file?: string; line?: number }[], file: string, io: CliIo): void {
    for (const problem of problems) {
        io.err(`${formatProblem({ ...problem, file: problem.file ?? file })}\n`);
    }
    io.err(`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
}
