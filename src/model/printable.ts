/** Printing text that came from files and tools. No imports: the model's problems use it. */
/**
 * Text that came from a file or a tool, made safe to print on a terminal: control characters
 * (escape sequences that move the cursor or retitle the window, a carriage return that overwrites
 * a line) are shown as `\u001b`-style escapes, so no input can forge output. Line feeds (and tabs)
 * stay when `keepLines`, for multi-line messages such as a tool's last lines.
 */
export function printable(text: string, keepLines = false): string {
    return text.replace(
        keepLines
            ? /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g
            : /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
}
