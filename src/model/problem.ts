/**
 * Validation problems: the one shape every validator in the model returns.
 *
 * Validators never throw on bad input. They return every problem they find, so a user fixes a
 * Kraftfile or a program in one pass instead of one error per run (the `validate()` pattern of
 * aws/constructs). The component layer turns the list into one `pulumi.InputPropertiesError`;
 * the CLI prints it; {@link ValidationError} carries it through plain TypeScript callers.
 */

import { UnikernelError } from "./errors";
import { printable } from "./printable";

/** One thing wrong with an input, located by its property path (and file and line when known). */
export interface Problem {
    /** Property path in the input, e.g. `targets[1].platform`. Empty for the document itself. */
    path: string;
    /** What was received, what is allowed and how to fix it. Never repeats the path. */
    message: string;
    /** File the value came from, when it came from a file. */
    file?: string;
    /** 1-based line of the value in `file`, when known. */
    line?: number;
}

/** Thrown by the `read*`/`require*` entry points when validation found problems. */
export class ValidationError extends UnikernelError {
    /** Every problem found, in document order. */
    public readonly problems: readonly Problem[];

    constructor(problems: readonly Problem[], subject = "input") {
        super(
            `${subject} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
                problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
        );
        this.problems = problems;
    }
}

/** Formats a problem as ``file:line: `path`: message``, leaving out the parts it does not have. */
export function formatProblem(problem: Problem): string {
    const where = problem.file ? `${problem.file}${problem.line ? `:${problem.line}` : ""}: ` : "";
    const path = problem.path ? `\`${problem.path}\`: ` : "";
    // Paths and messages quote what files say: nothing in them may reach a terminal as a control code.
    return printable(`${where}${path}${problem.message}`);
}

/**
 * Appends a key or an index to a property path, the way a reader would write it:
 * `libraries.musl`, `targets[0]`, `env["MY-VAR"]`.
 */
export function joinPath(base: string, key: string | number): string {
    if (typeof key === "number") {
        return `${base}[${key}]`;
    }
    if (!base) {
        return key;
    }
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
        return `${base}.${key}`;
    }
    return `${base}[${JSON.stringify(key)}]`;
}

/** Renders a received value for a message: strings quoted, objects as `a map`, and so on. */
export function describeValue(value: unknown): string {
    if (value === null || value === undefined) {
        return "nothing";
    }
    if (typeof value === "string") {
        return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
    }
    if (Array.isArray(value)) {
        return "a list";
    }
    if (typeof value === "object") {
        return "a map";
    }
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
        return `${typeof value} ${String(value)}`;
    }
    return `a ${typeof value}`;
}

/** Formats a closed set for a message: `one of qemu, fc, xen`. */
export function oneOf(values: readonly string[]): string {
    return `one of ${values.join(", ")}`;
}

/**
 * The result of parsing one value: the typed value when it is valid, and the problems found.
 * A value is present exactly when `problems` is empty.
 */
export type Parsed<T> = { value: T; problems: [] } | { value: undefined; problems: Problem[] };

/** Builds a successful {@link Parsed}. */
export function ok<T>(value: T): Parsed<T> {
    return { value, problems: [] };
}

/** Builds a failed {@link Parsed} from one or more problems. */
export function fail<T>(...problems: Problem[]): Parsed<T> {
    return { value: undefined, problems };
}
