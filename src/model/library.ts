/**
 * Unikraft micro-library references (`libraries:` in a Kraftfile) and the `unikraft:` core
 * reference, which has the same shape: a version, a source, and Kconfig options.
 */
import { KConfig, isEmptyKConfig, parseKConfig } from "./kconfig";
import { Parsed, Problem, describeValue, fail, joinPath, ok } from "./problem";
import { checkSafeText } from "./safeText";
import { isMap, parseText, unknownKeys } from "./scalars";

/** Where a component comes from and which Kconfig options it gets. */
export interface ComponentRef {
    /** A version or channel: `stable`, `staging`, `v0.17.0`, a commit. */
    version?: string;
    /** A source: a Git URL, an archive URL, or a local directory. */
    source?: string;
    /** Kconfig options the component contributes. */
    kconfig?: KConfig;
}

/** One Unikraft micro-library, e.g. `musl`, `lwip`, `pthread-embedded`. */
export interface Library extends ComponentRef {
    /** The library name as Unikraft's package index knows it. */
    name: string;
}

/** Library names as the Kraftfile schema allows them (kraftkit schema v0.6, libraries patternProperties). */
export const LIBRARY_NAME = /^[a-zA-Z0-9._-]+$/;

const COMPONENT_KEYS = ["version", "source", "kconfig"];

/** `name@version` short forms (not URLs, paths or `git@host:...`, which looksLikeSource catches first). */
const NAME_AT_VERSION = /^([A-Za-z0-9._-]+)@([^@\s/]+)$/;

/** Versions and sources become package references and URLs kraft fetches. */
const FETCH = "a package reference or source URL";

/**
 * True when a short-form string names a source rather than a version: a URL, a path, or a Git
 * repository. kraftkit makes the same split in its ParseLibraryConfig/ParseUnikraftConfig.
 */
export function looksLikeSource(text: string): boolean {
    return (
        /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ||
        text.startsWith("/") ||
        text.startsWith(".") ||
        text.startsWith("~") ||
        text.startsWith("git@") ||
        text.endsWith(".git") ||
        text.endsWith(".tar.gz")
    );
}

/**
 * Reads a component reference: nothing (the default version), a short string (a version, or a
 * source when it looks like one), or a map `{source, version, kconfig}`.
 */
export function parseComponentRef(value: unknown, path: string, warnings?: Problem[]): Parsed<ComponentRef> {
    if (value === null || value === undefined) {
        return ok({});
    }
    if (typeof value === "string" || typeof value === "number") {
        const text = parseText(
            value,
            path,
            'a version such as "stable", a source URL, or a map with version, source and kconfig',
        );
        if (text.value === undefined) {
            return fail(...text.problems);
        }
        const unsafe = checkSafeText(text.value, path, FETCH);
        if (unsafe) {
            return fail(unsafe);
        }
        if (looksLikeSource(text.value)) return ok({ source: text.value });
        // `app-elfloader@staging`: a component by name and a version (kraftkit's LoadTemplate and
        // ParseComponentConfig split on the "@").
        const named = NAME_AT_VERSION.exec(text.value);
        return ok(named ? { source: named[1], version: named[2] } : { version: text.value });
    }
    if (!isMap(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected a version string, or a map with version, source and kconfig`,
        });
    }
    const problems: Problem[] = [...unknownKeys(value, COMPONENT_KEYS, path)];
    const ref: ComponentRef = {};
    for (const key of ["version", "source"] as const) {
        if (value[key] !== undefined) {
            const parsed = parseText(value[key], joinPath(path, key));
            problems.push(...parsed.problems);
            const unsafe =
                parsed.value === undefined ? undefined : checkSafeText(parsed.value, joinPath(path, key), FETCH);
            if (unsafe) {
                problems.push(unsafe);
            } else if (parsed.value !== undefined) {
                ref[key] = parsed.value;
            }
        }
    }
    if (value.kconfig !== undefined) {
        const kconfig = parseKConfig(value.kconfig, joinPath(path, "kconfig"), warnings);
        problems.push(...kconfig.problems);
        if (kconfig.value && !isEmptyKConfig(kconfig.value)) {
            ref.kconfig = kconfig.value;
        }
    }
    return problems.length ? fail(...problems) : ok(ref);
}

/**
 * Reads the `libraries:` map: library name to component reference. With `warnings` (a Kraftfile),
 * a library without a value is refused as kraft refuses it ("invalid type <nil> for component").
 */
export function parseLibraries(value: unknown, path: string, warnings?: Problem[]): Parsed<Library[]> {
    if (!isMap(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected a map of library name to version, e.g. "musl: stable"`,
        });
    }
    const problems: Problem[] = [];
    const libraries: Library[] = [];
    for (const [name, raw] of Object.entries(value)) {
        const at = joinPath(path, name);
        if (!LIBRARY_NAME.test(name)) {
            problems.push({
                path: at,
                message: `library name "${name}" is not valid; use letters, digits, ".", "_" and "-" only`,
            });
            continue;
        }
        if (raw === null && warnings) {
            problems.push({
                path: at,
                message: `has no value, which kraft refuses ("invalid type <nil> for component"); write a version such as "${name}: stable", or {} for the default`,
            });
            continue;
        }
        addLibrary(libraries, problems, name, parseComponentRef(raw, at, warnings));
    }
    return problems.length ? fail(...problems) : ok(libraries);
}

/**
 * Reads libraries given as typed program input: the `libraries:` map, or a list of
 * `{name, version, source, kconfig}` (the list keeps the order a user wrote).
 */
export function parseLibraryList(value: unknown, path: string): Parsed<Library[]> {
    if (!Array.isArray(value)) {
        return parseLibraries(value, path);
    }
    const problems: Problem[] = [];
    const libraries: Library[] = [];
    value.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        if (!isMap(entry)) {
            problems.push({
                path: at,
                message: `got ${describeValue(entry)}; expected a map with name and optional version, source, kconfig`,
            });
            return;
        }
        const { name, ...rest } = entry;
        if (typeof name !== "string" || !LIBRARY_NAME.test(name)) {
            problems.push({
                path: joinPath(at, "name"),
                message: `got ${describeValue(name)}; expected a library name such as "musl" (letters, digits, ".", "_", "-")`,
            });
            return;
        }
        addLibrary(libraries, problems, name, parseComponentRef(rest, at));
    });
    return problems.length ? fail(...problems) : ok(libraries);
}

/** One library entry of either form, its problems collected. */
function addLibrary(libraries: Library[], problems: Problem[], name: string, ref: Parsed<ComponentRef>): void {
    problems.push(...ref.problems);
    if (ref.value) {
        libraries.push({ name, ...ref.value });
    }
}
