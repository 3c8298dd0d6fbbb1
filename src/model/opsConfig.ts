/**
 * NanoVMs ops `config.json`, read exactly as ops decodes it and written from an {@link Application}.
 *
 * ops decodes the file with Go's encoding/json and `DisallowUnknownFields` (nanovms/ops
 * cmd/flags_config.go ConvertJSONToConfig, since nanovms/ops#1011): a key that is not a field of
 * types/config.go is refused ("json: unknown field"), a key in another case is matched to its field
 * case-insensitively (exact match first, then ASCII and simple Unicode folding), a value of the
 * wrong JSON type is refused, and `null` leaves a field as it was. Maps (`Env`, `MapDirs`,
 * `TargetConfig`, `ManifestPassthrough`...) take any key. The table below is types/config.go's field
 * list (Config, RunConfig, ProviderConfig, Tag, CloudVolume, Nic). On top, the fields this package
 * uses are checked for meaning (a memory size, port numbers).
 */
import { Application } from "./application";
import { formatMemory, parseMemory } from "./memory";
import { Parsed, Problem, ValidationError, describeValue, fail, joinPath, ok } from "./problem";
import { UntypedMap, isMap } from "./scalars";

/** One cloud tag. */
export interface OpsTag {
    key: string;
    value: string;
    attribute?: {
        image_label?: boolean;
        instance_label?: boolean;
        instance_network?: boolean;
        instance_metadata?: boolean;
    };
}

/** `RunConfig`: how ops runs the image (the fields this package reads; every other field is kept). */
export interface OpsRunConfig {
    /** Memory for the VM, e.g. `128M`, `2G`. */
    Memory?: string;
    /** TCP ports to expose: `"80"` or a range `"8000-8010"`. */
    Ports?: string[];
    /** UDP ports to expose. */
    UDPPorts?: string[];
    /** vCPUs. */
    CPUs?: number;
    /** Use hardware acceleration (KVM). */
    Accel?: boolean;
    [field: string]: unknown;
}

/** `CloudConfig` (ops's ProviderConfig): where images and instances go. */
export interface OpsCloudConfig {
    Platform?: string;
    ProjectID?: string;
    Zone?: string;
    BucketName?: string;
    ImageName?: string;
    Flavor?: string;
    VPC?: string;
    Subnet?: string;
    SecurityGroup?: string;
    Tags?: OpsTag[];
    [field: string]: unknown;
}

/** The config.json fields this package reads; every other field of types/config.go is kept as it was. */
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
    /** Nanos kernel libraries to include (ntp, tls, cloud_init, ...). Top level only in ops. */
    Klibs?: string[];
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
    [field: string]: unknown;
}

/** What {@link parseOpsConfig} found: the config when valid (keys in ops's own spelling), problems and warnings. */
export type ParsedOpsConfig = Parsed<OpsConfig> & { warnings: Problem[] };

/** A Go field type, as encoding/json decodes into it. */
type GoType =
    | "string"
    | "bool"
    | "int"
    | "strings"
    | "stringMap"
    | "any"
    | { struct: Fields; name: string }
    | { list: Fields; name: string };
type Fields = Readonly<Record<string, GoType>>;

const NIC: Fields = {
    IPAddress: "string",
    IPv6Address: "string",
    NetMask: "string",
    Gateway: "string",
    BridgeName: "string",
};

/** types/config.go RunConfig. */
const RUN_CONFIG: Fields = {
    Accel: "bool",
    AtExit: "string",
    AttachVolumeOnInstanceCreate: "bool",
    Background: "bool",
    Bridged: "bool",
    BridgeIPAddress: "string",
    BridgeName: "string",
    CanIPForward: "bool",
    CPUs: "int",
    Debug: "bool",
    GdbPort: "int",
    GPUs: "int",
    GPUType: "string",
    Gateway: "string",
    ImageName: "string",
    InstanceGroup: "string",
    InstanceName: "string",
    IPAddress: "string",
    IPv6Address: "string",
    JSON: "bool",
    Kernel: "string",
    Memory: "string",
    Mgmt: "string",
    Mounts: "strings",
    NetMask: "string",
    Nics: { list: NIC, name: "Nic" },
    Ports: "strings",
    QMP: "bool",
    ShowDebug: "bool",
    ShowErrors: "bool",
    ShowWarnings: "bool",
    TapName: "string",
    ThreadsPerCore: "int",
    UDPPorts: "strings",
    Verbose: "bool",
    Vga: "bool",
    VolumeSizeInGb: "int",
};

const TAG: Fields = {
    key: "string",
    value: "string",
    attribute: {
        struct: { image_label: "bool", instance_label: "bool", instance_network: "bool", instance_metadata: "bool" },
        name: "TagAttribute",
    },
};

/** types/config.go ProviderConfig (CloudConfig). */
const PROVIDER_CONFIG: Fields = {
    BucketName: "string",
    BucketNamespace: "string",
    ConfidentialVM: "bool",
    DedicatedHostID: "string",
    DomainName: "string",
    EnableIPv6: "bool",
    Flavor: "string",
    ImageName: "string",
    ImageType: "string",
    InstanceProfile: "string",
    KMS: "string",
    Platform: "string",
    ProjectID: "string",
    RootVolume: {
        struct: { name: "string", iops: "int", size: "int", throughput: "int", typeof: "string" },
        name: "CloudVolume",
    },
    SecurityGroup: "string",
    SkipImportVerify: "bool",
    Spot: "bool",
    StaticIP: "string",
    Subnet: "string",
    Tags: { list: TAG, name: "Tag" },
    UserData: "string",
    VPC: "string",
    Zone: "string",
};

/** types/config.go Config: the top level of config.json. */
const CONFIG: Fields = {
    Args: "strings",
    BaseVolumeSz: "string",
    Boot: "string",
    BuildDir: "string",
    CloudConfig: { struct: PROVIDER_CONFIG, name: "ProviderConfig" },
    Debugflags: "strings",
    Description: "string",
    DisableArgsCopy: "bool",
    Dirs: "strings",
    Env: "stringMap",
    Files: "strings",
    Force: "bool",
    home: "string",
    Kernel: "string",
    KlibDir: "string",
    Klibs: "strings",
    Language: "string",
    LocalFilesParentDirectory: "string",
    ManifestPassthrough: "any",
    MapDirs: "stringMap",
    Mounts: "stringMap",
    NameServers: "strings",
    NanosVersion: "string",
    NightlyBuild: "bool",
    NoTrace: "strings",
    PackageBaseURL: "string",
    PackageManifestURL: "string",
    Program: "string",
    ProgramPath: "string",
    RebootOnExit: "bool",
    RunConfig: { struct: RUN_CONFIG, name: "RunConfig" },
    TargetConfig: "stringMap",
    TargetRoot: "string",
    TFSv4: "bool",
    Uefi: "bool",
    UefiBoot: "string",
    Version: "string",
    VolumesDir: "string",
};

/** Fields that older ops versions had, and where they went: said when a file still uses them. */
const MOVED: Readonly<Record<string, string>> = {
    "RunConfig.Klibs": "ops reads Klibs at the top level only: move it out of RunConfig",
    NameServer: 'ops now reads NameServers, a list: write "NameServers": ["..."]',
    "RunConfig.IPAddr": "ops now reads IPAddress",
    "RunConfig.UDP": "ops now reads UDPPorts, a list of ports",
    Runtime: "not an ops field",
};

/** Parses config.json text. Problems carry `file` (JSON errors here give no line). */
export function parseOpsConfig(text: string, file?: string): ParsedOpsConfig {
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        return { ...fail({ path: "", message: `not valid JSON: ${(e as Error).message}`, file }), warnings: [] };
    }
    const parsed = parseOpsConfigValue(doc);
    const withFile = (list: Problem[]) => list.map((p) => ({ ...p, file }));
    return parsed.problems.length
        ? { ...fail(...withFile(parsed.problems)), warnings: withFile(parsed.warnings) }
        : { ...parsed, warnings: withFile(parsed.warnings) };
}

/** Like {@link parseOpsConfig}, but throws a {@link ValidationError}. */
export function readOpsConfig(text: string, file?: string): OpsConfig {
    const parsed = parseOpsConfig(text, file);
    if (parsed.value === undefined) {
        throw new ValidationError(parsed.problems, file ?? "ops config");
    }
    return parsed.value;
}

/** Validates an already-decoded config.json document the way ops decodes it. */
export function parseOpsConfigValue(doc: unknown): ParsedOpsConfig {
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    if (!isMap(doc)) {
        const kind = Array.isArray(doc) ? "a list" : doc === null ? "null" : `a ${typeof doc}`;
        return {
            ...fail({
                path: "",
                message: `the ops config is ${kind}; expected a JSON object such as {"Args": [], "RunConfig": {}}`,
            }),
            warnings,
        };
    }
    const config = decodeStruct(doc, CONFIG, "Config", "", problems, warnings) as OpsConfig;
    checkMeaning(config, problems);
    return problems.length ? { ...fail(...problems), warnings } : { ...ok(config), warnings };
}

/** Decodes an object into a struct's fields: keys matched like Go, types checked, unknown fields refused. */
function decodeStruct(
    value: UntypedMap,
    fields: Fields,
    structName: string,
    path: string,
    problems: Problem[],
    warnings: Problem[],
): UntypedMap {
    const out: UntypedMap = {};
    const names = Object.keys(fields);
    for (const [key, raw] of Object.entries(value)) {
        const field = matchField(key, names);
        // Findings point at the key as the file writes it, so it can be found there.
        const at = joinPath(path, key);
        if (!field) {
            const moved = MOVED[path ? `${path}.${key}` : key];
            problems.push({
                path: joinPath(path, key),
                message: `unknown field "${key}" in ${structName}, which ops refuses ("json: unknown field"); ${moved ?? `expected one of ${names.join(", ")}`}`,
            });
            continue;
        }
        if (field !== key) {
            warnings.push({
                path: joinPath(path, key),
                message: `is read by ops as "${field}" (Go matches JSON keys case-insensitively); write "${field}"`,
            });
        }
        if (raw === null) continue; // null leaves a Go field as it was
        const decoded = decodeValue(raw, fields[field], at, problems, warnings);
        if (decoded !== undefined) out[field] = decoded;
    }
    return out;
}

function decodeValue(raw: unknown, type: GoType, path: string, problems: Problem[], warnings: Problem[]): unknown {
    const wrong = (goType: string) => {
        problems.push({
            path,
            message: `got ${describeValue(raw)}; ops expects ${goType} here ("cannot unmarshal ${jsonKind(raw)} into Go value of type ${goType}")`,
        });
        return undefined;
    };
    if (typeof type === "object") {
        if ("struct" in type) {
            return isMap(raw)
                ? decodeStruct(raw, type.struct, type.name, path, problems, warnings)
                : wrong(`an object (${type.name})`);
        }
        if (!Array.isArray(raw)) return wrong(`a list of ${type.name}`);
        return raw.map((item, i) =>
            isMap(item)
                ? decodeStruct(item, type.list, type.name, `${path}[${i}]`, problems, warnings)
                : wrong(`an object (${type.name})`),
        );
    }
    switch (type) {
        case "string":
            return typeof raw === "string" ? raw : wrong("string");
        case "bool":
            return typeof raw === "boolean" ? raw : wrong("bool");
        case "int":
            return typeof raw === "number" && Number.isSafeInteger(raw) ? raw : wrong("int");
        case "strings":
            if (!Array.isArray(raw)) return wrong("[]string");
            return (raw as unknown[]).flatMap((item, i) => {
                if (typeof item === "string" || item === null) return [item ?? ""];
                problems.push({
                    path: `${path}[${i}]`,
                    message: `got ${describeValue(item)}; ops expects a string here`,
                });
                return [];
            });
        case "stringMap":
            if (!isMap(raw)) return wrong("map[string]string");
            return Object.fromEntries(
                Object.entries(raw).flatMap(([k, v]) => {
                    if (typeof v === "string" || v === null) return [[k, v ?? ""]];
                    const hint =
                        typeof v === "number" || typeof v === "boolean" ? ` (write "${String(v)}" in quotes)` : "";
                    problems.push({
                        path: joinPath(path, k),
                        message: `got ${describeValue(v)}; ops expects a string here${hint}`,
                    });
                    return [];
                }),
            );
        case "any":
            return raw;
        default: {
            const unreachable: never = type;
            throw new Error(`unhandled Go type ${String(unreachable)}`);
        }
    }
}

function jsonKind(value: unknown): string {
    return Array.isArray(value)
        ? "array"
        : value === null
          ? "null"
          : typeof value === "object"
            ? "object"
            : typeof value;
}

/**
 * The field a JSON key decodes into, as Go's encoding/json picks it: the exact name first, else
 * the first field equal under case folding (ASCII letters, plus the Kelvin sign for K and the long
 * s for S, which fold to them).
 */
export function matchField(key: string, names: readonly string[]): string | undefined {
    if (names.includes(key)) return key;
    const folded = foldName(key);
    return names.find((name) => foldName(name) === folded);
}

function foldName(name: string): string {
    return name
        .replace(/\u212a/g, "K")
        .replace(/\u017f/g, "S")
        .toUpperCase();
}

/** The fields this package uses, checked for what they mean (ops itself would fail later, at build or run). */
function checkMeaning(config: OpsConfig, problems: Problem[]): void {
    const run = config.RunConfig;
    if (run?.Memory !== undefined) problems.push(...parseMemory(run.Memory, "RunConfig.Memory").problems);
    for (const key of ["Ports", "UDPPorts"] as const) {
        (run?.[key] ?? []).forEach((text, i) => {
            const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
            const lo = m ? Number(m[1]) : 0;
            const hi = m && m[2] ? Number(m[2]) : lo;
            if (!m || lo < 1 || hi > 65535 || hi < lo) {
                problems.push({
                    path: `RunConfig.${key}[${i}]`,
                    message: `got ${describeValue(text)}; expected a port from 1 to 65535 or a range "low-high"`,
                });
            }
        });
    }
    if (run?.CPUs !== undefined && run.CPUs < 1)
        problems.push({ path: "RunConfig.CPUs", message: `got ${run.CPUs}; expected a whole number above 0` });
    if (config.BaseVolumeSz !== undefined && !/^\d+[kmgKMG]?$/.test(config.BaseVolumeSz)) {
        problems.push({
            path: "BaseVolumeSz",
            message: `got ${describeValue(config.BaseVolumeSz)}; expected a size such as "100m" or "1g"`,
        });
    }
    (config.CloudConfig?.Tags ?? []).forEach((tag, i) => {
        if (!tag.key)
            problems.push({
                path: `CloudConfig.Tags[${i}]`,
                message: 'has no key; expected {"key": "<non-empty>", "value": "<string>"}',
            });
    });
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
 * libraries are Nanos klibs (by name, at the top level, where ops reads them); a rootfs directory
 * is mapped to `/` in the image.
 */
export function opsConfigFromApplication(app: Application, options: OpsConfigOptions = {}): OpsConfig {
    const config: OpsConfig = {};
    if (app.cmd.length) {
        config.Program = app.cmd[0];
        config.Args = app.cmd.slice(1);
    }
    if (Object.keys(app.env).length) config.Env = { ...app.env };
    if (app.rootfs) config.MapDirs = { [app.rootfs.source]: "/" };
    if (app.libraries.length) config.Klibs = app.libraries.map((l) => l.name);
    if (options.nanosVersion) config.NanosVersion = options.nanosVersion;
    if (options.uefi) config.Uefi = true;
    const run: OpsRunConfig = {};
    if (app.memory !== undefined) run.Memory = formatMemory(app.memory);
    if (options.ports?.length) run.Ports = options.ports.map(String);
    if (Object.keys(run).length) config.RunConfig = run;
    if (options.cloud && Object.keys(options.cloud).length) config.CloudConfig = { ...options.cloud };
    return config;
}

/** Reads an application back from an ops config (the inverse of {@link opsConfigFromApplication}). */
export function applicationFromOpsConfig(config: OpsConfig, name: string): Parsed<Application> {
    const problems: Problem[] = [];
    const app: Application = {
        name,
        libraries: (config.Klibs ?? []).map((klib) => ({ name: klib })),
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
    const order = [
        "Program",
        "Args",
        "Env",
        "Dirs",
        "Files",
        "MapDirs",
        "Klibs",
        "NanosVersion",
        "BaseVolumeSz",
        "Uefi",
        "RunConfig",
        "CloudConfig",
    ];
    const sorted = Object.fromEntries(
        Object.entries(config)
            .filter(([, v]) => v !== undefined)
            .sort(([a], [b]) => rank(order, a) - rank(order, b) || a.localeCompare(b)),
    );
    return `${JSON.stringify(sorted, null, 2)}\n`;
}

function rank(order: readonly string[], key: string): number {
    const i = order.indexOf(key);
    return i < 0 ? order.length : i;
}
