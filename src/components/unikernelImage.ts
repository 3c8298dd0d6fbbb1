import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import {
    Application,
    BootMode,
    DiskFormat,
    EngineName,
    KernelFamily,
    MachineArchitecture,
    Problem,
    Target,
    assessDisk,
    checkSafeText,
    formatProblem,
    isMachineArchitecture,
    joinPath,
    parseApplication,
    parseDiskFormat,
    parseEngine,
    parseKernelFamily,
    parseOciReference,
    parseTarget,
    resolveBootMode,
} from "../model";
import { planBuild } from "../engines/build";
import { planPackage } from "../engines/fetchPackage";
import { BuildRequest } from "../engines/engine";
import { detectEngine } from "../engines/detect";
import { MAKE_GOAL, MAKE_VARIABLE_NAME, RESERVED_MAKE_VARIABLES } from "../engines/make";
import { cacheRoot } from "../internal/cacheDir";
import { sha256 } from "../internal/hashing";
import { safeFileName } from "../internal/naming";
import { parseBuildResult, buildArgv, fetchArgv } from "../contract/build";
import { unikernelCommand } from "../contract/command";
import { convertArgv, formatExtension, parseConvertResult } from "../contract/convert";
import { DiskCommandResult, diskArgv, parseDiskResult } from "../contract/disk";
import { checkedArgs, requirePlain } from "./inputErrors";
import { ResolvedSyscallCheck, createSyscallCheck, validateSyscallCheck } from "./syscallCheck";
import { ApplicationArgs, SyscallReport } from "./types";
import { UnikernelImageArgs } from "./unikernelImageArgs";

export { UnikernelImageArgs };

/**
 * Builds a unikernel with its own engine and turns it into a bootable disk. Each step is a
 * `local.Command` that runs the package's `unikernel` CLI with the step's content hash as its
 * trigger: a preview builds nothing, and an unchanged program rebuilds nothing.
 *
 * @example
 * ```ts
 * const image = new UnikernelImage("hello", {
 *     directory: "./hello-kernel",
 *     engine: Engine.Make,
 *     makeKernelPath: "build/hello.elf",
 *     kernelFamily: KernelFamily.Bare,
 * });
 * export const disk = image.diskPath;
 * ```
 */
export class UnikernelImage extends pulumi.ComponentResource {
    /** Content hash of every build input (known at preview). */
    public readonly digest: pulumi.Output<string>;
    /** The engine that built it. */
    public readonly engine: pulumi.Output<string>;
    /** The engine's version, as the build found it (`none` for prebuilt files). */
    public readonly engineVersion: pulumi.Output<string | undefined>;
    /** Kernel family. */
    public readonly kernelFamily: pulumi.Output<string>;
    /** Unikraft platform of the built target. */
    public readonly platform: pulumi.Output<string>;
    /** Architecture of the built target. */
    public readonly architecture: pulumi.Output<string>;
    /** Firmware the disk boots with. */
    public readonly bootMode: pulumi.Output<string>;
    /** The engine's output (kernel or disk) in the artifact cache. */
    public readonly artifactPath: pulumi.Output<string>;
    /** SHA-256 of the artifact. */
    public readonly artifactSha256: pulumi.Output<string>;
    /** The kernel, when the engine made one. */
    public readonly kernelPath: pulumi.Output<string | undefined>;
    /** The kernel command line on the disk. */
    public readonly cmdline: pulumi.Output<string>;
    /** The bootable raw disk. */
    public readonly diskPath: pulumi.Output<string>;
    /** SHA-256 of the raw disk. */
    public readonly diskSha256: pulumi.Output<string>;
    /**
     * SHA-256 of what the disk is made from (the build digest, boot mode, size and cmdline): the
     * same on every machine and stack, where `diskSha256` is not (FAT timestamps). Give it to
     * AwsImage/GcpImage `diskDigest` for `reuseFrom`. Known at preview.
     */
    public readonly diskDigest: pulumi.Output<string>;
    /** Size of the raw disk in bytes. */
    public readonly diskSizeBytes: pulumi.Output<number>;
    /** Paths of the extra formats, by format name. */
    public readonly formatPaths: pulumi.Output<Record<string, string>>;
    /**
     * The build's package in `registry` (`<registry>/<repository>@sha256:<manifest digest>`), pushed or
     * pulled by this build; undefined without a registry. Promote by this reference.
     */
    public readonly package: pulumi.Output<string | undefined>;
    /** The git commit of `directory` the artifact was built from, when it is a git checkout. */
    public readonly sourceRevision: pulumi.Output<string | undefined>;
    /** True when that checkout had uncommitted changes when it was built. */
    public readonly sourceDirty: pulumi.Output<boolean | undefined>;
    /** When the engine ran (ISO 8601, UTC); for a build pulled from `registry`, when it ran there. */
    public readonly builtAt: pulumi.Output<string | undefined>;
    /**
     * With `syscallCheck`: its answer for this image's kernel family (coverage, missing and stubbed
     * calls, verdict, the table's version and source); undefined without it.
     */
    public readonly syscallReport: pulumi.Output<SyscallReport | undefined>;

    /**
     * @param name The component name; children are named `${name}-build`, `${name}-disk`, `${name}-<format>`.
     * @param args The application, engine, target and disk settings.
     * @param opts Resource options.
     */
    constructor(name: string, args: UnikernelImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:UnikernelImage", name, {}, opts);
        const structure = imageStructure(args);
        requirePlain(args, ["syscallCheck"], "it decides whether the check step exists");
        const resolved = checkedArgs("UnikernelImage", args, validateImageArgs);
        const planned = resolved.apply(async (r): Promise<PlannedImage> => {
            if (r.fromPackage !== undefined) return planFromPackage(r);
            const request = toBuildRequest(r, structure.engine!);
            const { digest, build } = await planBuild(request);
            // The project file loads, but deviates somewhere: said on this component, at preview.
            for (const warning of build.warnings) await pulumi.log.warn(formatProblem(warning), this);
            return {
                ...r,
                digest,
                engine: request.engine,
                target: build.target,
                family: build.kernelFamily,
                makesDisk: structure.makesDisk === true,
                buildArgv: buildArgv({
                    dir: request.dir,
                    engine: request.engine,
                    target: build.target,
                    family: build.kernelFamily,
                    application: r.application,
                    make: request.make,
                    prebuilt: request.prebuilt,
                    allowOutsideDirectory: request.allowOutsideDirectory,
                    registry: r.registry,
                    registryInsecure: r.registryInsecure,
                    registryPullOnly: r.registryPullOnly,
                }),
                // A new registry reruns the build step, which pushes there (or pulls from there).
                buildTriggers: r.registry ? [digest, r.registry] : [digest],
            };
        });
        const children = createImageSteps(name, planned, structure, this);
        // The check gates every output something could deploy from.
        const check = args.syscallCheck ? createSyscallCheck(name, planned, children.artifact, this) : undefined;
        const gated = <T>(output: pulumi.Output<T>): pulumi.Output<T> =>
            check ? (pulumi.all([check.gate, output]).apply(([, value]) => value) as pulumi.Output<T>) : output;
        this.syscallReport = check ? check.report : pulumi.output(undefined);

        this.digest = planned.digest;
        this.engine = planned.engine;
        this.kernelFamily = planned.family;
        this.platform = planned.target.platform;
        this.architecture = planned.target.architecture;
        this.bootMode = planned.boot;
        this.artifactPath = gated(children.artifact.path);
        this.artifactSha256 = children.artifact.sha256;
        this.kernelPath = gated(children.artifact.apply((a) => a.kernel));
        this.cmdline = children.cmdline;
        this.diskPath = gated(children.disk.path);
        this.diskSha256 = children.disk.sha256;
        this.diskDigest = children.diskDigest;
        this.diskSizeBytes = children.disk.sizeBytes;
        this.formatPaths = gated(children.formatPaths);
        this.package = gated(children.artifact.apply((a) => a.package));
        this.engineVersion = children.artifact.apply((a) => a.engineVersion);
        this.sourceRevision = children.artifact.apply((a) => a.provenance?.revision);
        this.sourceDirty = children.artifact.apply((a) => a.provenance?.dirty);
        this.builtAt = children.artifact.apply((a) => a.provenance?.builtAt);
        this.registerOutputs({
            package: this.package,
            digest: this.digest,
            artifactPath: this.artifactPath,
            diskPath: this.diskPath,
            diskSha256: this.diskSha256,
            diskDigest: this.diskDigest,
            formatPaths: this.formatPaths,
        });
    }
}

/** Validated, defaulted image inputs. @internal */
export interface ResolvedImageArgs {
    /** The application directory; "" with `fromPackage`. */
    directory: string;
    fromPackage?: string;
    engine?: EngineName;
    application?: Application;
    target?: Target;
    kernelFamily?: KernelFamily;
    make?: { kernel: string; goal?: string; variables: Record<string, string> };
    prebuilt?: { kernel?: string; initrd?: string; disk?: string };
    boot: BootMode;
    diskSizeGiB?: number;
    cmdline?: string;
    formats: DiskFormat[];
    allowOutsideDirectory: boolean;
    registry?: string;
    registryInsecure: boolean;
    registryPullOnly: boolean;
    syscallCheck?: ResolvedSyscallCheck;
}

/** Checks the inputs and applies defaults; returns every problem at once. @internal */
export function validateImageArgs(args: pulumi.Unwrap<UnikernelImageArgs>): {
    value?: ResolvedImageArgs;
    problems: Problem[];
} {
    const problems: Problem[] = [];
    if (args.fromPackage !== undefined) {
        problems.push(...checkFromPackage(args));
    } else if (typeof args.directory !== "string" || !args.directory) {
        problems.push({
            path: "directory",
            message: `got ${JSON.stringify(args.directory)}; expected the application directory (or \`fromPackage\`, a build made elsewhere)`,
        });
    }
    for (const [key, where] of [
        ["directory", "the build command"],
        ["makeKernelPath", "the build command"],
        ["makeGoal", "a make command line"],
        ["prebuiltKernel", "the build command"],
        ["prebuiltInitrd", "the build command"],
        ["prebuiltDisk", "the build command"],
        ["cmdline", "a kernel command line"],
        ["registry", "the build command"],
    ] as const) {
        const value = args[key];
        const problem = typeof value === "string" ? checkSafeText(value, key, where) : undefined;
        if (problem) problems.push(problem);
    }
    if (typeof args.registry === "string" && !problems.some((p) => p.path === "registry")) {
        const parsed = parseOciReference(args.registry, "repository");
        if (typeof parsed === "string") {
            problems.push({ path: "registry", message: `got ${JSON.stringify(args.registry)}, which ${parsed}` });
        }
    } else if (args.registry !== undefined && typeof args.registry !== "string") {
        problems.push({
            path: "registry",
            message: `got ${JSON.stringify(args.registry)}; expected <registry>/<repository>`,
        });
    }
    if (
        (args.registryInsecure || args.registryPullOnly) &&
        args.registry === undefined &&
        args.fromPackage === undefined
    ) {
        problems.push({
            path: "registry",
            message: "missing; `registryInsecure` and `registryPullOnly` go with a registry, <registry>/<repository>",
        });
    }
    if (args.makeGoal !== undefined && !problems.some((p) => p.path === "makeGoal") && !MAKE_GOAL.test(args.makeGoal)) {
        problems.push({
            path: "makeGoal",
            message: `got ${JSON.stringify(args.makeGoal)}; expected a make target name, without a leading "-", spaces, "=" or "$"`,
        });
    }
    for (const [name, value] of Object.entries(args.makeVariables ?? {})) {
        const at = joinPath("makeVariables", name);
        if (!MAKE_VARIABLE_NAME.test(name)) {
            problems.push({
                path: at,
                message: `${JSON.stringify(name)} is not a make variable name; expected letters, digits and "_", not starting with a digit`,
            });
        } else if (RESERVED_MAKE_VARIABLES.has(name)) {
            problems.push({
                path: at,
                message: `${name} changes how make runs or which files it reads (from outside the directory); it cannot be set here`,
            });
        } else {
            const unsafe = checkSafeText(String(value), at, "a make command line");
            if (unsafe) problems.push(unsafe);
        }
    }
    if (args.engine !== undefined) {
        problems.push(...parseEngine(args.engine, "engine").problems);
    }
    const prebuiltSet = [args.prebuiltKernel, args.prebuiltInitrd, args.prebuiltDisk].some((v) => v !== undefined);
    const makeSet = [args.makeKernelPath, args.makeGoal, args.makeVariables].some((v) => v !== undefined);
    if (args.prebuiltKernel !== undefined && args.prebuiltDisk !== undefined) {
        problems.push({
            path: "prebuiltDisk",
            message:
                "`prebuiltKernel` and `prebuiltDisk` are both set; keep the kernel to get a disk made for it, or the disk to use it as it is",
        });
    }
    if (args.prebuiltInitrd !== undefined && args.prebuiltKernel === undefined) {
        problems.push({
            path: "prebuiltInitrd",
            message: "is set without `prebuiltKernel`; an initrd goes with a kernel",
        });
    }
    if (prebuiltSet && args.engine !== undefined && args.engine !== "prebuilt") {
        problems.push({
            path: "engine",
            message: `is "${args.engine}", but prebuilt files are given; use engine "prebuilt" or remove the prebuilt inputs`,
        });
    }
    if (makeSet && args.engine !== undefined && args.engine !== "make") {
        problems.push({
            path: "engine",
            message: `is "${args.engine}", but make inputs are given; use engine "make" or remove the make inputs`,
        });
    }
    if (args.engine === "make" && !args.makeKernelPath && args.fromPackage === undefined) {
        problems.push({
            path: "makeKernelPath",
            message:
                'missing; the make engine needs the path of the kernel the Makefile produces, e.g. "build/kernel.elf"',
        });
    }
    if (args.engine === "prebuilt" && !args.prebuiltKernel && !args.prebuiltDisk && args.fromPackage === undefined) {
        problems.push({
            path: "prebuiltKernel",
            message: "missing; the prebuilt engine needs `prebuiltKernel` or `prebuiltDisk`",
        });
    }
    const application = args.application === undefined ? undefined : toModelApplication(args.application, problems);
    let target: Target | undefined;
    if (args.target !== undefined) {
        const parsed = parseTarget(args.target, "target");
        problems.push(...parsed.problems);
        target = parsed.value;
    }
    const familyCheck = parseKernelFamily(
        args.kernelFamily ?? (args.engine === "ops" ? "nanos" : "unikraft"),
        "kernelFamily",
    );
    problems.push(...familyCheck.problems);
    const architecture = target?.architecture ?? application?.targets[0]?.architecture ?? "x86_64";
    // A 32-bit arm target is built, never booted here: its disk gets x86_64's default.
    const bootCheck = resolveBootMode(isMachineArchitecture(architecture) ? architecture : "x86_64", args.bootMode);
    problems.push(...bootCheck.problems);
    const boot: BootMode = bootCheck.value ?? "bios";
    const bootProblem = problems.some((p) => p.path === "bootMode");
    const platform = target?.platform ?? application?.targets[0]?.platform ?? "qemu";
    const family = familyCheck.value;
    if (
        !bootProblem &&
        args.fromPackage === undefined &&
        !args.prebuiltDisk &&
        args.engine !== "ops" &&
        family &&
        isMachineArchitecture(architecture)
    ) {
        const answer = assessDisk({ family, platform, architecture }, boot);
        if (!answer.bootable) {
            problems.push({
                path: "bootMode",
                message: `${answer.reasons.join("; ")}${answer.alternatives.length ? `; instead: ${answer.alternatives.join(", or ")}` : ""}`,
            });
        }
    }
    if (
        args.diskSizeGiB !== undefined &&
        (!Number.isInteger(args.diskSizeGiB) || args.diskSizeGiB < 1 || args.diskSizeGiB > 2048)
    ) {
        problems.push({
            path: "diskSizeGiB",
            message: `got ${args.diskSizeGiB}; expected a whole number of GiB from 1 to 2048 (2 TiB, the largest disk made)`,
        });
    }
    const syscallCheck = validateSyscallCheck(args.syscallCheck, problems);
    const formats: DiskFormat[] = [];
    (args.formats ?? []).forEach((f, i) => {
        const parsed = parseDiskFormat(f, `formats[${i}]`);
        problems.push(...parsed.problems);
        if (parsed.value) formats.push(parsed.value);
    });
    if (problems.length) {
        return { problems };
    }
    return {
        problems: [],
        value: {
            directory: args.directory ?? "",
            fromPackage: args.fromPackage,
            engine: args.engine,
            application,
            target,
            kernelFamily: args.kernelFamily,
            make: args.makeKernelPath
                ? { kernel: args.makeKernelPath, goal: args.makeGoal, variables: { ...(args.makeVariables ?? {}) } }
                : undefined,
            prebuilt: prebuiltSet
                ? { kernel: args.prebuiltKernel, initrd: args.prebuiltInitrd, disk: args.prebuiltDisk }
                : undefined,
            boot,
            diskSizeGiB: args.diskSizeGiB,
            cmdline: args.cmdline,
            formats: [...new Set(formats)],
            allowOutsideDirectory: Boolean(args.allowOutsideDirectory),
            registry: args.registry,
            registryInsecure: Boolean(args.registryInsecure),
            registryPullOnly: Boolean(args.registryPullOnly),
            syscallCheck,
        },
    };
}

/** Inputs that build, and so have no meaning for a build taken from a package. */
const BUILD_INPUTS = [
    "directory",
    "engine",
    "application",
    "target",
    "kernelFamily",
    "makeKernelPath",
    "makeGoal",
    "makeVariables",
    "prebuiltKernel",
    "prebuiltInitrd",
    "prebuiltDisk",
    "allowOutsideDirectory",
    "registry",
    "registryPullOnly",
    "syscallCheck",
] as const;

/** `fromPackage`: a package reference by digest, with no build input beside it. */
function checkFromPackage(args: pulumi.Unwrap<UnikernelImageArgs>): Problem[] {
    const problems: Problem[] = [];
    const value = args.fromPackage;
    const unsafe = typeof value === "string" ? checkSafeText(value, "fromPackage", "the fetch command") : undefined;
    if (unsafe) problems.push(unsafe);
    else {
        const parsed = typeof value === "string" ? parseOciReference(value, "pull") : "is not text";
        if (typeof parsed === "string") {
            problems.push({
                path: "fromPackage",
                message: `got ${JSON.stringify(value)}, which ${parsed}; expected <registry>/<repository>@sha256:<digest>`,
            });
        }
    }
    for (const key of BUILD_INPUTS) {
        if (args[key] !== undefined) {
            problems.push({
                path: key,
                message:
                    "is set beside `fromPackage`; a package is a finished build (it says its engine, target, family and cmdline): remove one of them",
            });
        }
    }
    return problems;
}

/** Maps the schema-friendly application input onto the model, collecting problems under `application`. */
function toModelApplication(input: pulumi.Unwrap<ApplicationArgs>, problems: Problem[]): Application | undefined {
    const { unikraftVersion, memoryMiB, rootfs, ...rest } = input as ApplicationArgs & Record<string, unknown>;
    const parsed = parseApplication(
        {
            ...rest,
            ...(unikraftVersion !== undefined ? { unikraft: { version: unikraftVersion } } : {}),
            ...(memoryMiB !== undefined ? { memory: memoryMiB } : {}),
            ...(rootfs !== undefined ? { rootfs } : {}),
        },
        "application",
    );
    // parseApplication names `unikraft` and `memory`; point users at the input names they wrote.
    problems.push(
        ...parsed.problems.map((p) => ({
            ...p,
            path: p.path
                .replace(/^application\.unikraft(\.version)?/, "application.unikraftVersion")
                .replace(/^application\.memory/, "application.memoryMiB"),
        })),
    );
    return parsed.value;
}

interface ImageStructure {
    engine?: EngineName;
    makesDisk: boolean | "from-package";
    formats: DiskFormat[];
}

/**
 * What decides which children exist: the engine (does it make a kernel that needs a disk?) and the
 * formats. They must be known when the program runs, so they are read from plain inputs here; the
 * engine is detected from the directory when not given.
 */
function imageStructure(args: UnikernelImageArgs): ImageStructure {
    const plain = requirePlain(args, ["engine", "prebuiltDisk", "formats"]);
    // A package says itself whether it is a kernel (a disk is made) or a disk, once it is read.
    if (args.fromPackage !== undefined)
        return { makesDisk: "from-package", formats: [...new Set(plain.formats ?? [])] };
    const prebuilt = [args.prebuiltKernel, plain.prebuiltDisk].some((v) => v !== undefined);
    let engine: EngineName | undefined = plain.engine;
    // No directory: the input check says so, with every other problem.
    if (!engine && args.directory !== undefined) {
        const { directory } = requirePlain(
            args,
            ["directory"],
            "the engine is detected from the directory when `engine` is not set",
        );
        try {
            engine = detectEngine(directory!, prebuilt);
        } catch (error) {
            throw new pulumi.InputPropertyError({ propertyPath: "engine", reason: `${(error as Error).message}` });
        }
    }
    const formats: DiskFormat[] = [...new Set(plain.formats ?? [])];
    return { engine, makesDisk: !(plain.prebuiltDisk !== undefined || engine === "ops"), formats };
}

function toBuildRequest(r: ResolvedImageArgs, engine: EngineName): BuildRequest {
    return {
        engine,
        dir: path.resolve(r.directory),
        application: r.application,
        target: r.target,
        kernelFamily: r.kernelFamily,
        make: r.make,
        prebuilt: r.prebuilt,
        allowOutsideDirectory: r.allowOutsideDirectory,
    };
}

/** What the build step will be, known when the program runs. @internal */
export type PlannedImage = ResolvedImageArgs & {
    digest: string;
    engine: EngineName;
    target: Target;
    family: KernelFamily;
    /** Whether a disk is made from the artifact (a kernel), or the artifact is the disk. */
    makesDisk: boolean;
    buildArgv: string[];
    buildTriggers: string[];
};

/**
 * A build taken from a package: what the package says it is (read from its manifest, or from the
 * cache when fetched before), and a disk check for it as for a build's inputs. @internal
 */
export async function planFromPackage(r: ResolvedImageArgs): Promise<PlannedImage> {
    const reference = parseOciReference(r.fromPackage!, "pull");
    if (typeof reference === "string") throw new Error(reference); // checked with the inputs
    const plan = await planPackage(reference, r.registryInsecure);
    if (plan.kind === "disk" && (r.cmdline !== undefined || r.diskSizeGiB !== undefined)) {
        throw new pulumi.InputPropertyError({
            propertyPath: r.cmdline !== undefined ? "cmdline" : "diskSizeGiB",
            reason: `${plan.reference} is a finished disk: its command line and size are its own; remove \`cmdline\` and \`diskSizeGiB\``,
        });
    }
    if (plan.kind === "kernel" && isMachineArchitecture(plan.target.architecture)) {
        const answer = assessDisk(
            { family: plan.kernelFamily, platform: plan.target.platform, architecture: plan.target.architecture },
            r.boot,
        );
        if (!answer.bootable) {
            throw new pulumi.InputPropertyError({
                propertyPath: "bootMode",
                reason: `${plan.reference} is a ${plan.kernelFamily} kernel for ${plan.target.platform}/${plan.target.architecture}: ${answer.reasons.join("; ")}`,
            });
        }
    }
    return {
        ...r,
        digest: plan.digest,
        engine: plan.engine,
        target: plan.target,
        family: plan.kernelFamily,
        makesDisk: plan.kind === "kernel",
        buildArgv: fetchArgv(plan.reference, r.registryInsecure),
        buildTriggers: [plan.digest, plan.reference],
    };
}

/** The build (or fetch), disk and format steps. */
function createImageSteps(
    name: string,
    planned: pulumi.Output<PlannedImage>,
    structure: ImageStructure,
    parent: pulumi.Resource,
) {
    const build = new command.local.Command(
        `${name}-build`,
        { create: planned.apply((p) => unikernelCommand(p.buildArgv)), triggers: planned.buildTriggers },
        { parent },
    );
    const artifact = build.stdout.apply(parseBuildResult);
    const cmdline = pulumi.all([planned, artifact]).apply(([p, a]) => p.cmdline ?? a.cmdline ?? "");
    const diskKey = pulumi
        .all([planned, cmdline])
        .apply(([p, c]) => sha256(JSON.stringify([p.digest, p.boot, p.diskSizeGiB ?? null, c])).slice(0, 16));
    // What the disk is made from, from planned values only (the build digest covers the default
    // cmdline), so it is known at preview, before any step runs: an image component finds another
    // stack's image of this very disk with it.
    const diskDigest = planned.apply((p) =>
        sha256(
            JSON.stringify(
                p.makesDisk ? ["disk", p.digest, p.boot, p.diskSizeGiB ?? null, p.cmdline ?? null] : ["disk", p.digest],
            ),
        ),
    );
    const makeDisk = () =>
        new command.local.Command(
            `${name}-disk`,
            {
                create: pulumi.all([planned, artifact, cmdline, diskKey]).apply(([p, a, c, key]) =>
                    unikernelCommand(
                        diskArgv({
                            kernel: a.kernel ?? a.path,
                            initrd: a.initrd,
                            cmdline: c,
                            boot: p.boot,
                            architecture: machineArchitecture(p.target),
                            sizeGiB: p.diskSizeGiB,
                            target: p.target,
                            family: p.family,
                            out: path.join(cacheRoot(), "disks", `${safeFileName(name)}-${key}.img`),
                        }),
                    ),
                ),
                triggers: [diskKey],
            },
            { parent },
        ).stdout.apply(parseDiskResult);
    const asDisk = () => artifact.apply((a) => ({ path: a.disk!, sha256: a.sha256, sizeBytes: a.sizeBytes }));
    let disk: pulumi.Output<DiskCommandResult>;
    if (structure.makesDisk === "from-package") {
        // Which it is the package said when it was read; both are known when the program runs.
        disk = planned.makesDisk.apply((makes) => (makes ? makeDisk() : asDisk()));
    } else {
        disk = structure.makesDisk ? makeDisk() : asDisk();
    }
    const formatPaths: Record<string, pulumi.Output<string>> = {};
    for (const format of structure.formats) {
        const convert = new command.local.Command(
            `${name}-${format}`,
            {
                create: pulumi.all([disk.path, diskKey]).apply(([d, key]) =>
                    unikernelCommand(
                        convertArgv({
                            disk: d,
                            format,
                            out: path.join(
                                cacheRoot(),
                                "images",
                                `${safeFileName(name)}-${key}.${formatExtension(format)}`,
                            ),
                        }),
                    ),
                ),
                triggers: [diskKey, format],
            },
            { parent },
        );
        formatPaths[format] = convert.stdout.apply((s) => parseConvertResult(s).path);
    }
    return {
        artifact,
        cmdline,
        disk,
        diskDigest,
        formatPaths: pulumi.output(formatPaths) as pulumi.Output<Record<string, string>>,
    };
}

/** The architecture a disk is made for: a target's, where it boots here (arm targets are built, never booted). */
function machineArchitecture(target: Target): MachineArchitecture {
    return isMachineArchitecture(target.architecture) ? target.architecture : "x86_64";
}
