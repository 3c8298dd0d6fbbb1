/**
 * Kraftfile: KraftKit's application file, read into an {@link Application} and written back.
 *
 * The reader accepts what KraftKit's loader accepts (kraftkit:unikraft/app/{project,loader,
 * transform,normalize}.go, schema/schema.go) and refuses what it refuses, with two kinds of finding:
 * problems (the file is invalid: KraftKit would refuse it, or it cannot be built or run safely) and
 * warnings (the file loads, but something deviates: a name kraft normalizes, a repeated key whose
 * last value wins, a legacy or unknown key kraft ignores, a target this package cannot build). Each
 * comes with the file, the YAML key path and the line, all at once. KraftKit transforms with
 * unchecked casts, so a wrong type there is a Go panic or a cast error; here every field is checked
 * before anything is built from it.
 *
 * The writer emits the spec version the file declared, the name as written, and every field read
 * (targets skipped here and keys kraft ignores included), so a file survives a round trip.
 */
import { Document } from "yaml";
import { Application, parseCommand, parseEnv, parseLabels, withConsistency } from "./application";
import { interpolateDocument } from "./interpolation";
import { isEmptyKConfig } from "./kconfig";
import { ComponentRef, Library, looksLikeSource, parseComponentRef, parseLibraries } from "./library";
import { formatMemory, parseMemory } from "./memory";
import { Parsed, Problem, ValidationError, describeValue, fail, joinPath, ok } from "./problem";
import { Rootfs, parseRoms, parseRootfs } from "./rootfs";
import { checkSafeText } from "./safeText";
import { UntypedMap, isMap, parseText } from "./scalars";
import { Target, parseTarget } from "./target";
import { Volume, parseVolumes } from "./volume";
import { LocatedYaml, readYaml } from "./yamlDocument";

/** File names kraft discovers, in its order of preference (kraftkit:unikraft/app/project.go DefaultFileNames). */
export const KRAFTFILE_NAMES: readonly string[] = [
    "kraft.yaml",
    "kraft.yml",
    "Kraftfile.yml",
    "Kraftfile.yaml",
    "Kraftfile",
];

/**
 * A Kraftfile spec version, `v` and the version as written: `v0.5`, `v0.6`, `v0.7`, `v0.12.0`.
 * KraftKit accepts any semantic version here (schema.go parses it with Masterminds/semver); the
 * file is read by the legacy (v0.6) rules unless it is v0.7.
 */
export type KraftfileSpec = string;

/** The spec this package writes for an application given as program input. */
export const DEFAULT_KRAFTFILE_SPEC: KraftfileSpec = "v0.6";

/** A parsed Kraftfile: the application plus the file-level settings that are not part of it. */
export interface Kraftfile {
    /** The spec the file declared, e.g. `v0.6` (`spec: '0.6'` reads as `v0.6`). */
    spec: KraftfileSpec;
    /** The application it describes (its name as kraft normalizes it). */
    application: Application;
    /** `outdir`, when set: where kraft writes build output. */
    outdir?: string;
    /** Other `x-` extension keys, kept as they were so a rewrite does not lose them. */
    extensions?: Record<string, unknown>;
    /** The `name:` as written, when kraft's normalization changes it (written back as it was). */
    writtenName?: string;
    /** Targets kept in the file but not built here (linuxu, fc/arm), as written. */
    skippedTargets?: unknown[];
    /** Keys kraft ignores (a v0.5 `networks:`, unknown keys), kept as they were. */
    ignored?: Record<string, unknown>;
}

/** What {@link parseKraftfile} found: the file when valid, every problem, and every warning. */
export type ParsedKraftfile = Parsed<Kraftfile> & { warnings: Problem[] };

/** Options for {@link parseKraftfile}. */
export interface KraftfileOptions {
    /** File name for messages. */
    file?: string;
    /** Application name when the file has no `name:` (kraft uses the directory name). */
    defaultName?: string;
    /** Values for `${VAR}` interpolation (kraft's `--config` values); none by default. */
    variables?: Readonly<Record<string, string>>;
}

/**
 * Our own extension key. Memory is not part of the Kraftfile spec (kraft takes it as `run -M`), so it
 * is carried under an `x-` key, which kraftkit groups into extensions and otherwise ignores.
 */
export const EXTENSION_KEY = "x-unikernel";

const TOP_LEVEL_KEYS = [
    "spec",
    "specification",
    "name",
    "outdir",
    "template",
    "runtime",
    "rootfs",
    "roms",
    "volumes",
    "env",
    "cmd",
    "unikraft",
    "targets",
    "libraries",
    "labels",
];

/** Keys of old Kraftfiles that kraft no longer reads; they are kept and said to be ignored. */
const LEGACY_KEYS: Readonly<Record<string, string>> = {
    networks: "a v0.5 key that kraft no longer reads (networks are `kraft run --network` options)",
};

/** Target keys kraft reads (kraftkit:unikraft/target TransformFromSchema; `output` since 2026). */
const TARGET_KEYS = ["name", "plat", "platform", "arch", "architecture", "kconfig", "output"];

/**
 * Returns the Kraftfile name kraft would pick among `names` (the entries of a directory), or
 * undefined when there is none.
 */
export function pickKraftfileName(names: readonly string[]): string | undefined {
    return KRAFTFILE_NAMES.find((candidate) => names.includes(candidate));
}

/**
 * The project name as kraft normalizes it (kraftkit:unikraft/app/normalize.go normalizeProjectName):
 * lower case, only `a-z`, `0-9`, `_` and `-` kept, leading `_` and `-` dropped.
 */
export function normalizeProjectName(name: string): string {
    return (name.toLowerCase().match(/[a-z0-9_-]/g) ?? []).join("").replace(/^[_-]+/, "");
}

/** Parses Kraftfile text. Findings carry `file` and `line`; the value is present only when there are no problems. */
export function parseKraftfile(text: string, options: KraftfileOptions = {}): ParsedKraftfile {
    const located = readYaml(text, "the Kraftfile");
    const warnings: Problem[] = located.duplicates.map((d) => ({
        path: d.path,
        line: d.line,
        message: "is set twice in this map; kraft (non-strict YAML) keeps the last value",
    }));
    const locate = (list: Problem[]) =>
        list
            .map((p) => ({ ...p, file: options.file, line: p.line ?? located.lineOf(p.path) }))
            // Document order: the order a reader fixes them in.
            .sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    if (located.problems.length) {
        return { ...fail<Kraftfile>(...locate(located.problems)), warnings: locate(warnings) };
    }
    const interpolated = interpolateDocument(located.value, options.variables);
    warnings.push(...interpolated.warnings);
    const result = parseKraftfileValue(interpolated.value, options, located);
    warnings.push(...result.warnings);
    const problems = [...interpolated.problems, ...result.problems];
    return problems.length
        ? { ...fail<Kraftfile>(...locate(problems)), warnings: locate(warnings) }
        : { value: result.value!, problems: [], warnings: locate(warnings) };
}

/** Like {@link parseKraftfile}, but throws a {@link ValidationError} listing every problem. */
export function readKraftfile(text: string, options: KraftfileOptions = {}): Kraftfile {
    const parsed = parseKraftfile(text, options);
    if (parsed.value === undefined) {
        throw new ValidationError(parsed.problems, options.file ?? "Kraftfile");
    }
    return parsed.value;
}

/** How a value was written in the YAML, where it matters (unquoted numbers). */
type WrittenAs = Pick<LocatedYaml, "isNumber">;

/**
 * Reads an already-parsed Kraftfile document (a plain object). Separate from the YAML step so the
 * same rules apply to documents that come from JSON or from a program.
 */
export function parseKraftfileValue(
    doc: unknown,
    options: KraftfileOptions = {},
    written: WrittenAs = { isNumber: () => false },
): Parsed<Kraftfile> & { warnings: Problem[] } {
    const warnings: Problem[] = [];
    if (doc === null || doc === undefined) {
        return {
            ...fail({ path: "", message: "the Kraftfile is empty; it needs at least `spec`, `name` and `targets`" }),
            warnings,
        };
    }
    if (!isMap(doc)) {
        // Said by kind only: a file that is not a Kraftfile at all is not quoted back.
        return {
            ...fail({
                path: "",
                message: `the Kraftfile is ${kindOf(doc)}; expected a map with spec, name and targets`,
            }),
            warnings,
        };
    }
    const problems: Problem[] = [];
    const ignored: Record<string, unknown> = {};
    for (const key of Object.keys(doc)) {
        if (TOP_LEVEL_KEYS.includes(key) || key.startsWith("x-")) continue;
        ignored[key] = doc[key];
        const legacy = LEGACY_KEYS[key];
        warnings.push({
            path: joinPath("", key),
            message: legacy
                ? `is ${legacy}; it is kept in the file and ignored`
                : `is not a Kraftfile key, so kraft ignores it${didYouMean(key, TOP_LEVEL_KEYS)}; it is kept in the file`,
        });
    }
    const take = <T>(parsed: Parsed<T>): T | undefined => {
        problems.push(...parsed.problems);
        return parsed.value;
    };
    const spec = take(parseSpec(doc, written, warnings));
    const v07 = spec !== undefined && isV07(spec);
    const has = (key: string) => doc[key] !== undefined;
    const present = (key: string) => doc[key] !== undefined && doc[key] !== null;

    const app: Application = { name: "", libraries: [], targets: [], cmd: [], env: {}, kconfig: {} };
    if (has("libraries")) {
        app.libraries =
            doc.libraries === null
                ? (problems.push({
                      path: "libraries",
                      message:
                          'is empty; kraft needs a map here ("libraries section must be a mapping"): remove the key or list libraries',
                  }),
                  [])
                : (take(parseLibraries(doc.libraries, "libraries", warnings)) ?? []);
    }
    if (present("cmd")) {
        app.cmd = written.isNumber("cmd")
            ? (problems.push({
                  path: "cmd",
                  message: `got the number ${String(doc.cmd)}; expected a command string or a list of arguments`,
              }),
              [])
            : (take(parseCommand(doc.cmd, "cmd")) ?? []);
        if (Array.isArray(doc.cmd)) {
            doc.cmd.forEach((_, i) => {
                if (written.isNumber(`cmd[${i}]`))
                    problems.push({
                        path: `cmd[${i}]`,
                        message:
                            'is a number; kraft reads cmd as strings only ("cmd must be a string or a list of strings"): quote it',
                    });
            });
        }
    }
    if (present("env")) app.env = take(parseEnv(doc.env, "env", warnings)) ?? {};
    const name = parseName(doc, options, written, warnings);
    problems.push(...name.problems);
    app.name = name.value ?? "";
    if (present("unikraft")) {
        const core = take(parseComponentRef(doc.unikraft, "unikraft", warnings));
        if (core) {
            const { kconfig, ...ref } = core;
            app.kconfig = kconfig ?? {};
            setRef(app, "unikraft", ref);
        }
    }
    const targets = parseKraftfileTargets(doc, app, problems, warnings);
    app.targets = targets.usable;
    if (present("template")) {
        const template = take(parseComponentRef(doc.template, "template", warnings));
        if (template?.kconfig) {
            problems.push({
                path: "template.kconfig",
                message: "is not applied by kraft; move the options to `unikraft.kconfig`",
            });
        } else if (template) {
            setRef(app, "template", template);
        }
    }
    if (present("runtime")) {
        app.runtime = take(parseText(doc.runtime, "runtime", 'a runtime reference such as "unikraft.org/base:latest"'));
        const unsafe =
            app.runtime === undefined ? undefined : checkSafeText(app.runtime, "runtime", "a package reference");
        if (unsafe) problems.push(unsafe);
    }
    if (present("rootfs")) {
        app.rootfs = take(parseRootfs(doc.rootfs, "rootfs", true));
        if (isMap(doc.rootfs) && !v07) warnings.push(longFormNote("rootfs", spec));
    }
    if (present("roms")) {
        app.roms = nonEmpty(take(parseRoms(doc.roms, "roms", true)));
        if (!v07) warnings.push(longFormNote("roms", spec));
    }
    if (present("volumes")) {
        app.volumes = nonEmpty(take(parseVolumes(volumeList(doc.volumes, warnings), "volumes")));
    }
    if (present("labels")) {
        const labels = take(parseLabels(doc.labels, "labels"));
        app.labels = labels && Object.keys(labels).length ? labels : undefined;
    }
    const kraftfile: Kraftfile = { spec: spec ?? DEFAULT_KRAFTFILE_SPEC, application: app };
    if (name.written !== undefined) kraftfile.writtenName = name.written;
    if (targets.skipped.length) kraftfile.skippedTargets = targets.skipped;
    if (Object.keys(ignored).length) kraftfile.ignored = ignored;
    if (present("outdir")) {
        kraftfile.outdir = take(parseText(doc.outdir, "outdir", "a directory path"));
        const unsafe =
            kraftfile.outdir === undefined
                ? undefined
                : checkSafeText(kraftfile.outdir, "outdir", "a build command line");
        if (unsafe) problems.push(unsafe);
    }
    const extensions = Object.entries(doc).filter(([key]) => key.startsWith("x-") && key !== EXTENSION_KEY);
    if (extensions.length) {
        kraftfile.extensions = Object.fromEntries(extensions);
    }
    if (present(EXTENSION_KEY)) {
        const memory = take(parseOwnExtension(doc[EXTENSION_KEY]));
        if (memory !== undefined) {
            app.memory = memory;
        }
    }
    // A file whose every target was skipped has nothing to build here, unless a runtime runs it:
    // that is said in its own words rather than as "targets is empty".
    const all = withConsistency(problems, app).filter(
        (p) => problems.includes(p) || !(p.path === "targets" && targets.skipped.length),
    );
    if (targets.skipped.length && app.targets.length === 0 && !app.runtime) {
        all.push({
            path: "targets",
            message:
                "has no target left that this package can build (see the warnings for each); add one such as qemu/x86_64",
        });
    }
    return all.length ? { ...fail(...all), warnings } : { ...ok(pruneUndefined(kraftfile)), warnings };
}

/** The name: kraft's normalization applied (a warning when it changes it), or the directory's name. */
function parseName(
    doc: UntypedMap,
    options: KraftfileOptions,
    written: WrittenAs,
    warnings: Problem[],
): { value?: string; written?: string; problems: Problem[] } {
    const fromDirectory = doc.name === undefined || doc.name === null;
    const raw = fromDirectory ? options.defaultName : doc.name;
    if (raw === undefined) {
        return {
            problems: [
                {
                    path: "name",
                    message: "missing; set `name`, or read the Kraftfile from a directory whose name is valid",
                },
            ],
        };
    }
    if (typeof raw !== "string" || (!fromDirectory && written.isNumber("name"))) {
        return {
            problems: [
                {
                    path: "name",
                    message: `got ${typeof raw === "string" ? `the number ${raw}` : describeValue(raw)}; kraft needs a string ("'name' field must be a string")`,
                },
            ],
        };
    }
    const unsafe = checkSafeText(raw, "name", "file and image names");
    if (unsafe) return { problems: [unsafe] };
    const normalized = normalizeProjectName(raw);
    if (!normalized) {
        return {
            problems: [
                {
                    path: "name",
                    message: `got ${describeValue(raw)}, which kraft normalizes to nothing (it keeps only a-z, 0-9, "_" and "-"); use a name such as "my-app"`,
                },
            ],
        };
    }
    if (normalized.length > 63) {
        return {
            problems: [
                {
                    path: "name",
                    message: `got ${describeValue(raw)}; names name kernel files and images: keep it to 63 characters`,
                },
            ],
        };
    }
    if (normalized === raw) return { value: normalized, problems: [] };
    warnings.push({
        path: "name",
        message: `got ${describeValue(raw)}, which kraft normalizes to "${normalized}" (lower case; only a-z, 0-9, "_" and "-"); "${normalized}" names the kernel and the images`,
    });
    return { value: normalized, written: fromDirectory ? undefined : raw, problems: [] };
}

/**
 * Reads `spec`/`specification`: a string holding a semantic version, with or without `v`, as
 * KraftKit's schema.Validate reads it. An unquoted number is a YAML float to kraft, which then
 * finds no spec at all.
 */
function parseSpec(doc: UntypedMap, written: WrittenAs, warnings: Problem[]): Parsed<KraftfileSpec> {
    const keys = ["specification", "spec"].filter((k) => doc[k] !== undefined && doc[k] !== null);
    if (keys.length === 0) {
        return fail({
            path: "spec",
            message: "missing; add `spec: v0.6` (or another version, as text) at the top of the Kraftfile",
        });
    }
    const specs = keys.map((key) => ({ key, value: doc[key] }));
    if (keys.length === 2) {
        if (JSON.stringify(specs[0].value) !== JSON.stringify(specs[1].value)) {
            return fail({
                path: "spec",
                message: `\`specification\` says ${describeValue(specs[0].value)} and \`spec\` says ${describeValue(specs[1].value)}; keep only \`spec\``,
            });
        }
        warnings.push({
            path: "spec",
            message: "is set as both `spec` and `specification` (the same version); keep only `spec`",
        });
    }
    const { key, value } = specs[0];
    if (typeof value !== "string" || written.isNumber(key)) {
        const shown = typeof value === "string" ? `the number ${value}` : describeValue(value);
        const suggestion = typeof value === "string" && SEMVER.test(value) ? `v${value.replace(/^v/, "")}` : "v0.6";
        return fail({
            path: key,
            message: `got ${shown}; kraft reads the spec only as text (a YAML number is no spec to it): write \`${key}: ${suggestion}\``,
        });
    }
    const m = SEMVER.exec(value.trim());
    if (!m) {
        return fail({
            path: key,
            message: `got ${describeValue(value)}; expected a version such as v0.6 or v0.7 ("could not parse specification version")`,
        });
    }
    const spec = `v${value.trim().replace(/^v/, "")}`;
    if (Number(m[1]) === 0 && Number(m[2] ?? 0) < 6) {
        warnings.push({
            path: key,
            message: `is ${spec}, older than v0.6 (kraft warns "not latest"); it is read by the v0.6 rules`,
        });
    } else if (!isV07(spec) && !(Number(m[1]) === 0 && Number(m[2] ?? 0) === 6)) {
        warnings.push({
            path: key,
            message: `is ${spec}, which kraft reads by the v0.6 rules (only v0.7 has rules of its own)`,
        });
    }
    return ok(spec);
}

/** Semantic versions as Masterminds/semver reads them leniently: `v`, 1 to 3 numbers, pre-release, build. */
const SEMVER = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** kraft's v0.7 loader takes the spec cut to `vMAJOR.MINOR`: v0.7, v0.7.0, v0.7.1-rc1. */
export function isV07(spec: KraftfileSpec): boolean {
    const m = SEMVER.exec(spec);
    return Boolean(m && Number(m[1]) === 0 && Number(m[2] ?? -1) === 7);
}

function longFormNote(key: string, spec: KraftfileSpec | undefined): Problem {
    return {
        path: key,
        message: `uses the long form {source, format}, which came with spec v0.7 (the file declares ${spec ?? "no valid spec"}); current kraft reads it, older releases read only a path`,
    };
}

/** Platforms and platform/architecture pairs that are valid Kraftfile targets but that this package cannot build or run. */
function unusableTarget(platform: string, architecture: string, core: ComponentRef | undefined): string | undefined {
    if (platform === "linuxu") {
        const m = /^v?(\d+)\.(\d+)/.exec(core?.version ?? "");
        const pinnedOld = m !== null && Number(m[1]) === 0 && Number(m[2]) < 17;
        return (
            `linuxu runs the kernel as a Linux process${pinnedOld ? ` (the core is pinned to ${core!.version}, which still has it; it was removed in 0.17)` : " and was removed from Unikraft core in 0.17"}; ` +
            "this package runs unikernels on hypervisors only, so the target is skipped: build qemu/x86_64 to run it here"
        );
    }
    if (platform === "hyperlight" || platform === "hl") {
        return "hyperlight is a KraftKit platform this package does not run; the target is skipped";
    }
    if ((platform === "fc" || platform === "firecracker") && architecture === "arm") {
        return "Firecracker runs x86_64 and arm64 guests only (Unikraft's Firecracker support needs ARCH_X86_64 or ARCH_ARM_64); the target is skipped";
    }
    return undefined;
}

/**
 * Reads `targets`: each usable target, and the targets kept but skipped (with a warning each). A
 * target this package cannot build makes that target unusable, not the whole file.
 */
function parseKraftfileTargets(
    doc: UntypedMap,
    app: Application,
    problems: Problem[],
    warnings: Problem[],
): { usable: Target[]; skipped: unknown[] } {
    if (doc.targets === undefined) return { usable: [], skipped: [] };
    if (!Array.isArray(doc.targets)) {
        problems.push({
            path: "targets",
            message: `got ${describeValue(doc.targets)}; expected a list of targets such as ["qemu/x86_64"] ("targets section must be a list")`,
        });
        return { usable: [], skipped: [] };
    }
    const usable: Target[] = [];
    const skipped: unknown[] = [];
    doc.targets.forEach((entry, i) => {
        const at = `targets[${i}]`;
        const { platform, architecture } = rawTargetParts(entry);
        const reason = platform !== undefined ? unusableTarget(platform, architecture ?? "", app.unikraft) : undefined;
        if (reason) {
            warnings.push({ path: at, message: `is ${platform}/${architecture ?? "?"}: ${reason}` });
            skipped.push(entry);
            return;
        }
        let value: unknown = entry;
        if (isMap(entry)) {
            // kraft ignores target keys it does not know; say so, and read the rest.
            const unknown = Object.keys(entry).filter((k) => !TARGET_KEYS.includes(k));
            for (const key of unknown) {
                warnings.push({
                    path: joinPath(at, key),
                    message: `is not a target key (${TARGET_KEYS.join(", ")}), so kraft ignores it; it is dropped when this package writes the file`,
                });
            }
            value = Object.fromEntries(
                Object.entries(entry).filter(([k]) => TARGET_KEYS.includes(k) && k !== "output"),
            );
            if (
                typeof entry.platform === "string" &&
                entry.platform.includes("/") &&
                entry.arch === undefined &&
                entry.architecture === undefined
            ) {
                // kraft accepts `platform: qemu/x86_64` in the long form too.
                const [plat, arch] = entry.platform.split("/", 2);
                value = { ...(value as UntypedMap), platform: plat, arch };
            }
        }
        const parsed = parseTarget(value, at, warnings);
        problems.push(...parsed.problems);
        if (parsed.value) {
            if (isMap(entry) && entry.output !== undefined) {
                const output = parseText(entry.output, joinPath(at, "output"), "the path of the kernel kraft writes");
                problems.push(...output.problems);
                if (output.value !== undefined) parsed.value.output = output.value;
            }
            usable.push(parsed.value);
        }
    });
    return { usable, skipped };
}

/** The platform and architecture a raw target names, before any check (short or long form). */
function rawTargetParts(entry: unknown): { platform?: string; architecture?: string } {
    if (typeof entry === "string") {
        const [platform, architecture] = entry.split("/");
        return { platform, architecture };
    }
    if (isMap(entry)) {
        const platform = entry.platform ?? entry.plat;
        const architecture = entry.architecture ?? entry.arch;
        if (typeof platform === "string" && platform.includes("/") && architecture === undefined) {
            const [plat, arch] = platform.split("/");
            return { platform: plat, architecture: arch };
        }
        return {
            platform: typeof platform === "string" ? platform : undefined,
            architecture: typeof architecture === "string" ? architecture : undefined,
        };
    }
    return {};
}

/**
 * `volumes` in every layout kraft has read: a list (v0.6), a single string (v0.6 schema allows it),
 * or a v0.5 map of name to `{source, destination, driver}` (each becomes a list entry, the name as
 * its source when it has none). The legacy layouts are read with a warning.
 */
function volumeList(value: unknown, warnings: Problem[]): unknown {
    if (typeof value === "string") {
        warnings.push({
            path: "volumes",
            message:
                "is a single string (allowed by the v0.6 schema); it is read as a list of one, and written back as a list",
        });
        return [value];
    }
    if (isMap(value)) {
        warnings.push({
            path: "volumes",
            message: "is a map (the v0.5 layout); each entry is read as a volume, and written back as a list",
        });
        return Object.entries(value).map(([name, entry]) =>
            isMap(entry) ? { source: name, ...entry } : entry === null ? name : entry,
        );
    }
    return value;
}

/**
 * Writes a Kraftfile. The output is normalized (canonical platform names, short forms where they
 * say the same thing, a fixed key order) and keeps everything the file said: the spec version it
 * declared (unless `upgrade`), the name as written, the targets skipped here, the keys kraft
 * ignores. Reading it back gives the same value: `parseKraftfile(emitKraftfile(k)).value`
 * deep-equals `k`. Every `$` is written `$$`, since kraft interpolates strings.
 */
export function emitKraftfile(kraftfile: Kraftfile | Application, options: { upgrade?: boolean } = {}): string {
    const file: Kraftfile =
        "application" in kraftfile ? kraftfile : { spec: DEFAULT_KRAFTFILE_SPEC, application: kraftfile };
    const app = file.application;
    const spec = options.upgrade ? (usesV07(app) ? "v0.7" : DEFAULT_KRAFTFILE_SPEC) : file.spec;
    const doc: UntypedMap = { spec, name: file.writtenName ?? app.name };
    if (file.outdir) doc.outdir = file.outdir;
    if (app.runtime) doc.runtime = app.runtime;
    if (app.template) doc.template = emitRef(app.template);
    if (app.unikraft || !isEmptyKConfig(app.kconfig)) {
        doc.unikraft = emitRef({ ...app.unikraft, ...(isEmptyKConfig(app.kconfig) ? {} : { kconfig: app.kconfig }) });
    }
    if (app.rootfs) doc.rootfs = emitRootfs(app.rootfs);
    if (app.roms?.length) doc.roms = app.roms.map(emitRootfs);
    if (app.volumes?.length) doc.volumes = app.volumes.map(emitVolume);
    if (app.cmd.length) doc.cmd = [...app.cmd];
    if (Object.keys(app.env).length) doc.env = { ...app.env };
    if (app.labels && Object.keys(app.labels).length) doc.labels = { ...app.labels };
    if (app.libraries.length)
        doc.libraries = Object.fromEntries(app.libraries.map((lib) => [lib.name, emitLibrary(lib)]));
    if (app.targets.length || file.skippedTargets?.length)
        doc.targets = [...app.targets.map(emitTarget), ...(file.skippedTargets ?? [])];
    if (app.memory !== undefined) doc[EXTENSION_KEY] = { memory: formatMemory(app.memory) };
    Object.assign(doc, file.extensions ?? {}, file.ignored ?? {});
    const out = new Document(escapeDollars(doc), { version: "1.1" });
    return out.toString({ lineWidth: 0 });
}

/** True when an application uses what came with spec v0.7 (long-form rootfs, ROMs). */
function usesV07(app: Application): boolean {
    return Boolean((app.rootfs && (app.rootfs.format || app.rootfs.type)) || (app.roms && app.roms.length > 0));
}

/** `$` -> `$$` in every string, so kraft's interpolation gives back the value written. */
function escapeDollars(value: unknown): unknown {
    if (typeof value === "string") return value.replace(/\$/g, "$$$$");
    if (Array.isArray(value)) return value.map(escapeDollars);
    if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
    return value;
}

/** Reads our `x-unikernel` extension. */
function parseOwnExtension(value: unknown): Parsed<number | undefined> {
    if (!isMap(value)) {
        return fail({
            path: EXTENSION_KEY,
            message: `got ${describeValue(value)}; expected a map such as {memory: 64M}`,
        });
    }
    const unknown = Object.keys(value).filter((k) => k !== "memory");
    if (unknown.length) {
        return fail(
            ...unknown.map((k) => ({
                path: joinPath(EXTENSION_KEY, k),
                message: `unknown key "${k}"; expected memory`,
            })),
        );
    }
    return value.memory === undefined ? ok(undefined) : parseMemory(value.memory, joinPath(EXTENSION_KEY, "memory"));
}

/** Sets a core/template ref only when it says something, so `unikraft: {}` and no `unikraft:` read the same. */
function setRef(app: Application, key: "unikraft" | "template", ref: ComponentRef): void {
    if (ref.version !== undefined || ref.source !== undefined) {
        app[key] = {
            ...(ref.version !== undefined ? { version: ref.version } : {}),
            ...(ref.source !== undefined ? { source: ref.source } : {}),
        };
    }
}

function emitRef(ref: ComponentRef): unknown {
    if (
        ref.version !== undefined &&
        ref.source === undefined &&
        ref.kconfig === undefined &&
        !looksLikeSource(ref.version) &&
        !ref.version.includes("@")
    ) {
        return ref.version;
    }
    return { ...ref };
}

function emitLibrary({ name: _name, ...ref }: Library): unknown {
    // kraft refuses a library without a value; {} asks for its default version.
    return ref.version === undefined && ref.source === undefined && ref.kconfig === undefined ? {} : emitRef(ref);
}

function emitTarget(target: Target): unknown {
    if (!target.name && !target.kconfig && !target.output) {
        return `${target.platform}/${target.architecture}`;
    }
    return {
        ...(target.name ? { name: target.name } : {}),
        plat: target.platform,
        arch: target.architecture,
        ...(target.kconfig ? { kconfig: target.kconfig } : {}),
        ...(target.output ? { output: target.output } : {}),
    };
}

function emitRootfs(rootfs: Rootfs): unknown {
    return rootfs.format || rootfs.type ? { ...rootfs } : rootfs.source;
}

function emitVolume(volume: Volume): unknown {
    return { ...volume };
}

function nonEmpty<T>(list: T[] | undefined): T[] | undefined {
    return list && list.length ? list : undefined;
}

/** What a value is, without quoting it: `a string`, `a list`, `a number`. */
function kindOf(value: unknown): string {
    return Array.isArray(value)
        ? "a list"
        : typeof value === "string"
          ? "a string"
          : typeof value === "boolean"
            ? "a boolean"
            : `a ${typeof value}`;
}

/** A hint for a misspelled key: the known key one or two edits away, if any. */
function didYouMean(key: string, known: readonly string[]): string {
    const near = known.find((k) => editDistance(k, key) <= 2);
    return near ? ` (did you mean \`${near}\`?)` : "";
}

function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let previous = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const current = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
            previous = current;
        }
    }
    return row[b.length];
}

/** Drops keys whose value is undefined, so parsed models compare equal to literal ones. */
function pruneUndefined<T>(value: T): T {
    if (Array.isArray(value)) {
        return value.map(pruneUndefined) as T;
    }
    if (isMap(value)) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, pruneUndefined(v)]),
        ) as T;
    }
    return value;
}
