/** How every verb prints: results on stdout (text or one JSON object), progress and errors on stderr. */
import { Command } from "commander";
import { UnikernelError, UsageError, ValidationError, formatProblem, printable } from "../model";

/** Exit codes of every verb: a contract scripts depend on. */
export const enum ExitCode {
    Ok = 0,
    Failed = 1,
    Usage = 2,
}

/** Adds one command to the program; its action reports its exit code through `setExit`. */
export type CommandRegistration = (program: Command, io: CliIo, setExit: (code: number) => void) => void;

/** Where a run writes; the real process streams by default, buffers in tests. */
export interface CliIo {
    out: (text: string) => void;
    err: (text: string) => void;
}

/**
 * File-system errors that come from the user's paths and the machine's state (a missing file, an
 * output path that is a directory, a full disk), not from a bug: one line, exit 1.
 */
const FILE_SYSTEM_CODES = new Set([
    "ENOENT",
    "ENOTDIR",
    "EISDIR",
    "EACCES",
    "EPERM",
    "ELOOP",
    "ENOSPC",
    "EEXIST",
    "EROFS",
    "ENAMETOOLONG",
    "EMFILE",
    "ENFILE",
    "EXDEV",
    "EBUSY",
    "ETXTBSY",
    "EFBIG",
    "EDQUOT",
]);

/** Errors that mean "bad input or a failed step" (exit 1), as opposed to bugs. */
export function isExpectedFailure(error: unknown): error is Error {
    if (!(error instanceof Error)) return false;
    const fromService = typeof (error as { $metadata?: unknown }).$metadata === "object";
    // The AWS SDK's "no credentials found" and the like: the machine's set-up, not a bug.
    const fromCredentials = error.name === "CredentialsProviderError" || error.name === "TokenProviderError";
    const system = error as NodeJS.ErrnoException;
    const fromFileSystem = typeof system.syscall === "string" && FILE_SYSTEM_CODES.has(system.code ?? "");
    return error instanceof UnikernelError || fromService || fromCredentials || fromFileSystem;
}

/**
 * Runs a verb body and turns expected failures into exit code 1: the message on stderr, and with
 * --json an `{"error": ...}` object on stdout so a pipeline never parses an empty line.
 */
export async function runVerb(io: CliIo, json: boolean, body: () => Promise<number>): Promise<number> {
    try {
        return await body();
    } catch (error) {
        if (!isExpectedFailure(error)) {
            throw error;
        }
        if (error instanceof UsageError) {
            // A usage error, as commander reports its own: stderr only, exit 2, nothing on stdout.
            io.err(`unikernel: ${printable(error.message, true)}\n(run \`unikernel --help\` for usage)\n`);
            return ExitCode.Usage;
        }
        // Messages quote file names, file contents and tools' output: printed without control codes.
        const message =
            error instanceof ValidationError
                ? error.problems.map(formatProblem).join("\n")
                : printable(error.message, true);
        io.err(`unikernel: ${message}\n`);
        if (json) {
            io.out(
                `${JSON.stringify({ error: message, ...(error instanceof ValidationError ? { problems: error.problems } : {}) })}\n`,
            );
        }
        return ExitCode.Failed;
    }
}

/** Prints a result: JSON on stdout, or `text` lines. */
export function printResult(io: CliIo, json: boolean, result: object, text: string): void {
    io.out(json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}
