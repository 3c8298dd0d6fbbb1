/** How every verb prints: results on stdout (text or one JSON object), progress and errors on stderr. */
import { BenchError } from "../bench/bench";
import { ValidationError, formatProblem } from "../model";
import { BuildInputError } from "../engines/engine";
import { DiskInputError } from "../disk/diskInputError";
import { KernelImageError } from "../disk/kernelImage";
import { ToolFailure } from "../internal/exec";
import { ToolCheckError } from "../internal/toolCheck";

/** Exit codes of every verb: a contract scripts depend on. */
export const enum ExitCode {
    Ok = 0,
    Failed = 1,
    Usage = 2,
}

/** Where a run writes; the real process streams by default, buffers in tests. */
export interface CliIo {
    out(text: string): void;
    err(text: string): void;
}

/** Errors that mean "bad input or a failed step" (exit 1), as opposed to bugs. */
export function isExpectedFailure(error: unknown): error is Error {
    const fromService = error instanceof Error && typeof (error as { $metadata?: unknown }).$metadata === "object";
    return fromService || error instanceof ValidationError || error instanceof BuildInputError || error instanceof DiskInputError ||
        error instanceof KernelImageError || error instanceof ToolFailure || error instanceof ToolCheckError || error instanceof BenchError;
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
        const message = error instanceof ValidationError ? error.problems.map(formatProblem).join("\n") : error.message;
        io.err(`unikernel: ${message}\n`);
        if (json) {
            io.out(`${JSON.stringify({ error: message, ...(error instanceof ValidationError ? { problems: error.problems } : {}) })}\n`);
        }
        return ExitCode.Failed;
    }
}

/** Prints a result: JSON on stdout, or `text` lines. */
export function printResult(io: CliIo, json: boolean, result: object, text: string): void {
    io.out(json ? `${JSON.stringify(result)}\n` : `${text}\n`);
}
