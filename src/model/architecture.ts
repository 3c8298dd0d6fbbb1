/** Unikraft architectures and their aliases, resolved once here. */
import { Parsed, describeValue, fail, ok, oneOf } from "./problem";

/** A Unikraft architecture (the `arch` half of a target). Canonical names only. */
export type Architecture = "x86_64" | "arm64" | "arm";

/** Every canonical architecture, in the order messages list them. */
export const ARCHITECTURES: readonly Architecture[] = ["x86_64", "arm64", "arm"];

/**
 * Accepted spellings. `amd64` and `aarch64` are what Debian/Go and `uname -m` print; accepting them
 * saves a round trip, and the canonical Unikraft name is what gets written back.
 */
const ARCHITECTURE_ALIASES: ReadonlyMap<string, Architecture> = new Map<string, Architecture>([
    ["x86_64", "x86_64"],
    ["amd64", "x86_64"],
    ["arm64", "arm64"],
    ["aarch64", "arm64"],
    ["arm", "arm"],
]);

/** Parses an architecture name or alias into its canonical name. */
export function parseArchitecture(value: unknown, path: string): Parsed<Architecture> {
    const canonical = typeof value === "string" ? ARCHITECTURE_ALIASES.get(value) : undefined;
    if (canonical) {
        return ok(canonical);
    }
    return fail({
        path,
        message: `got ${describeValue(value)}; expected ${oneOf(ARCHITECTURES)} (aliases: amd64, aarch64)`,
    });
}
