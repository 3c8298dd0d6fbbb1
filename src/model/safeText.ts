/**
 * Text that is passed on to another language: a shell script on a private host, a systemd unit, a
 * QEMU option, a kernel command line, a make argument, a GRUB script. Every one of those has its
 * own quoting (see src/internal/shellQuote.ts, src/hosts/systemdUnit.ts, src/hosts/qemu.ts), but
 * none can carry a line break or another control character safely: a newline ends a heredoc or a
 * unit-file line, splits a kernel command line, or starts a second grep pattern. Such values are
 * refused at input, with their property path, before anything is created.
 */
import { Problem, describeValue } from "./problem";

/**
 * C0 controls (tab and newline included), DEL, C1 controls (U+0085 is a line break to YAML 1.1),
 * and the Unicode line and paragraph separators.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const NAMES: Readonly<Record<number, string>> = {
    0x00: "a NUL byte",
    0x09: "a tab",
    0x0a: "a line feed",
    0x0d: "a carriage return",
    0x1b: "an escape character",
    0x7f: "a DEL character",
    0x85: "a next-line character",
    0x2028: "a line separator",
    0x2029: "a paragraph separator",
};

/** The first character of `value` that cannot cross into another language safely, if any. */
export function findUnsafeCharacter(value: string): { index: number; description: string } | undefined {
    const match = UNSAFE.exec(value);
    if (!match) return undefined;
    const code = match[0].charCodeAt(0);
    const hex = code.toString(16).toUpperCase().padStart(4, "0");
    return { index: match.index, description: `${NAMES[code] ?? "a control character"} (U+${hex})` };
}

/**
 * Checks a value that will be written into scripts, unit files, command lines or options: returns a
 * problem naming the character and its position, or nothing. `where` says what it would break.
 */
export function checkSafeText(value: string, path: string, where: string): Problem | undefined {
    const unsafe = findUnsafeCharacter(value);
    if (!unsafe) return undefined;
    return {
        path,
        message:
            `got ${describeValue(value)}, which holds ${unsafe.description} at position ${unsafe.index + 1}; ` +
            `it cannot be passed safely into ${where}: remove control characters and line breaks`,
    };
}

/** Checks every string of a list or map; pushes one problem per bad entry. */
export function checkSafeTexts(
    values: Readonly<Record<string, string>> | readonly string[],
    path: string,
    where: string,
    problems: Problem[],
): void {
    const entries: [string | number, string][] = Array.isArray(values)
        ? values.map((v, i) => [i, v])
        : Object.entries(values);
    for (const [key, value] of entries) {
        const at =
            typeof key === "number"
                ? `${path}[${key}]`
                : /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
                  ? `${path}.${key}`
                  : `${path}[${JSON.stringify(key)}]`;
        const keyProblem = typeof key === "string" ? checkSafeText(key, at, where) : undefined;
        const problem = keyProblem ?? checkSafeText(value, at, where);
        if (problem) problems.push(problem);
    }
}
