/**
 * The `unikernel` command line as the components run it: each step is a `local.Command` whose
 * `create` is `unikernel <verb> ... --json`, and whose stdout is one JSON object. This folder is
 * that seam, typed once: per verb an options type, the argv builder, the result type and its
 * parser (src/contract/<verb>.ts). The CLI prints those result types, the components build and
 * parse with them, and the test mocks answer with them.
 */
import * as path from "path";
import { StepFailure } from "../model";
import { shellCommand } from "../internal/shellQuote";

/**
 * The CLI entry point: dist/cli/main.js beside this package. Resolved from this file so it works
 * from dist/contract and (under ts-node in tests) from src/contract.
 */
export function cliPath(): string {
    return path.resolve(__dirname, "..", "..", "dist", "cli", "main.js");
}

/** A shell command running `unikernel <argv>` with this Node.js. */
export function unikernelCommand(argv: readonly string[]): string {
    return shellCommand([process.execPath, cliPath(), ...argv]);
}

/**
 * The argv a {@link unikernelCommand} command line runs (without Node.js and the CLI path): the
 * inverse of its quoting, for the mocks and tests that read what a component runs.
 */
export function argvOfCommand(command: string): string[] {
    const words: string[] = [];
    let word: string | undefined;
    for (let k = 0; k < command.length; k++) {
        const c = command[k];
        if (c === " ") {
            if (word !== undefined) words.push(word);
            word = undefined;
        } else if (c === "'") {
            const end = command.indexOf("'", k + 1);
            if (end < 0) throw new Error(`unbalanced quote in ${JSON.stringify(command)}`);
            word = (word ?? "") + command.slice(k + 1, end);
            k = end;
        } else if (c === "\\") {
            word = (word ?? "") + command[++k];
        } else {
            word = (word ?? "") + c;
        }
    }
    if (word !== undefined) words.push(word);
    return words.slice(2);
}

/** The type of each field a result must have (`?` for optional). */
export type FieldTypes<T> = {
    [K in keyof T]-?: "string" | "number" | "boolean" | "object" | "string?" | "number?" | "boolean?" | "object?";
};

/**
 * Parses a verb's JSON stdout and checks the fields a component reads: a step that printed
 * something else (a damaged state, a different CLI version) fails with what was missing, instead of
 * flowing on as `undefined`.
 */
export function parseResult<T>(verb: string, stdout: string, fields: FieldTypes<T>): T {
    let value: unknown;
    try {
        // Progress goes to stderr; the last line of stdout is the result.
        value = JSON.parse(stdout.trim().split("\n").pop() ?? "");
    } catch {
        throw new StepFailure(`\`unikernel ${verb}\` printed no JSON result: ${JSON.stringify(stdout.slice(0, 200))}`);
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) {
        throw new StepFailure(
            `\`unikernel ${verb}\` printed ${JSON.stringify(stdout.slice(0, 200))}, not a JSON object`,
        );
    }
    const record = value as Record<string, unknown>;
    const wrong = Object.entries(fields as Record<string, string>).filter(([key, type]) => {
        const optional = type.endsWith("?");
        const actual = record[key];
        return optional
            ? actual !== undefined && actual !== null && typeof actual !== type.slice(0, -1)
            : typeof actual !== type;
    });
    if (wrong.length) {
        throw new StepFailure(
            `\`unikernel ${verb}\` printed a result without ${wrong.map(([key, type]) => `${key} (${type.replace("?", "")})`).join(", ")}: ${JSON.stringify(stdout.slice(0, 200))}`,
        );
    }
    return record as T;
}
