/** Unikraft Kconfig option maps (`kconfig:` on the application, a library or a target). */
import { Parsed, Problem } from "./problem";
import { parseListOrDict } from "./listOrDict";

/** Kconfig options by name, e.g. `{ CONFIG_LIBPOSIX_ENVIRON: "y" }`. Values are Kconfig text. */
export type KConfig = Record<string, string>;

/**
 * Reads a kconfig map or `KEY=VALUE` list. Keys must be `CONFIG_` symbols: every Unikraft option
 * is, and a missing prefix is the common typo that kraft would otherwise pass on silently.
 * YAML booleans become `y`/`n`, which is what a Kconfig bool means (kraftkit would write "true").
 */
export function parseKConfig(value: unknown, path: string, warnings?: Problem[]): Parsed<KConfig> {
    return parseListOrDict(
        value,
        path,
        {
            requireValue: true,
            keyPattern: /^CONFIG_[A-Za-z0-9_]+$/,
            keyHint: "a Kconfig symbol such as CONFIG_LIBPOSIX_ENVIRON",
            valueText: (v) => (v === true ? "y" : v === false ? "n" : v === null ? "" : String(v)),
            // A line break in a value would add lines of its own to the .config kraft writes.
            destination: "a Kconfig file",
        },
        warnings,
    );
}

/** True when a kconfig map has no entries (it is then left out of models and Kraftfiles). */
export function isEmptyKConfig(kconfig: KConfig | undefined): boolean {
    return !kconfig || Object.keys(kconfig).length === 0;
}
