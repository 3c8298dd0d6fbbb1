/**
 * The application: the unikernel spec, as in Unikraft (name, libraries, targets, command, env,
 * rootfs, Kconfig, memory). Engines, disks and components all start from this one type.
 */
import { parse as parseShellWords } from "shell-quote";
import { EngineName } from "./engine";
import { KConfig, isEmptyKConfig, parseKConfig } from "./kconfig";
import { ComponentRef, LIBRARY_NAME, Library, parseComponentRef, parseLibraries } from "./library";
import { parseListOrDict } from "./listOrDict";
import { Parsed, Problem, describeValue, fail, joinPath, ok, oneOf } from "./problem";
import { checkSafeText } from "./safeText";
import { UntypedMap, isMap, parseText, unknownKeys } from "./scalars";
import { Target, parseTarget, targetId } from "./target";

/** Root filesystem formats Unikraft can mount from an initrd or ROM. */
export type RootfsFormat = "cpio" | "erofs";

/** Every rootfs format, in the order messages list them. */
export const ROOTFS_FORMATS: readonly RootfsFormat[] = ["cpio", "erofs"];

/** A root filesystem or ROM: a directory, Dockerfile or archive, and how to pack it. */
export interface Rootfs {
    /** A directory, a Dockerfile, or a prebuilt cpio/erofs file, relative to the application. */
    source: string;
    /** How it is packed. Kraftfile v0.7 long form only. */
    format?: RootfsFormat;
    /** How the kernel receives it (for example `initrd`). Kraftfile v0.7 long form only. */
    type?: string;
}

/** A volume mounted into the unikernel. */
export interface Volume {
    /** Host path or volume name. */
    source?: string;
    /** Mount point inside the unikernel. */
    destination: string;
    /** Volume driver, e.g. `9pfs`. */
    driver?: string;
    /** Mount read-only. */
    readonly?: boolean;
    /** Access mode, as written (Kraftfile v0.7 `mode`, e.g. "ro"). */
    mode?: string;
}

/** The unikernel spec. */
export interface Application {
    /** Application name: names the kernel file, images and instances. */
    name: string;
    /** The Unikraft core version/source. Its Kconfig options live in `kconfig`. */
    unikraft?: Omit<ComponentRef, "kconfig">;
    /** A kraftkit runtime (a prebuilt loader such as `unikraft.org/base:latest`) the app runs on. */
    runtime?: string;
    /** A kraftkit application template the app derives from. */
    template?: Omit<ComponentRef, "kconfig">;
    /** Unikraft micro-libraries (or, for the ops engine, Nanos klibs). */
    libraries: Library[];
    /** Platform/architecture pairs to build for. */
    targets: Target[];
    /** Program arguments, already split into words. */
    cmd: string[];
    /** Environment variables. */
    env: Record<string, string>;
    /** Root filesystem. */
    rootfs?: Rootfs;
    /** Extra read-only filesystems (Kraftfile v0.7 `roms`). */
    roms?: Rootfs[];
    /** Volumes. */
    volumes?: Volume[];
    /** Free-form labels, carried into image metadata. */
    labels?: Record<string, string>;
    /** Kconfig options of the Unikraft core (the Kraftfile's `unikraft.kconfig`). */
    kconfig: KConfig;
    /** Memory for the VM in MiB. */
    memory?: number;
}

/** Application names: they name kernel files, images and instances, so keep them portable. */
export const APPLICATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** Reads an application name. */
export function parseApplicationName(value: unknown, path: string): Parsed<string> {
    if (typeof value === "string" && APPLICATION_NAME.test(value)) {
        return ok(value);
    }
    return fail({
        path,
        message: `got ${describeValue(value)}; expected 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    });
}

/**
 * Reads `cmd`: a list of words, or one string split as a shell would split it (kraftkit uses
 * go-shellwords). Shell operators and globs have no shell to run them in a unikernel, so they are
 * rejected rather than passed on as odd arguments.
 */
export function parseCommand(value: unknown, path: string): Parsed<string[]> {
    if (Array.isArray(value)) {
        // Each word a string; an empty word is an empty argument, as in any argv. The words go onto
        // a kernel command line (uklibparam), where a line break cannot travel.
        const problems = value.flatMap((word, i) => (typeof word === "string"
            ? [checkSafeText(word, `${path}[${i}]`, COMMAND_LINE)].filter((p): p is Problem => Boolean(p))
            : [{ path: `${path}[${i}]`, message: `got ${describeValue(word)}; expected a string` }]));
        return problems.length ? fail(...problems) : ok(value as string[]);
    }
    if (typeof value !== "string") {
        return fail({ path, message: `got ${describeValue(value)}; expected a command string or a list of arguments` });
    }
    // Keep $VARS literal: the unikernel's own environment decides them, not this machine's.
    const words = parseShellWords(value, (name) => `$${name}`);
    const out: string[] = [];
    for (const word of words) {
        if (typeof word !== "string") {
            const op = "comment" in word ? "#" : word.op === "glob" ? word.pattern : word.op;
            return fail({ path, message: `got "${value}": shell syntax "${op}" has no shell to run it in a unikernel; write the arguments as a list` });
        }
        out.push(word);
    }
    // Blanks between words only separate them (as go-shellwords reads them); inside a quoted word
    // a tab or a line break would reach the kernel command line.
    const unsafe = out.map((word, i) => checkSafeText(word, `${path}[${i}]`, COMMAND_LINE)).filter((p): p is Problem => Boolean(p));
    return unsafe.length ? fail(...unsafe) : ok(out);
}

const COMMAND_LINE = "a kernel command line";

/** Reads `env`: a map or a list of `NAME=VALUE`. */
export function parseEnv(value: unknown, path: string, warnings?: Problem[]): Parsed<Record<string, string>> {
    return parseListOrDict(value, path, {
        keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
        keyHint: "an environment variable name such as APP_PORT",
        valueText: (v) => (v === null ? "" : String(v)),
        destination: "a kernel command line (env.vars) or an ops config",
    }, warnings);
}

/** Reads `labels`: a map of string to string. */
export function parseLabels(value: unknown, path: string): Parsed<Record<string, string>> {
    return parseListOrDict(value, path, {
        keyPattern: /^[A-Za-z0-9][A-Za-z0-9._\/-]*$/,
        keyHint: "a label key such as org.example/team",
        valueText: (v) => (v === null ? "" : String(v)),
        destination: "image tags and labels",
    });
}

const MEMORY_UNITS: ReadonlyMap<string, number> = new Map([
    ["K", 1 / 1024], ["Ki", 1 / 1024], ["KiB", 1 / 1024], ["KB", 1 / 1024],
    ["M", 1], ["Mi", 1], ["MiB", 1], ["MB", 1], ["", 1],
    ["G", 1024], ["Gi", 1024], ["GiB", 1024], ["GB", 1024],
]);

/**
 * Reads a memory size into MiB: a number (MiB) or a string such as `64M`, `64Mi`, `1G`. Units are
 * binary, as QEMU's `-m` and ops's `Memory` read them.
 */
export function parseMemory(value: unknown, path: string): Parsed<number> {
    // Units in either case: QEMU's -m and ops read "2g" as "2G".
    const match = typeof value === "string" ? /^(\d+)\s*([KMG]i?B?)?$/i.exec(value.trim()) : null;
    const unit = match ? MEMORY_UNITS.get(normalizeUnit(match[2] ?? "")) : undefined;
    const mib = typeof value === "number" ? value : match && unit !== undefined ? Number(match[1]) * unit : NaN;
    if (Number.isInteger(mib) && mib >= 1 && mib <= 1024 * 1024) {
        return ok(mib);
    }
    return fail({ path, message: `got ${describeValue(value)}; expected a whole number of MiB from 1 to 1048576, e.g. 64 or "64M" or "1G"` });
}

/** `mib` -> `Mi`, `gb` -> `GB`: the unit letter upper case, the rest as the table spells it. */
function normalizeUnit(unit: string): string {
    return unit ? unit[0].toUpperCase() + unit.slice(1).replace(/b$/i, "B") : unit;
}

/** Writes MiB as the shortest unit string QEMU and ops read: `64M`, `2G`. */
export function formatMemory(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}

const ROOTFS_KEYS = ["source", "format", "type"];

/**
 * Reads a rootfs or ROM: a path string, or (`longForm`) a map `{source, format, type}`.
 * Callers decide whether the long form is allowed (it needs Kraftfile spec v0.7).
 */
export function parseRootfs(value: unknown, path: string, longForm: boolean | string): Parsed<Rootfs> {
    if (typeof value === "string") {
        const unsafe = checkSafeText(value, path, "a build command line");
        if (unsafe) return fail(unsafe);
        return value ? ok({ source: value }) : fail({ path, message: "got an empty string; expected a path to a directory, Dockerfile or archive" });
    }
    if (!isMap(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a path string, or a map with source, format and type` });
    }
    if (longForm !== true) {
        return fail({ path, message: `the map form {source, format, type} ${typeof longForm === "string" ? longForm : "is not allowed here"}; write the path as a string` });
    }
    const problems: Problem[] = [...unknownKeys(value, ROOTFS_KEYS, path)];
    const source = parseText(value.source, joinPath(path, "source"), "a path to a directory, Dockerfile or archive");
    problems.push(...source.problems);
    const unsafeSource = source.value === undefined ? undefined : checkSafeText(source.value, joinPath(path, "source"), "a build command line");
    if (unsafeSource) problems.push(unsafeSource);
    const rootfs: Rootfs = { source: source.value ?? "" };
    if (value.format !== undefined) {
        const format = ROOTFS_FORMATS.find((f) => f === value.format);
        if (format) {
            rootfs.format = format;
        } else {
            problems.push({ path: joinPath(path, "format"), message: `got ${describeValue(value.format)}; expected ${oneOf(ROOTFS_FORMATS)}` });
        }
    }
    if (value.type !== undefined) {
        const type = parseText(value.type, joinPath(path, "type"));
        problems.push(...type.problems);
        const unsafe = type.value === undefined ? undefined : checkSafeText(type.value, joinPath(path, "type"), "a build command line");
        if (unsafe) problems.push(unsafe);
        rootfs.type = type.value;
    }
    return problems.length ? fail(...problems) : ok(rootfs);
}

const VOLUME_KEYS = ["source", "destination", "driver", "mode", "readonly"];

/**
 * Reads `volumes`: a list of `source:destination` strings (a string without ":" mounts at "/", as
 * kraftkit:unikraft/volume TransformFromSchema reads it) or `{source, destination, driver,
 * readonly, mode}` maps.
 */
export function parseVolumes(value: unknown, path: string): Parsed<Volume[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a list of volumes such as "./fs0:/"` });
    }
    const problems: Problem[] = [];
    const volumes: Volume[] = [];
    value.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        if (typeof entry === "string") {
            const unsafe = checkSafeText(entry, at, "a run command line");
            if (unsafe) {
                problems.push(unsafe);
                return;
            }
            const parts = entry.split(":");
            if (parts.length > 2 || !parts[0] || (parts.length === 2 && !parts[1].startsWith("/"))) {
                problems.push({
                    path: at,
                    message: `got "${entry}"; kraft reads a volume string as "source:/destination" (or "source", mounted at "/")` +
                        `${parts.length > 2 ? `: for ${JSON.stringify(parts.slice(2).join(":"))} use the map form {source, destination, readonly: true}` : ""}`,
                });
                return;
            }
            volumes.push({ source: parts[0], destination: parts.length === 2 ? parts[1] : "/" });
            return;
        }
        if (!isMap(entry)) {
            problems.push({ path: at, message: `got ${describeValue(entry)}; expected "source:/destination" or a map with source and destination` });
            return;
        }
        const before = problems.length;
        problems.push(...unknownKeys(entry, VOLUME_KEYS, at));
        const destination = parseText(entry.destination, joinPath(at, "destination"), "an absolute mount point such as \"/data\"");
        problems.push(...destination.problems);
        if (destination.value !== undefined && !destination.value.startsWith("/")) {
            problems.push({ path: joinPath(at, "destination"), message: `got "${destination.value}"; expected an absolute mount point such as "/data"` });
        }
        const volume: Volume = { destination: destination.value ?? "" };
        if (destination.value !== undefined) {
            const unsafe = checkSafeText(destination.value, joinPath(at, "destination"), "a run command line");
            if (unsafe) problems.push(unsafe);
        }
        for (const key of ["source", "driver"] as const) {
            if (entry[key] !== undefined) {
                const text = parseText(entry[key], joinPath(at, key));
                problems.push(...text.problems);
                const unsafe = text.value === undefined ? undefined : checkSafeText(text.value, joinPath(at, key), "a run command line");
                if (unsafe) problems.push(unsafe);
                volume[key] = text.value;
            }
        }
        if (entry.readonly !== undefined) {
            if (typeof entry.readonly === "boolean") {
                volume.readonly = entry.readonly;
            } else {
                problems.push({ path: joinPath(at, "readonly"), message: `got ${describeValue(entry.readonly)}; expected true or false` });
            }
        }
        if (entry.mode !== undefined && entry.mode !== null) {
            const mode = parseText(entry.mode, joinPath(at, "mode"), "an access mode such as \"ro\"");
            problems.push(...mode.problems);
            if (mode.value !== undefined) volume.mode = mode.value;
        }
        if (problems.length === before) {
            volumes.push(volume);
        }
    });
    return problems.length ? fail(...problems) : ok(volumes);
}

/**
 * Checks what no single field can: every target distinct, library names unique, something to
 * build. Returns problems; an empty list means the application is consistent.
 */
export function validateApplication(app: Application, path = ""): Problem[] {
    const problems: Problem[] = [];
    if (app.targets.length === 0 && !app.runtime) {
        problems.push({ path: joinPath(path, "targets"), message: "is empty; declare at least one target such as \"qemu/x86_64\", or a runtime" });
    }
    const seenTargets = new Map<string, number>();
    app.targets.forEach((target, i) => {
        const key = `${targetId(target)}${target.name ? `:${target.name}` : ""}`;
        const first = seenTargets.get(key);
        if (first !== undefined) {
            problems.push({ path: joinPath(joinPath(path, "targets"), i), message: `repeats targets[${first}] ("${key}"); remove one or give them different names` });
        } else {
            seenTargets.set(key, i);
        }
    });
    const seenLibraries = new Map<string, number>();
    app.libraries.forEach((library, i) => {
        const first = seenLibraries.get(library.name);
        if (first !== undefined) {
            problems.push({ path: joinPath(joinPath(path, "libraries"), i), message: `library "${library.name}" is listed twice (also at libraries[${first}]); keep one` });
        } else {
            seenLibraries.set(library.name, i);
        }
    });
    return problems;
}

/**
 * Checks that an application fits an engine: Kconfig and Unikraft versions mean nothing to ops
 * (Nanos is one prebuilt kernel; its `libraries` are klibs, by name only), and kraft needs targets
 * or a runtime.
 */
export function validateApplicationForEngine(app: Application, engine: EngineName, path = ""): Problem[] {
    switch (engine) {
        case "ops": {
            const problems: Problem[] = [];
            if (!isEmptyKConfig(app.kconfig)) {
                problems.push({ path: joinPath(path, "kconfig"), message: "is set, but the ops engine builds Nanos, which has no Kconfig; remove it or use engine \"kraft\"" });
            }
            if (app.unikraft) {
                problems.push({ path: joinPath(path, "unikraft"), message: "is set, but the ops engine builds Nanos, not Unikraft; remove it or use engine \"kraft\"" });
            }
            app.libraries.forEach((library, i) => {
                if (library.version || library.source || library.kconfig) {
                    problems.push({
                        path: joinPath(joinPath(path, "libraries"), i),
                        message: `library "${library.name}" has a version, source or kconfig; for the ops engine libraries are Nanos klibs, named only`,
                    });
                }
            });
            return problems;
        }
        case "kraft":
            return validateApplication(app, path);
        case "make":
        case "prebuilt":
            // The Makefile or the kernel file decides what is built; targets only describe it.
            return [];
        default: {
            const unreachable: never = engine;
            return [{ path, message: `unknown engine ${String(unreachable)}` }];
        }
    }
}

const APPLICATION_KEYS = [
    "name", "unikraft", "runtime", "template", "libraries", "targets", "cmd", "env",
    "rootfs", "roms", "volumes", "labels", "kconfig", "memory",
];

/**
 * Reads an application given as typed program input (not a Kraftfile): libraries as a map or a
 * list of `{name, version, source, kconfig}`, targets as strings or maps, `cmd` as a string or a
 * list, `memory` in MiB or as "64M". Returns every problem at once.
 */
export function parseApplication(value: unknown, path = ""): Parsed<Application> {
    if (!isMap(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected an application map with name, libraries and targets` });
    }
    const problems: Problem[] = [...unknownKeys(value, APPLICATION_KEYS, path)];
    const take = <T>(parsed: Parsed<T> | undefined): T | undefined => {
        if (parsed) {
            problems.push(...parsed.problems);
        }
        return parsed?.value;
    };
    const at = (key: string) => joinPath(path, key);
    const has = (key: string) => value[key] !== undefined && value[key] !== null;
    const app: Application = {
        name: take(parseApplicationName(value.name, at("name"))) ?? "",
        libraries: has("libraries") ? take(parseLibraryList(value.libraries, at("libraries"))) ?? [] : [],
        targets: has("targets") ? take(parseTargets(value.targets, at("targets"))) ?? [] : [],
        cmd: has("cmd") ? take(parseCommand(value.cmd, at("cmd"))) ?? [] : [],
        env: has("env") ? take(parseEnv(value.env, at("env"))) ?? {} : {},
        kconfig: has("kconfig") ? take(parseKConfig(value.kconfig, at("kconfig"))) ?? {} : {},
    };
    if (has("unikraft")) {
        app.unikraft = take(parseCoreRef(value.unikraft, at("unikraft")));
    }
    if (has("template")) {
        app.template = take(parseCoreRef(value.template, at("template")));
    }
    if (has("runtime")) {
        app.runtime = take(parseText(value.runtime, at("runtime"), "a runtime reference such as \"unikraft.org/base:latest\""));
    }
    if (has("rootfs")) {
        app.rootfs = take(parseRootfs(value.rootfs, at("rootfs"), true));
    }
    if (has("roms")) {
        app.roms = take(parseRoms(value.roms, at("roms"), true));
    }
    if (has("volumes")) {
        app.volumes = take(parseVolumes(value.volumes, at("volumes")));
    }
    if (has("labels")) {
        app.labels = take(parseLabels(value.labels, at("labels")));
    }
    if (has("memory")) {
        app.memory = take(parseMemory(value.memory, at("memory")));
    }
    const all = withConsistency(problems, app, path);
    return all.length ? fail(...all) : ok(app);
}

/**
 * Adds {@link validateApplication}'s cross-field problems to the field problems, leaving out those
 * about a field that already has a problem of its own (a `targets` list that failed to parse is
 * empty, but "is empty" would only mislead).
 */
export function withConsistency(problems: Problem[], app: Application, path = ""): Problem[] {
    const consistency = validateApplication(app, path).filter((c) => !problems.some((p) => p.path === c.path || p.path.startsWith(`${c.path}[`) || p.path.startsWith(`${c.path}.`)));
    return [...problems, ...consistency];
}

/** Reads a list of targets (strings or maps). */
export function parseTargets(value: unknown, path: string): Parsed<Target[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a list of targets such as ["qemu/x86_64"]` });
    }
    const parsed = value.map((entry, i) => parseTarget(entry, `${path}[${i}]`));
    const problems = parsed.flatMap((p) => p.problems);
    return problems.length ? fail(...problems) : ok(parsed.map((p) => p.value as Target));
}

/** Reads a list of ROMs. */
export function parseRoms(value: unknown, path: string, longForm: boolean | string): Parsed<Rootfs[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a list of ROM paths or {source, format, type} maps` });
    }
    const parsed = value.map((entry, i) => parseRootfs(entry, `${path}[${i}]`, longForm));
    const problems = parsed.flatMap((p) => p.problems);
    return problems.length ? fail(...problems) : ok(parsed.map((p) => p.value as Rootfs));
}

/** Reads the core/template reference, whose Kconfig is not allowed here (it is the app's `kconfig`). */
function parseCoreRef(value: unknown, path: string): Parsed<Omit<ComponentRef, "kconfig">> {
    const ref = parseComponentRef(value, path);
    if (ref.value?.kconfig) {
        return fail({ path: joinPath(path, "kconfig"), message: "is not read here; put core Kconfig options in the application's `kconfig`" });
    }
    return ref;
}

/** Reads libraries given as a name-keyed map or as a list of `{name, version, source, kconfig}`. */
function parseLibraryList(value: unknown, path: string): Parsed<Library[]> {
    if (!Array.isArray(value)) {
        return parseLibraries(value, path);
    }
    const problems: Problem[] = [];
    const libraries: Library[] = [];
    value.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        if (!isMap(entry)) {
            problems.push({ path: at, message: `got ${describeValue(entry)}; expected a map with name and optional version, source, kconfig` });
            return;
        }
        const { name, ...rest } = entry as UntypedMap;
        if (typeof name !== "string" || !LIBRARY_NAME.test(name)) {
            problems.push({ path: joinPath(at, "name"), message: `got ${describeValue(name)}; expected a library name such as "musl" (letters, digits, ".", "_", "-")` });
            return;
        }
        const ref = parseComponentRef(rest, at);
        problems.push(...ref.problems);
        if (ref.value) {
            libraries.push({ name, ...ref.value });
        }
    });
    return problems.length ? fail(...problems) : ok(libraries);
}
