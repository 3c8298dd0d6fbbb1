/**
 * The Kraftfile `list_or_dict` shape, shared by `kconfig` and `env`: either a map, or a list of
 * `KEY=VALUE` strings (kraftkit schema v0.6, definitions.list_or_dict; transformMappingOrList in
 * kraftkit:unikraft/app/transform.go).
 */
import { Parsed, Problem, describeValue, fail, joinPath, ok } from "./problem";
import { checkSafeText } from "./safeText";
import { isMap } from "./scalars";

/** How one `list_or_dict` field names and reads its entries. */
export interface ListOrDictRules {
    /** Keys must match this. */
    keyPattern: RegExp;
    /** What a key looks like, for messages: `a name like CONFIG_LIBPOSIX_ENVIRON`. */
    keyHint: string;
    /** How a scalar value becomes text (kconfig writes booleans as y/n). */
    valueText(value: string | number | boolean | null): string;
    /** Where the values end up, for the message refusing a line break or control character in one. */
    destination: string;
    /**
     * Whether a key may have no value: `KEY:` (null) in the map form or `KEY=` in the list form.
     * KraftKit refuses both for kconfig ("kconfig option must have a value", "must be a key-value
     * pair") and reads them as "" for env. Default: allowed.
     */
    requireValue?: boolean;
}

/**
 * Reads a map or a `KEY=VALUE` list into a string map, reporting every bad entry. A key given twice
 * in the list form keeps its last value, as KraftKit does (kconfig NewKeyValueMapFromSlice, env
 * transformMappingOrList): with `warnings`, each repeat is reported there; without (program input,
 * which has no reason to repeat), it is a problem.
 */
export function parseListOrDict(
    value: unknown,
    path: string,
    rules: ListOrDictRules,
    warnings?: Problem[],
): Parsed<Record<string, string>> {
    const out: Record<string, string> = {};
    const problems: Problem[] = [];
    const firstAt = new Map<string, string>();
    const put = (key: string, text: string, at: string) => {
        const unsafe = checkSafeText(text, at, rules.destination);
        if (!rules.keyPattern.test(key)) {
            problems.push({ path: at, message: `key ${JSON.stringify(key)} is not valid; expected ${rules.keyHint}` });
        } else if (unsafe) {
            problems.push(unsafe);
        } else if (Object.prototype.hasOwnProperty.call(out, key)) {
            if (warnings) {
                warnings.push({
                    path: at,
                    message: `key "${key}" is set again (first at \`${firstAt.get(key)}\`); kraft keeps this last value, "${text}"`,
                });
                out[key] = text;
            } else {
                problems.push({ path: at, message: `key "${key}" is set twice; keep one entry` });
            }
        } else {
            out[key] = text;
            firstAt.set(key, at);
        }
    };
    if (Array.isArray(value)) {
        value.forEach((entry, i) => {
            const at = `${path}[${i}]`;
            const eq = typeof entry === "string" ? entry.indexOf("=") : -1;
            if (typeof entry !== "string" || eq <= 0 || (rules.requireValue && eq === entry.length - 1)) {
                problems.push({
                    path: at,
                    message: `got ${describeValue(entry)}; expected "KEY=VALUE" with ${rules.keyHint}${rules.requireValue ? " and a value" : ""}`,
                });
                return;
            }
            put(entry.slice(0, eq), entry.slice(eq + 1), at);
        });
    } else if (isMap(value)) {
        for (const [key, raw] of Object.entries(value)) {
            const at = joinPath(path, key);
            if (raw === null && rules.requireValue) {
                problems.push({
                    path: at,
                    message: `has no value; kraft requires one ("kconfig option must have a value"): write ${key}: y, n or a number`,
                });
                continue;
            }
            if (raw !== null && !["string", "number", "boolean"].includes(typeof raw)) {
                problems.push({ path: at, message: `got ${describeValue(raw)}; expected a string, number or boolean` });
                continue;
            }
            put(key, rules.valueText(raw as string | number | boolean | null), at);
        }
    } else {
        problems.push({
            path,
            message: `got ${describeValue(value)}; expected a map, or a list of "KEY=VALUE" strings`,
        });
    }
    return problems.length ? fail(...problems) : ok(out);
}
