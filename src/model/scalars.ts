/**
 * How untyped input (parsed YAML/JSON, or Pulumi inputs) is read as scalars and maps.
 *
 * Kraftfile fields are strings in kraftkit (it `fmt.Sprint`s numbers), so a number where a string
 * is expected is accepted and written as its decimal text. The Kraftfile reader hands numbers over
 * as their source text already, so `version: 0.10` stays "0.10" rather than 0.1.
 */
import { Parsed, describeValue, fail, ok } from "./problem";

/** A plain map of untyped values (not a list, not null). */
export type UntypedMap = { [key: string]: unknown };

/** True for a plain map: an object that is not a list and not null. */
export function isMap(value: unknown): value is UntypedMap {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads a string, accepting a finite number as its text. Empty strings are rejected. */
export function parseText(value: unknown, path: string, what = "a non-empty string"): Parsed<string> {
    if (typeof value === "string" && value.length > 0) {
        return ok(value);
    }
    if (typeof value === "number" && Number.isFinite(value)) {
        return ok(String(value));
    }
    return fail({ path, message: `got ${describeValue(value)}; expected ${what}` });
}

/** Reads a list of non-empty strings, reporting each bad element under its index. */
export function parseTextList(value: unknown, path: string, what = "a list of strings"): Parsed<string[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected ${what}` });
    }
    const out: string[] = [];
    const problems = value.flatMap((item, i) => {
        const parsed = parseText(item, `${path}[${i}]`);
        if (parsed.value !== undefined) {
            out.push(parsed.value);
        }
        return parsed.problems;
    });
    return problems.length ? fail(...problems) : ok(out);
}

/** Keys of `map` that are not in `known`, each as a problem naming the known keys. */
export function unknownKeys(
    map: UntypedMap,
    known: readonly string[],
    path: string,
    hint = "",
): Parsed<never>["problems"] {
    return Object.keys(map)
        .filter((key) => !known.includes(key))
        .map((key) => ({
            path: path ? `${path}.${key}` : key,
            message: `unknown key "${key}"; expected one of ${known.join(", ")}${hint}`,
        }));
}
