/**
 * Kraftfile: KraftKit's application file, read into an {@link Application} and written back.
 *
 * The pipeline follows kraftkit:unikraft/app/{project,loader,transform}.go, with one difference on
 * purpose: kraftkit transforms with unchecked casts, so a wrong type surfaces as a Go panic or a
 * cast error. Here the YAML is read into plain values that remember their lines, every field is
 * validated before anything is built from it, and every problem comes back at once with the file,
 * the YAML key path and the line.
 */
import { Document, LineCounter, Node, isAlias, isMap as isYamlMap, isScalar, isSeq, parseDocument } from "yaml";
import {
    Application,
    parseApplicationName,
    parseCommand,
    parseEnv,
    parseLabels,
    parseMemory,
    parseRoms,
    parseRootfs,
    parseTargets,
    parseVolumes,
    formatMemory,
    withConsistency,
} from "./application";
import { isEmptyKConfig } from "./kconfig";
import { ComponentRef, Library, looksLikeSource, parseComponentRef, parseLibraries } from "./library";
import { Parsed, Problem, ValidationError, describeValue, fail, joinPath, ok } from "./problem";
import { UntypedMap, isMap, parseText } from "./scalars";
import { Target } from "./target";

/** File names kraft discovers, in its order of preference (kraftkit:unikraft/app/project.go DefaultFileNames). */
export const KRAFTFILE_NAMES: readonly string[] = ["kraft.yaml", "kraft.yml", "Kraftfile.yml", "Kraftfile.yaml", "Kraftfile"];

/** Kraftfile specification versions this package reads. */
export type KraftfileSpec = "v0.5" | "v0.6" | "v0.7";

/** Every supported spec, oldest first. */
export const KRAFTFILE_SPECS: readonly KraftfileSpec[] = ["v0.5", "v0.6", "v0.7"];

/** A parsed Kraftfile: the application plus the file-level settings that are not part of it. */
export interface Kraftfile {
    /** The spec the file declared (`spec: 0.6` reads as `v0.6`). */
    spec: KraftfileSpec;
    /** The application it describes. */
    application: Application;
    /** `outdir`, when set: where kraft writes build output. */
    outdir?: string;
    /** Other `x-` extension keys, kept as they were so a rewrite does not lose them. */
    extensions?: Record<string, unknown>;
}

/** Options for {@link parseKraftfile}. */
export interface KraftfileOptions {
    /** File name for messages. */
    file?: string;
    /** Application name when the file has no `name:` (kraft uses the directory name). */
    defaultName?: string;
}

/**
 * Our own extension key. Memory is not part of the Kraftfile spec (kraft takes it as `run -M`), so it
 * is carried under an `x-` key, which kraftkit groups into extensions and otherwise ignores.
 */
export const EXTENSION_KEY = "x-unikernel";

const TOP_LEVEL_KEYS = [
    "spec", "specification", "name", "outdir", "template", "runtime", "rootfs", "roms", "volumes",
    "env", "cmd", "unikraft", "targets", "libraries", "labels",
];

/**
 * Returns the Kraftfile name kraft would pick among `names` (the entries of a directory), or
 * undefined when there is none.
 */
export function pickKraftfileName(names: readonly string[]): string | undefined {
    return KRAFTFILE_NAMES.find((candidate) => names.includes(candidate));
}

/** Parses Kraftfile text. Problems carry `file` and `line`; the value is present only when there are none. */
export function parseKraftfile(text: string, options: KraftfileOptions = {}): Parsed<Kraftfile> {
    const located = readYaml(text);
    const result = located.problems.length ? fail<Kraftfile>(...located.problems) : parseKraftfileValue(located.value, options);
    if (result.problems.length === 0) {
        return result;
    }
    const problems = result.problems.map((p) => ({ ...p, file: options.file, line: p.line ?? located.lineOf(p.path) }));
    // Report in document order: that is the order a reader fixes them in.
    return fail(...problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
}

/** Like {@link parseKraftfile}, but throws a {@link ValidationError} listing every problem. */
export function readKraftfile(text: string, options: KraftfileOptions = {}): Kraftfile {
    const parsed = parseKraftfile(text, options);
    if (parsed.value === undefined) {
        throw new ValidationError(parsed.problems, options.file ?? "Kraftfile");
    }
    return parsed.value;
}

/**
 * Reads an already-parsed Kraftfile document (a plain object). Separate from the YAML step so the
 * same rules apply to documents that come from JSON or from a program.
 */
export function parseKraftfileValue(doc: unknown, options: KraftfileOptions = {}): Parsed<Kraftfile> {
    if (doc === null || doc === undefined) {
        return fail({ path: "", message: "the Kraftfile is empty; it needs at least `spec`, `name` and `targets`" });
    }
    if (!isMap(doc)) {
        return fail({ path: "", message: `the Kraftfile is ${describeValue(doc)}; expected a map with spec, name and targets` });
    }
    const problems: Problem[] = [];
    for (const key of Object.keys(doc)) {
        if (!TOP_LEVEL_KEYS.includes(key) && !key.startsWith("x-")) {
            problems.push({ path: joinPath("", key), message: `unknown key "${key}"; expected one of ${TOP_LEVEL_KEYS.join(", ")}, or an x- extension` });
        }
    }
    const take = <T>(parsed: Parsed<T>): T | undefined => {
        problems.push(...parsed.problems);
        return parsed.value;
    };
    const spec = take(parseSpec(doc));
    // Long-form rootfs and roms arrived in v0.7; an older file using them would not load in kraft.
    const longForm = spec === "v0.7" ? true : `needs spec v0.7 (the file declares ${spec ?? "no valid spec"})`;
    const has = (key: string) => doc[key] !== undefined && doc[key] !== null;

    const app: Application = {
        name: "",
        libraries: has("libraries") ? take(parseLibraries(doc.libraries, "libraries")) ?? [] : [],
        targets: has("targets") ? take(parseTargets(doc.targets, "targets")) ?? [] : [],
        cmd: has("cmd") ? take(parseCommand(doc.cmd, "cmd")) ?? [] : [],
        env: has("env") ? take(parseEnv(doc.env, "env")) ?? {} : {},
        kconfig: {},
    };
    if (has("name")) {
        app.name = take(parseApplicationName(doc.name, "name")) ?? "";
    } else if (options.defaultName !== undefined) {
        app.name = take(parseApplicationName(options.defaultName, "name")) ?? "";
    } else {
        problems.push({ path: "name", message: "missing; set `name`, or read the Kraftfile from a directory whose name is valid" });
    }
    if (has("unikraft")) {
        const core = take(parseComponentRef(doc.unikraft, "unikraft"));
        if (core) {
            const { kconfig, ...ref } = core;
            app.kconfig = kconfig ?? {};
            setRef(app, "unikraft", ref);
        }
    }
    if (has("template")) {
        const template = take(parseComponentRef(doc.template, "template"));
        if (template?.kconfig) {
            problems.push({ path: "template.kconfig", message: "is not applied by kraft; move the options to `unikraft.kconfig`" });
        } else if (template) {
            setRef(app, "template", template);
        }
    }
    if (has("runtime")) {
        app.runtime = take(parseText(doc.runtime, "runtime", "a runtime reference such as \"unikraft.org/base:latest\""));
    }
    if (has("rootfs")) {
        app.rootfs = take(parseRootfs(doc.rootfs, "rootfs", longForm));
    }
    if (has("roms")) {
        app.roms = nonEmpty(take(parseRoms(doc.roms, "roms", longForm)));
        if (spec !== "v0.7") {
            problems.push({ path: "roms", message: `needs spec v0.7 (the file declares ${spec ?? "no valid spec"}); set \`spec: v0.7\` or remove \`roms\`` });
        }
    }
    if (has("volumes")) {
        app.volumes = nonEmpty(take(parseVolumes(doc.volumes, "volumes")));
    }
    if (has("labels")) {
        const labels = take(parseLabels(doc.labels, "labels"));
        app.labels = labels && Object.keys(labels).length ? labels : undefined;
    }
    const kraftfile: Kraftfile = { spec: spec ?? "v0.6", application: app };
    if (has("outdir")) {
        kraftfile.outdir = take(parseText(doc.outdir, "outdir", "a directory path"));
    }
    const extensions = Object.entries(doc).filter(([key]) => key.startsWith("x-") && key !== EXTENSION_KEY);
    if (extensions.length) {
        kraftfile.extensions = Object.fromEntries(extensions);
    }
    if (has(EXTENSION_KEY)) {
        const memory = take(parseOwnExtension(doc[EXTENSION_KEY]));
        if (memory !== undefined) {
            app.memory = memory;
        }
    }
    const all = withConsistency(problems, app);
    return all.length ? fail(...all) : ok(pruneUndefined(kraftfile));
}

/**
 * Writes a Kraftfile for an application. The output is normalized (canonical platform names,
 * short forms where they say the same thing, a fixed key order), and reading it back gives the
 * same application: `parseKraftfile(emitKraftfile(k)).value` deep-equals `k`.
 */
export function emitKraftfile(kraftfile: Kraftfile | Application): string {
    const file: Kraftfile = "application" in kraftfile ? kraftfile : { spec: "v0.6", application: kraftfile };
    const app = file.application;
    const needsV07 = (app.rootfs && (app.rootfs.format || app.rootfs.type)) || (app.roms && app.roms.length > 0);
    const spec = needsV07 ? "v0.7" : file.spec === "v0.5" ? "v0.6" : file.spec;
    const doc: UntypedMap = { spec, name: app.name };
    if (file.outdir) doc.outdir = file.outdir;
    if (app.runtime) doc.runtime = app.runtime;
    if (app.template) doc.template = emitRef(app.template);
    if (app.unikraft || !isEmptyKConfig(app.kconfig)) {
        doc.unikraft = emitRef({ ...app.unikraft, ...(isEmptyKConfig(app.kconfig) ? {} : { kconfig: app.kconfig }) });
    }
    if (app.rootfs) doc.rootfs = emitRootfs(app.rootfs, spec === "v0.7");
    if (app.roms?.length) doc.roms = app.roms.map((rom) => emitRootfs(rom, true));
    if (app.volumes?.length) doc.volumes = app.volumes.map((v) => ({ ...v }));
    if (app.cmd.length) doc.cmd = [...app.cmd];
    if (Object.keys(app.env).length) doc.env = { ...app.env };
    if (app.labels && Object.keys(app.labels).length) doc.labels = { ...app.labels };
    if (app.libraries.length) doc.libraries = Object.fromEntries(app.libraries.map((lib) => [lib.name, emitLibrary(lib)]));
    if (app.targets.length) doc.targets = app.targets.map(emitTarget);
    if (app.memory !== undefined) doc[EXTENSION_KEY] = { memory: formatMemory(app.memory) };
    Object.assign(doc, file.extensions ?? {});
    const out = new Document(doc);
    return out.toString({ lineWidth: 0 });
}

/** Reads `spec` or `specification` into a canonical `vX.Y`. */
function parseSpec(doc: UntypedMap): Parsed<KraftfileSpec> {
    const keys = ["spec", "specification"].filter((k) => doc[k] !== undefined);
    if (keys.length === 2) {
        return fail({ path: "specification", message: "both `spec` and `specification` are set; keep only `spec`" });
    }
    if (keys.length === 0) {
        return fail({ path: "spec", message: "missing; add `spec: v0.6` (or v0.5, v0.7) at the top of the Kraftfile" });
    }
    const raw = doc[keys[0]];
    const text = typeof raw === "string" || typeof raw === "number" ? String(raw) : "";
    const spec = KRAFTFILE_SPECS.find((s) => s === text || s === `v${text}`);
    return spec ? ok(spec) : fail({ path: keys[0], message: `got ${describeValue(raw)}; expected one of v0.5, v0.6, v0.7 (with or without the "v")` });
}

/** Reads our `x-unikernel` extension. */
function parseOwnExtension(value: unknown): Parsed<number | undefined> {
    if (!isMap(value)) {
        return fail({ path: EXTENSION_KEY, message: `got ${describeValue(value)}; expected a map such as {memory: 64M}` });
    }
    const unknown = Object.keys(value).filter((k) => k !== "memory");
    if (unknown.length) {
        return fail(...unknown.map((k) => ({ path: joinPath(EXTENSION_KEY, k), message: `unknown key "${k}"; expected memory` })));
    }
    return value.memory === undefined ? ok(undefined) : parseMemory(value.memory, joinPath(EXTENSION_KEY, "memory"));
}

/** Sets a core/template ref only when it says something, so `unikraft: {}` and no `unikraft:` read the same. */
function setRef(app: Application, key: "unikraft" | "template", ref: ComponentRef): void {
    if (ref.version !== undefined || ref.source !== undefined) {
        app[key] = { ...(ref.version !== undefined ? { version: ref.version } : {}), ...(ref.source !== undefined ? { source: ref.source } : {}) };
    }
}

function emitRef(ref: ComponentRef): unknown {
    if (ref.version !== undefined && ref.source === undefined && ref.kconfig === undefined && !looksLikeSource(ref.version)) {
        return ref.version;
    }
    return { ...ref };
}

function emitLibrary({ name: _name, ...ref }: Library): unknown {
    return ref.version === undefined && ref.source === undefined && ref.kconfig === undefined ? null : emitRef(ref);
}

function emitTarget(target: Target): unknown {
    if (!target.name && !target.kconfig) {
        return `${target.platform}/${target.architecture}`;
    }
    return { ...(target.name ? { name: target.name } : {}), plat: target.platform, arch: target.architecture, ...(target.kconfig ? { kconfig: target.kconfig } : {}) };
}

function emitRootfs(rootfs: { source: string; format?: string; type?: string }, longForm: boolean): unknown {
    return longForm && (rootfs.format || rootfs.type) ? { ...rootfs } : rootfs.source;
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
    return list && list.length ? list : undefined;
}

/** Drops keys whose value is undefined, so parsed models compare equal to literal ones. */
function pruneUndefined<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.map(pruneUndefined) as T;
    }
    if (isMap(value)) {
        return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, pruneUndefined(v)])) as T;
    }
    return value;
}

/** The largest Kraftfile text read (project files are also capped at 1 MiB on disk). */
const MAX_KRAFTFILE_CHARACTERS = 1024 * 1024;
/** Values a document may expand to, aliases included: real Kraftfiles have a few hundred. */
const MAX_YAML_NODES = 10_000;
/** Alias uses in one document (the yaml library's own default for toJS is 100). */
const MAX_YAML_ALIASES = 100;

/** A YAML document as plain values, and the line of every property path in it. */
interface LocatedYaml {
    value: unknown;
    problems: Problem[];
    lineOf(path: string): number | undefined;
}

/**
 * Parses YAML into plain values, remembering each path's line. Numbers are kept as their source
 * text: Kraftfile values are strings to kraft, and `version: 0.10` must not become 0.1.
 */
function readYaml(text: string): LocatedYaml {
    if (text.length > MAX_KRAFTFILE_CHARACTERS) {
        return { value: undefined, problems: [{ path: "", message: `the Kraftfile is ${text.length} characters; more than ${MAX_KRAFTFILE_CHARACTERS} is not a Kraftfile` }], lineOf: () => undefined };
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
    const lines = new Map<string, number>();
    const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
    const problems: Problem[] = [...doc.errors, ...doc.warnings].map((e) => ({
        path: "",
        message: `YAML ${e.code === "DUPLICATE_KEY" ? "duplicate key" : "syntax error"}: ${e.message.split("\n")[0]}`,
        line: lineAt(e.pos[0]),
    }));
    const seen = new Set<Node>();
    // Aliases are expanded here, so a few hundred bytes of nested aliases ("billion laughs") could
    // stand for billions of nodes: the expansion stops at a fixed count, with a problem.
    let nodes = 0;
    let aliases = 0;
    let capped = false;
    const toPlain = (node: unknown, path: string): unknown => {
        if (++nodes > MAX_YAML_NODES || (isAlias(node) && ++aliases > MAX_YAML_ALIASES)) {
            if (!capped) {
                problems.push({
                    path,
                    message: `the document expands to more than ${MAX_YAML_NODES} values or uses more than ${MAX_YAML_ALIASES} aliases; a Kraftfile is far smaller, write the values out`,
                    line: lineAt((node as Node | null)?.range?.[0]),
                });
            }
            capped = true;
            return undefined;
        }
        if (isAlias(node)) {
            const target = node.resolve(doc);
            if (!target || seen.has(target)) {
                problems.push({ path, message: `alias "*${node.source}" cannot be resolved here; write the value out`, line: lineAt(node.range?.[0]) });
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
                const keyNode = pair.key;
                const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
                const at = joinPath(path, key);
                const line = lineAt(isScalar(keyNode) ? keyNode.range?.[0] : undefined);
                if (line !== undefined) lines.set(at, line);
                // Own property even for "__proto__": a Kraftfile key never reaches the prototype.
                Object.defineProperty(out, key, { value: toPlain(pair.value, at), enumerable: true, writable: true, configurable: true });
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
                return node.source ?? String(node.value);
            }
            return node.value;
        }
        return node ?? null;
    };
    const plain = problems.length ? undefined : toPlain(doc.contents, "");
    const value = capped ? undefined : plain;
    return {
        value,
        problems,
        lineOf(path: string) {
            // The line of the path, or of its nearest parent that has one (a missing key
            // points at the map it is missing from).
            for (let p = path; p; p = parentPath(p)) {
                const line = lines.get(p);
                if (line !== undefined) return line;
            }
            return undefined;
        },
    };
}

/** `targets[1].platform` -> `targets[1]` -> `targets` -> "". */
function parentPath(path: string): string {
    const m = /^(.*?)(\.[A-Za-z_][A-Za-z0-9_]*|\[[^\]]*\])$/.exec(path);
    return m ? m[1] : "";
}
