/** How `validate` and `kraftfile` load a project file and report its problems and warnings. */
import { Problem, formatProblem, printable } from "../model";
import { ProjectFile, ProjectFileNotFound, readProjectFile } from "../internal/projectFiles";
import { CliIo } from "./output";

/** Reads the project, or reports a missing file (as a problem in JSON mode) and returns undefined. */
export async function loadOrReport(target: string, json: boolean, io: CliIo): Promise<ProjectFile | undefined> {
    try {
        return await readProjectFile(target);
    } catch (error) {
        if (!(error instanceof ProjectFileNotFound)) {
            throw error;
        }
        if (json) {
            io.out(
                `${JSON.stringify({ valid: false, problems: [{ path: "", message: error.message }], warnings: [] })}\n`,
            );
        } else {
            io.err(`unikernel: ${error.message}\n`);
        }
        return undefined;
    }
}

/**
 * Where findings go: `validate` is a linter, so its findings are its output (stdout); `kraftfile`
 * writes the file on stdout, so its findings go to stderr.
 */
export type FindingsStream = "out" | "err";

/** Warnings, one per line: `file:line: warning: \`path\`: message`. */
export function reportWarnings(warnings: readonly Problem[], file: string, io: CliIo, stream: FindingsStream): void {
    for (const warning of warnings) {
        const where = `${warning.file ?? file}${warning.line ? `:${warning.line}` : ""}`;
        io[stream](
            `${printable(`${where}: warning: ${warning.path ? `\`${warning.path}\`: ` : ""}${warning.message}`)}\n`,
        );
    }
}

/** Problems, one per line, then their count. */
export function reportProblems(problems: readonly Problem[], file: string, io: CliIo, stream: FindingsStream): void {
    for (const problem of problems) {
        io[stream](`${formatProblem({ ...problem, file: problem.file ?? file })}\n`);
    }
    io[stream](`${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n`);
}
