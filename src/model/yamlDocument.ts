/**
 * YAML read the way KraftKit reads a Kraftfile (gopkg.in/yaml.v2, non-strict): YAML 1.1 scalars
 * (`yes`/`no`/`on`/`off`/`y`/`n` are booleans), merge keys (`<<`), a repeated key taken at its last
 * value, and a key that is not a string (`on:`, `8080:`) refused, as KraftKit's
 * convertToStringKeysRecursive refuses it. Into plain values that remember their lines, with two
 * differences on purpose: numbers keep their source text (`version: 0.10` must not become 0.1,
 * and KraftKit fmt.Sprints them anyway), and alias expansion is capped (a few hundred bytes of
 * nested aliases could stand for billions of values).
 */
import { LineCounter, Node, isAlias, isMap as isYamlMap, isScalar, isSeq, parseDocument } from "yaml";
import { Problem, joinPath } from "./problem";
import { UntypedMap } from "./scalars";

/** A YAML document as plain values, the line of every property path, and what a value was written as. */
export interface LocatedYaml {
    value: unknown;
    problems: Problem[];
    /** Repeated keys (the last value is kept, as yaml.v2 does): path of the repeat and its line. */
    duplicates: { path: string; line?: number }[];
    lineOf(path: string): number | undefined;
    /** True when the value at `path` was an unquoted number in the YAML (`spec: 0.6`, `name: 123`). */
    isNumber(path: string): boolean;
}

/** The largest document read (project files are also capped at 1 MiB on disk). */
export const MAX_YAML_CHARACTERS = 1024 * 1024;
/** Values a document may expand to, aliases included: real Kraftfiles have a few hundred. */
export const MAX_YAML_NODES = 10_000;
/** Alias uses in one document (the yaml library's own default for toJS is 100). */
export const MAX_YAML_ALIASES = 100;

/** Parses YAML text into plain values, with every problem found. */
export function readYaml(text: string, what = "the document"): LocatedYaml {
    const none = { duplicates: [], lineOf: () => undefined, isNumber: () => false };
    if (text.length > MAX_YAML_CHARACTERS) {
        return {
            value: undefined,
            problems: [
                {
                    path: "",
                    message: `${what} is ${text.length} characters; more than ${MAX_YAML_CHARACTERS} is not a Kraftfile`,
                },
            ],
            ...none,
        };
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, {
        lineCounter,
        prettyErrors: false,
        uniqueKeys: false,
        strict: true,
        version: "1.1",
        merge: true,
        // yaml.v2 leaves a date-like scalar a string when the target is interface{}.
        customTags: (tags) =>
            tags.filter((tag) => typeof tag === "string" || tag.tag !== "tag:yaml.org,2002:timestamp"),
    });
    const lines = new Map<string, number>();
    const numbers = new Set<string>();
    const duplicates: { path: string; line?: number }[] = [];
    const lineAt = (offset: number | undefined) =>
        offset === undefined ? undefined : lineCounter.linePos(offset).line;
    const problems: Problem[] = [...doc.errors, ...doc.warnings].map((e) => ({
        path: "",
        message: `YAML syntax error: ${e.message.split("\n")[0]}`,
        line: lineAt(e.pos[0]),
    }));
    const seen = new Set<Node>();
    let nodes = 0;
    let aliases = 0;
    let capped = false;
    const toPlain = (node: unknown, path: string): unknown => {
        if (++nodes > MAX_YAML_NODES || (isAlias(node) && ++aliases > MAX_YAML_ALIASES)) {
            if (!capped) {
                problems.push({
                    path,
                    message: `${what} expands to more than ${MAX_YAML_NODES} values or uses more than ${MAX_YAML_ALIASES} aliases; a Kraftfile is far smaller, write the values out`,
                    line: lineAt((node as Node | null)?.range?.[0]),
                });
            }
            capped = true;
            return undefined;
        }
        if (isAlias(node)) {
            const target = node.resolve(doc);
            if (!target || seen.has(target)) {
                problems.push({
                    path,
                    message: `alias "*${node.source}" cannot be resolved here; write the value out`,
                    line: lineAt(node.range?.[0]),
                });
                return undefined;
            }
            seen.add(target);
            const value = toPlain(target, path);
            seen.delete(target);
            return value;
        }
        if (isYamlMap(node)) {
            const out: UntypedMap = {};
            for (const pair of node.items) {
                const keyNode = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
                // A merge key: the library gives it a symbol value (`Symbol(<<)`) when merging is on.
                if (
                    isScalar(keyNode) &&
                    (typeof keyNode.value === "symbol" || (keyNode.value === "<<" && !isQuoted(keyNode)))
                ) {
                    mergeInto(out, pair.value, path);
                    continue;
                }
                const key = keyOf(keyNode, path, lineAt((keyNode as Node | null)?.range?.[0]));
                if (key === undefined) continue;
                const at = joinPath(path, key);
                const line = lineAt((keyNode as Node | null)?.range?.[0]);
                if (Object.prototype.hasOwnProperty.call(out, key)) duplicates.push({ path: at, line });
                if (line !== undefined) lines.set(at, line);
                // Own property even for "__proto__": a Kraftfile key never reaches the prototype.
                Object.defineProperty(out, key, {
                    value: toPlain(pair.value, at),
                    enumerable: true,
                    writable: true,
                    configurable: true,
                });
            }
            return out;
        }
        if (isSeq(node)) {
            return node.items.map((item, i) => {
                const at = `${path}[${i}]`;
                const line = lineAt((item as Node | null)?.range?.[0]);
                if (line !== undefined) lines.set(at, line);
                return toPlain(item, at);
            });
        }
        if (isScalar(node)) {
            if (typeof node.value === "number" || typeof node.value === "bigint") {
                numbers.add(path);
                return node.source ?? String(node.value);
            }
            return node.value;
        }
        return node ?? null;
    };
    /** `<<: *base` (or a list of them): the merged maps' keys, where the map does not set them itself. */
    const mergeInto = (out: UntypedMap, value: unknown, path: string) => {
        const sources = isSeq(value) ? value.items : [value];
        for (const source of sources) {
            const merged = toPlain(source, path);
            if (merged && typeof merged === "object" && !Array.isArray(merged)) {
                for (const [key, v] of Object.entries(merged)) {
                    if (!Object.prototype.hasOwnProperty.call(out, key)) {
                        Object.defineProperty(out, key, {
                            value: v,
                            enumerable: true,
                            writable: true,
                            configurable: true,
                        });
                    }
                }
            }
        }
    };
    /** Keys must be strings (yaml.v2 then KraftKit's convertToStringKeysRecursive: "Non-string key"). */
    const keyOf = (keyNode: unknown, path: string, line: number | undefined): string | undefined => {
        if (isScalar(keyNode) && typeof keyNode.value === "string") {
            return keyNode.value;
        }
        const shown = isScalar(keyNode)
            ? `${keyNode.source ?? String(keyNode.value)} (${keyNode.value === null ? "null" : typeof keyNode.value})`
            : "a map or list";
        problems.push({
            path: path || "",
            message: `key ${shown} is not a string; kraft refuses non-string keys (YAML 1.1 reads yes/no/on/off/y/n as booleans): quote it`,
            line,
        });
        return undefined;
    };
    const plain = problems.length ? undefined : toPlain(doc.contents, "");
    const value = capped ? undefined : plain;
    return {
        value,
        problems,
        duplicates,
        lineOf(path: string) {
            // The line of the path, or of its nearest parent that has one (a missing key points at
            // the map it is missing from).
            for (let p = path; p; p = parentPath(p)) {
                const line = lines.get(p);
                if (line !== undefined) return line;
            }
            return undefined;
        },
        isNumber: (path: string) => numbers.has(path),
    };
}

function isQuoted(node: { type?: string }): boolean {
    return node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
}

/** `targets[1].platform` -> `targets[1]` -> `targets` -> "". */
export function parentPath(path: string): string {
    const m = /^(.*?)(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])$/.exec(path);
    return m ? m[1] : "";
}
