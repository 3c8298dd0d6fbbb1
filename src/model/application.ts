/**
 * The application: the unikernel spec, as in Unikraft (name, libraries, targets, command, env,
 * rootfs, Kconfig, memory). Engines, disks and components all start from this one type.
 */
import { parse as parseShellWords } from "shell-quote";
import { EngineName } from "./engine";
import { KConfig, isEmptyKConfig, parseKConfig } from "./kconfig";
import { ComponentRef, Library, parseComponentRef, parseLibraryList } from "./library";
import { parseListOrDict } from "./listOrDict";
import { Parsed, Problem, describeValue, fail, joinPath, ok } from "./problem";
import { checkSafeText } from "./safeText";
import { isMap, parseText, unknownKeys } from "./scalars";
import { parseMemory } from "./memory";
import { Rootfs, parseRoms, parseRootfs } from "./rootfs";
import { Target, parseTargets, targetId } from "./target";
import { Volume, parseVolumes } from "./volume";

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
        const problems = value.flatMap((word, i) =>
            typeof word === "string"
                ? [checkSafeText(word, `${path}[${i}]`, COMMAND_LINE)].filter((p): p is Problem => Boolean(p))
                : [{ path: `${path}[${i}]`, message: `got ${describeValue(word)}; expected a string` }],
        );
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
            return fail({
                path,
                message: `got "${value}": shell syntax "${op}" has no shell to run it in a unikernel; write the arguments as a list`,
            });
        }
        out.push(word);
    }
    // Blanks between words only separate them (as go-shellwords reads them); inside a quoted word
    // a tab or a line break would reach the kernel command line.
    const unsafe = out
        .map((word, i) => checkSafeText(word, `${path}[${i}]`, COMMAND_LINE))
        .filter((p): p is Problem => Boolean(p));
    return unsafe.length ? fail(...unsafe) : ok(out);
}

const COMMAND_LINE = "a kernel command line";

/** Reads `env`: a map or a list of `NAME=VALUE`. */
export function parseEnv(value: unknown, path: string, warnings?: Problem[]): Parsed<Record<string, string>> {
    return parseListOrDict(
        value,
        path,
        {
            keyPattern: /^[A-Za-z_][A-Za-z0-9_]*$/,
            keyHint: "an environment variable name such as APP_PORT",
            valueText: (v) => (v === null ? "" : String(v)),
            destination: "a kernel command line (env.vars) or an ops config",
        },
        warnings,
    );
}

/** Reads `labels`: a map of string to string. */
export function parseLabels(value: unknown, path: string): Parsed<Record<string, string>> {
    return parseListOrDict(value, path, {
        keyPattern: /^[A-Za-z0-9][A-Za-z0-9._/-]*$/,
        keyHint: "a label key such as org.example/team",
        valueText: (v) => (v === null ? "" : String(v)),
        destination: "image tags and labels",
    });
}

/**
 * Checks what no single field can: every target distinct, library names unique, something to
 * build. Returns problems; an empty list means the application is consistent.
 */
export function validateApplication(app: Application, path = ""): Problem[] {
    const problems: Problem[] = [];
    if (app.targets.length === 0 && !app.runtime) {
        problems.push({
            path: joinPath(path, "targets"),
            message: 'is empty; declare at least one target such as "qemu/x86_64", or a runtime',
        });
    }
    const seenTargets = new Map<string, number>();
    app.targets.forEach((target, i) => {
        const key = `${targetId(target)}${target.name ? `:${target.name}` : ""}`;
        const first = seenTargets.get(key);
        if (first !== undefined) {
            problems.push({
                path: joinPath(joinPath(path, "targets"), i),
                message: `repeats targets[${first}] ("${key}"); remove one or give them different names`,
            });
        } else {
            seenTargets.set(key, i);
        }
    });
    const seenLibraries = new Map<string, number>();
    app.libraries.forEach((library, i) => {
        const first = seenLibraries.get(library.name);
        if (first !== undefined) {
            problems.push({
                path: joinPath(joinPath(path, "libraries"), i),
                message: `library "${library.name}" is listed twice (also at libraries[${first}]); keep one`,
            });
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
                problems.push({
                    path: joinPath(path, "kconfig"),
                    message:
                        'is set, but the ops engine builds Nanos, which has no Kconfig; remove it or use engine "kraft"',
                });
            }
            if (app.unikraft) {
                problems.push({
                    path: joinPath(path, "unikraft"),
                    message: 'is set, but the ops engine builds Nanos, not Unikraft; remove it or use engine "kraft"',
                });
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
    "name",
    "unikraft",
    "runtime",
    "template",
    "libraries",
    "targets",
    "cmd",
    "env",
    "rootfs",
    "roms",
    "volumes",
    "labels",
    "kconfig",
    "memory",
];

/**
 * Reads an application given as typed program input (not a Kraftfile): libraries as a map or a
 * list of `{name, version, source, kconfig}`, targets as strings or maps, `cmd` as a string or a
 * list, `memory` in MiB or as "64M". Returns every problem at once.
 */
export function parseApplication(value: unknown, path = ""): Parsed<Application> {
    if (!isMap(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected an application map with name, libraries and targets`,
        });
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
        libraries: has("libraries") ? (take(parseLibraryList(value.libraries, at("libraries"))) ?? []) : [],
        targets: has("targets") ? (take(parseTargets(value.targets, at("targets"))) ?? []) : [],
        cmd: has("cmd") ? (take(parseCommand(value.cmd, at("cmd"))) ?? []) : [],
        env: has("env") ? (take(parseEnv(value.env, at("env"))) ?? {}) : {},
        kconfig: has("kconfig") ? (take(parseKConfig(value.kconfig, at("kconfig"))) ?? {}) : {},
    };
    if (has("unikraft")) {
        app.unikraft = take(parseCoreRef(value.unikraft, at("unikraft")));
    }
    if (has("template")) {
        app.template = take(parseCoreRef(value.template, at("template")));
    }
    if (has("runtime")) {
        app.runtime = take(
            parseText(value.runtime, at("runtime"), 'a runtime reference such as "unikraft.org/base:latest"'),
        );
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
    const consistency = validateApplication(app, path).filter(
        (c) =>
            !problems.some(
                (p) => p.path === c.path || p.path.startsWith(`${c.path}[`) || p.path.startsWith(`${c.path}.`),
            ),
    );
    return [...problems, ...consistency];
}

/** Reads the core/template reference, whose Kconfig is not allowed here (it is the app's `kconfig`). */
function parseCoreRef(value: unknown, path: string): Parsed<Omit<ComponentRef, "kconfig">> {
    const ref = parseComponentRef(value, path);
    if (ref.value?.kconfig) {
        return fail({
            path: joinPath(path, "kconfig"),
            message: "is not read here; put core Kconfig options in the application's `kconfig`",
        });
    }
    return ref;
}
