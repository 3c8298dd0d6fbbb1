/**
 * Variable interpolation in Kraftfile strings, as KraftKit's legacy loader does it: compose-go's
 * template syntax (kraftkit:unikraft/app/loader.go parseConfig -> interp.Interpolate, compose-go v1
 * template/template.go) over every string value of the document, keys left alone, before the
 * values are checked.
 *
 * - `$$` is a literal `$`;
 * - `$VAR` and `${VAR}`: the variable's value, or "" (with a warning) when it is not set;
 * - `${VAR:-default}`: the default when unset or empty; `${VAR-default}`: when unset;
 * - `${VAR:?message}` / `${VAR?message}`: an error when unset (or empty, with `:`);
 * - names are `[_a-zA-Z][_a-zA-Z0-9]*`.
 *
 * KraftKit looks variables up in the project's configuration values (what `kraft` is given with
 * `--config`), not in the process environment; with none given every variable is unset, so only
 * defaults and `$$` change a value. The same here: {@link interpolate} takes the values explicitly.
 */
import { Problem } from "./problem";

const NAME = /^[_a-zA-Z][_a-zA-Z0-9]*/;

/** The result of interpolating one string. */
export interface Interpolated {
    value: string;
    /** Variables that were used but not set (and had no default): each became "". */
    unset: string[];
    /** A `${VAR?message}` whose variable is unset, or a malformed `${`: the value is invalid. */
    error?: string;
}

/** Interpolates one string value. */
export function interpolate(text: string, variables: Readonly<Record<string, string>> = {}): Interpolated {
    const unset: string[] = [];
    let out = "";
    let i = 0;
    const lookup = (name: string): string | undefined =>
        Object.prototype.hasOwnProperty.call(variables, name) ? variables[name] : undefined;
    while (i < text.length) {
        const c = text[i];
        if (c !== "$") {
            out += c;
            i++;
            continue;
        }
        const next = text[i + 1];
        if (next === "$") {
            out += "$";
            i += 2;
            continue;
        }
        if (next === "{") {
            const close = text.indexOf("}", i + 2);
            if (close < 0) return { value: text, unset, error: `"${text}" has a "\${" without its "}"` };
            const body = text.slice(i + 2, close);
            const name = NAME.exec(body)?.[0];
            if (!name) return { value: text, unset, error: `"\${${body}}" does not start with a variable name` };
            const rest = body.slice(name.length);
            const value = lookup(name);
            const empty = value === undefined || value === "";
            if (rest === "") {
                if (value === undefined) unset.push(name);
                out += value ?? "";
            } else if (rest.startsWith(":-") || rest.startsWith("-")) {
                const fallback = rest.slice(rest.startsWith(":-") ? 2 : 1);
                out += (rest.startsWith(":-") ? empty : value === undefined) ? fallback : value!;
            } else if (rest.startsWith(":?") || rest.startsWith("?")) {
                const failing = rest.startsWith(":?") ? empty : value === undefined;
                if (failing)
                    return {
                        value: text,
                        unset,
                        error: `required variable ${name} is not set: ${rest.slice(rest.startsWith(":?") ? 2 : 1) || "(no message)"}`,
                    };
                out += value!;
            } else {
                return { value: text, unset, error: `"\${${body}}" is not a variable substitution kraft understands` };
            }
            i = close + 1;
            continue;
        }
        const name = NAME.exec(text.slice(i + 1))?.[0];
        if (!name) {
            out += "$"; // a lone "$" stays (compose-go keeps an unmatched "$")
            i++;
            continue;
        }
        const value = lookup(name);
        if (value === undefined) unset.push(name);
        out += value ?? "";
        i += 1 + name.length;
    }
    return { value: out, unset };
}

/**
 * Interpolates every string value of a parsed document in place of a copy; returns the new
 * document, warnings for unset variables, and problems for failed ones. `skip(path)` leaves a
 * value alone (numbers kept as their source text have no `$` anyway).
 */
export function interpolateDocument(
    doc: unknown,
    variables: Readonly<Record<string, string>> = {},
): { value: unknown; warnings: Problem[]; problems: Problem[] } {
    const warnings: Problem[] = [];
    const problems: Problem[] = [];
    const walk = (value: unknown, path: string): unknown => {
        if (typeof value === "string") {
            if (!value.includes("$")) return value;
            const result = interpolate(value, variables);
            if (result.error) problems.push({ path, message: result.error });
            for (const name of result.unset) {
                warnings.push({
                    path,
                    message: `the variable ${name} is not set, so kraft reads it as "" here (write $$ for a literal $, or \${${name}:-default})`,
                });
            }
            return result.value;
        }
        if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
        if (value && typeof value === "object") {
            const out: Record<string, unknown> = {};
            for (const [key, v] of Object.entries(value)) {
                const at = path
                    ? /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
                        ? `${path}.${key}`
                        : `${path}[${JSON.stringify(key)}]`
                    : key;
                Object.defineProperty(out, key, {
                    value: walk(v, at),
                    enumerable: true,
                    writable: true,
                    configurable: true,
                });
            }
            return out;
        }
        return value;
    };
    return { value: walk(doc, ""), warnings, problems };
}
