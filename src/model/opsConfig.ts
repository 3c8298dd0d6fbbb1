/**
 * NanoVMs ops `config.json`: the subset that matters for building images and running instances,
 * read with the same validation as Kraftfiles and written from an {@link Application}.
 *
 * Field names and types follow nanovms/ops types/config.go (Config, RunConfig, ProviderConfig).
 * ops decodes with Go's encoding/json, which silently drops misspelled keys; here a misspelled key
 * is a problem, because a dropped `Env` or `Ports` is a deployment that quietly does not work.
 */
import { Application, formatMemory, parseMemory } from "./application";
import { Parsed, Problem, ValidationError, describeValue, fail, joinPath, ok } from "./problem";
import { UntypedMap, isMap, parseText, parseTextList } from "./scalars";

/** One cloud tag. */
export interface OpsTag {
    key: string;
    value: string;
}

/** `RunConfig`: how ops runs the image. */
export interface OpsRunConfig {
    /** Memory for the VM, e.g. `128M`, `2G`. */
    Memory?: string;
    /** TCP ports to expose: `"80"` or a range `"8000-8010"`. */
    Ports?: string[];
    /** UDP ports to expose. */
    UDPPorts?: string[];
    /** vCPUs. */
    CPUs?: number;
    /** Nanos kernel libraries to include (ntp, tls, cloud_init, ...). */
    Klibs?: string[];
    /** Use hardware acceleration (KVM). */
    Accel?: boolean;
}

/** `CloudConfig`: where images and instances go. */
export interface OpsCloudConfig {
    /** Cloud: aws, gcp, azure, onprem, ... */
    Platform?: string;
    /** GCP project. */
    ProjectID?: string;
    /** Zone or region. */
    Zone?: string;
    /** Bucket for image uploads. */
    BucketName?: string;
    /** Image name. */
    ImageName?: string;
    /** Instance type / machine type. */
    Flavor?: string;
    /** VPC to place instances in. */
    VPC?: string;
    /** Subnet to place instances in. */
    Subnet?: string;
    /** Security group for instances. */
    SecurityGroup?: string;
    /** Tags/labels for images and instances. */
    Tags?: OpsTag[];
}

/** The config.json subset this package reads and writes. */
export interface OpsConfig {
    /** Program to run (the ELF inside the image). */
    Program?: string;
    /** Arguments after the program name. */
    Args?: string[];
    /** Environment variables. */
    Env?: Record<string, string>;
    /** Host directories copied into the image. */
    Dirs?: string[];
    /** Host files copied into the image. */
    Files?: string[];
    /** Host directory -> image path. */
    MapDirs?: Record<string, string>;
    /** Nanos version to build with. */
    NanosVersion?: string;
    /** Base volume size, e.g. `100m`, `1g`. */
    BaseVolumeSz?: string;
    /** Build a UEFI-bootable image (needed on arm64 and UEFI-only instance types). */
    Uefi?: boolean;
    /** Run configuration. */
    RunConfig?: OpsRunConfig;
    /** Cloud configuration. */
    CloudConfig?: OpsCloudConfig;
}

type FieldKind = "string" | "strings" | "map" | "bool" | "int" | "memory" | "ports" | "tags" | "size";

/** The typed subset, and how each field is checked. */
const CONFIG_FIELDS: Readonly<Record<string, FieldKind>> = {
    Program: "string", Args: "strings", Env: "map", Dirs: "strings", Files: "strings", MapDirs: "map",
    NanosVersion: "string", BaseVolumeSz: "size", Uefi: "bool", Klibs: "strings",
};
const RUN_FIELDS: Readonly<Record<string, FieldKind>> = {
    Memory: "memory", Ports: "ports", UDPPorts: "ports", CPUs: "int", Klibs: "strings", Accel: "bool",
};
const CLOUD_FIELDS: Readonly<Record<string, FieldKind>> = {
    Platform: "string", ProjectID: "string", Zone: "string", BucketName: "string", ImageName: "string",
    Flavor: "string", VPC: "string", Subnet: "string", SecurityGroup: "string", Tags: "tags",
};
/**
 * Other keys ops knows (types/config.go). They are accepted and passed through unchecked, so a
 * full ops config is not rejected for fields this package does not use.
 */
const PASS_THROUGH_FIELDS: readonly string[] = [
    "DisableArgsCopy", "Boot", "UefiBoot", "BuildDir", "Debugflags", "Force", "Kernel", "Mounts",
    "NameServer", "NightlyBuild", "NoTrace", "ManifestPassthrough", "ProgramPath", "RebootOnExit",
    "LocalFilesParentDirectory", "TargetRoot", "Version", "Language", "Runtime", "Description",
    "VolumesDir", "PackageBaseURL", "PackageManifestURL",
];

/** Parses config.json text. Problems carry `file` (JSON has no line numbers in its errors here). */
export function parseOpsConfig(text: string, file?: string): Parsed<OpsConfig & UntypedMap> {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        return fail({ path: "", message: `not valid JSON: ${(e as Error).message}`, file });
    }
    const parsed = parseOpsConfigValue(doc);
    return parsed.problems.length ? fail(...parsed.problems.map((p) => ({ ...p, file }))) : parsed;
}

/** Like {@link parseOpsConfig}, but throws a {@link ValidationError}. */
export function readOpsConfig(text: string, file?: string): OpsConfig {
    const parsed = parseOpsConfig(text, file);
    if (parsed.value === undefined) {
        throw new ValidationError(parsed.problems, file ?? "ops config");
    }
    return parsed.value;
}

/** Validates an already-decoded config.json document. */
export function parseOpsConfigValue(doc: unknown): Parsed<OpsConfig & UntypedMap> {
    if (!isMap(doc)) {
        return fail({ path: "", message: `the ops config is ${describeValue(doc)}; expected a JSON object such as {"Args": [], "RunConfig": {}}` });
    }
    const problems: Problem[] = [];
    const out: UntypedMap = {};
    for (const [key, value] of Object.entries(doc)) {
        if (key === "RunConfig" || key === "CloudConfig") {
            const fields = key === "RunConfig" ? RUN_FIELDS : CLOUD_FIELDS;
            if (!isMap(value)) {
                problems.push({ path: key, message: `got ${describeValue(value)}; expected an object` });
                continue;
            }
            const section: UntypedMap = {};
            for (const [sub, subValue] of Object.entries(value)) {
                const kind = Object.prototype.hasOwnProperty.call(fields, sub) ? fields[sub] : undefined;
                if (kind === undefined) {
                    // Sections carry many more ops fields; accept capitalized ones unchecked.
                    if (/^[A-Z][A-Za-z0-9]*$/.test(sub)) {
                        section[sub] = subValue;
                    } else {
                        problems.push({ path: joinPath(key, sub), message: `unknown key "${sub}"; ops keys are capitalized, e.g. ${Object.keys(fields).join(", ")}` });
                    }
                    continue;
                }
                checkField(subValue, kind, joinPath(key, sub), problems, (v) => (section[sub] = v));
            }
            out[key] = section;
            continue;
        }
        const kind = Object.prototype.hasOwnProperty.call(CONFIG_FIELDS, key) ? CONFIG_FIELDS[key] : undefined;
        if (kind) {
            checkField(value, kind, joinPath("", key), problems, (v) => (out[key] = v));
        } else if (PASS_THROUGH_FIELDS.includes(key)) {
            out[key] = value;
        } else {
            problems.push({
                path: joinPath("", key),
                message: `unknown key "${key}"; expected one of ${[...Object.keys(CONFIG_FIELDS), "RunConfig", "CloudConfig"].join(", ")} (or another ops config field)`,
            });
        }
    }
    return problems.length ? fail(...problems) : ok(out as OpsConfig & UntypedMap);
}

/** Options for {@link opsConfigFromApplication}: what a config needs that an application does not say. */
export interface OpsConfigOptions {
    /** TCP ports the service exposes. */
    ports?: number[];
    /** Build a UEFI image. */
    uefi?: boolean;
    /** Cloud settings. */
    cloud?: OpsCloudConfig;
    /** Nanos version. */
    nanosVersion?: string;
}

/**
 * Writes the ops config for an application. `cmd[0]` is the program and the rest its `Args`;
 * libraries are Nanos klibs (by name); a rootfs directory is mapped to `/` in the image.
 */
export function opsConfigFromApplication(app: Application, options: OpsConfigOptions = {}): OpsConfig {
    const config: OpsConfig = {};
    if (app.cmd.length) {
        config.Program = app.cmd[0];
        config.Args = app.cmd.slice(1);
    }
    if (Object.keys(app.env).length) config.Env = { ...app.env };
    if (app.rootfs) config.MapDirs = { [app.rootfs.source]: "/" };
    if (options.nanosVersion) config.NanosVersion = options.nanosVersion;
    if (options.uefi) config.Uefi = true;
    const run: OpsRunConfig = {};
    if (app.memory !== undefined) run.Memory = formatMemory(app.memory);
    if (options.ports?.length) run.Ports = options.ports.map(String);
    // types/config.go keeps Klibs in RunConfig; older ops docs show it at the top level, which
    // parseOpsConfig also accepts.
    if (app.libraries.length) run.Klibs = app.libraries.map((l) => l.name);
    if (Object.keys(run).length) config.RunConfig = run;
    if (options.cloud && Object.keys(options.cloud).length) config.CloudConfig = { ...options.cloud };
    return config;
}

/** Reads an application back from an ops config (the inverse of {@link opsConfigFromApplication}). */
export function applicationFromOpsConfig(config: OpsConfig & { Klibs?: string[] }, name: string): Parsed<Application> {
    const problems: Problem[] = [];
    const app: Application = {
        name,
        libraries: [...(config.Klibs ?? []), ...(config.RunConfig?.Klibs ?? [])].map((klib) => ({ name: klib })),
        targets: [{ platform: "qemu", architecture: "x86_64" }],
        cmd: config.Program ? [config.Program, ...(config.Args ?? [])] : [...(config.Args ?? [])],
        env: { ...(config.Env ?? {}) },
        kconfig: {},
    };
    const rootDir = Object.entries(config.MapDirs ?? {}).find(([, target]) => target === "/");
    if (rootDir) app.rootfs = { source: rootDir[0] };
    if (config.RunConfig?.Memory !== undefined) {
        const memory = parseMemory(config.RunConfig.Memory, "RunConfig.Memory");
        problems.push(...memory.problems);
        app.memory = memory.value;
    }
    return problems.length ? fail(...problems) : ok(app);
}

/** Writes config.json text: two-space JSON in ops's own field order, ending in a newline. */
export function emitOpsConfig(config: OpsConfig): string {
    const order = ["Program", "Args", "Env", "Dirs", "Files", "MapDirs", "NanosVersion", "BaseVolumeSz", "Uefi", "RunConfig", "CloudConfig"];
    const sorted = Object.fromEntries(Object.entries(config)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => rank(order, a) - rank(order, b) || a.localeCompare(b)));
    return `${JSON.stringify(sorted, null, 2)}\n`;
}

function rank(order: readonly string[], key: string): number {
    const i = order.indexOf(key);
    return i < 0 ? order.length : i;
}

/** Checks one field against its kind and stores the normalized value. */
function checkField(value: unknown, kind: FieldKind, path: string, problems: Problem[], store: (v: unknown) => void): void {
    const take = <T>(parsed: Parsed<T>) => {
        problems.push(...parsed.problems);
        if (parsed.value !== undefined) store(parsed.value);
    };
    switch (kind) {
        case "string":
            return take(parseText(value, path));
        case "strings":
            return take(parseTextList(value, path));
        case "bool":
            return typeof value === "boolean" ? store(value) : void problems.push({ path, message: `got ${describeValue(value)}; expected true or false` });
        case "int":
            return Number.isInteger(value) && (value as number) > 0
                ? store(value)
                : void problems.push({ path, message: `got ${describeValue(value)}; expected a whole number above 0` });
        case "map":
            return take(parseStringMap(value, path));
        case "memory": {
            const memory = parseMemory(value, path);
            problems.push(...memory.problems);
            if (memory.value !== undefined) store(value);
            return;
        }
        case "size":
            return typeof value === "string" && /^\d+[kmgKMG]?$/.test(value)
                ? store(value)
                : void problems.push({ path, message: `got ${describeValue(value)}; expected a size such as "100m" or "1g"` });
        case "ports":
            return take(parsePorts(value, path));
        case "tags":
            return take(parseTags(value, path));
        default: {
            const unreachable: never = kind;
            throw new Error(`unhandled field kind ${String(unreachable)}`);
        }
    }
}

function parseStringMap(value: unknown, path: string): Parsed<Record<string, string>> {
    if (!isMap(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected an object of strings` });
    }
    const problems: Problem[] = [];
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(value)) {
        const text = typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : undefined;
        if (text === undefined) {
            problems.push({ path: joinPath(path, key), message: `got ${describeValue(v)}; expected a string` });
        } else {
            out[key] = text;
        }
    }
    return problems.length ? fail(...problems) : ok(out);
}

/** Reads ports: numbers or strings, single (`"80"`) or ranges (`"8000-8010"`), each 1..65535. */
function parsePorts(value: unknown, path: string): Parsed<string[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a list of ports such as ["80", "8000-8010"]` });
    }
    const problems: Problem[] = [];
    const ports = value.map((entry, i) => {
        const text = typeof entry === "number" ? String(entry) : typeof entry === "string" ? entry : "";
        const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
        const lo = m ? Number(m[1]) : 0;
        const hi = m && m[2] ? Number(m[2]) : lo;
        if (!m || lo < 1 || hi > 65535 || hi < lo) {
            problems.push({ path: `${path}[${i}]`, message: `got ${describeValue(entry)}; expected a port from 1 to 65535 or a range "low-high"` });
        }
        return text;
    });
    return problems.length ? fail(...problems) : ok(ports);
}

function parseTags(value: unknown, path: string): Parsed<OpsTag[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a list of {"key": ..., "value": ...}` });
    }
    const problems: Problem[] = [];
    const tags: OpsTag[] = [];
    value.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        if (!isMap(entry) || typeof entry.key !== "string" || !entry.key || typeof entry.value !== "string") {
            problems.push({ path: at, message: `got ${describeValue(entry)}; expected {"key": "<non-empty>", "value": "<string>"}` });
            return;
        }
        tags.push({ key: entry.key, value: entry.value });
    });
    return problems.length ? fail(...problems) : ok(tags);
}
