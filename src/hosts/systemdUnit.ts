/**
 * systemd unit files written from values, quoted the way systemd reads them back
 * (systemd.syntax(7) "Quoting" and systemd.service(5) "Command lines"):
 *
 * - every command-line word is double-quoted, with `\` and `"` escaped by a backslash;
 * - `%` starts a specifier in ExecStart= and Description= (`%n`, `%h`...): written as `%%`;
 * - `$` starts an environment-variable substitution in ExecStart=: written as `$$`;
 * - a line break ends the setting (and a trailing backslash continues it), so no value may hold one:
 *   such values are refused before a unit is ever written (see src/model/safeText.ts).
 */
import { findUnsafeCharacter } from "../model";

/** One word of an ExecStart= command line, quoted so systemd reads back exactly `word`. */
export function systemdWord(word: string): string {
    refuseUnsafe(word);
    return `"${word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%").replace(/\$/g, "$$$$")}"`;
}

/** An ExecStart= value: the command and its arguments, each quoted. */
export function systemdCommandLine(argv: readonly string[]): string {
    return argv.map(systemdWord).join(" ");
}

/**
 * Free text for settings such as Description=: no quoting there, but specifiers still expand, and
 * a trailing backslash would continue the setting on the next line (so it is dropped).
 */
export function systemdText(text: string): string {
    refuseUnsafe(text);
    return text.replace(/%/g, "%%").replace(/\\+$/, "");
}

/** Unit names: what systemd accepts (systemd.unit(5)), checked rather than escaped, so `systemctl` commands stay plain. */
export const UNIT_NAME = /^[A-Za-z0-9:_.\\-]{1,200}$/;

/** A unit file from sections of `[key, value]` settings, values already quoted for their setting. */
export function unitFile(sections: Readonly<Record<string, readonly [string, string][]>>): string {
    return (
        Object.entries(sections)
            .map(([section, settings]) =>
                [`[${section}]`, ...settings.map(([key, value]) => `${key}=${value}`)].join("\n"),
            )
            .join("\n") + "\n"
    );
}

function refuseUnsafe(text: string): void {
    const unsafe = findUnsafeCharacter(text);
    if (unsafe) {
        // Input validation refuses these first; reaching here is a bug, never a unit with an extra line.
        throw new Error(`cannot write ${JSON.stringify(text)} into a systemd unit: it holds ${unsafe.description}`);
    }
}
