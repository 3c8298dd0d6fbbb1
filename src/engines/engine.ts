/**
 * The engine interface. An engine turns a resolved build into a declarative plan (files to write,
 * commands to run, where outputs appear, what decides the output); the build runner executes the
 * plan, hashes it and caches the artifact. Keeping plans pure is what makes argv tests, content
 * hashes and "a second build does no work" possible without running the tools.
 */
import type { Provenance } from "./provenance";
import type { RemoteCache } from "./remoteCache";
import { Application, EngineName, KernelFamily, Problem, Target, UnikernelError } from "../model";
import { ToolRequirement } from "../internal/toolCheck";

/** Options of the make engine. */
export interface MakeOptions {
    /** Path of the kernel the Makefile produces, relative to the application directory. */
    kernel: string;
    /** Path of an initrd the Makefile produces, if any. */
    initrd?: string;
    /** Make target to build (default: the Makefile's default goal). */
    goal?: string;
    /** Variables passed as `NAME=value` arguments. */
    variables?: Record<string, string>;
    /** Parallel jobs (`-j`). */
    jobs?: number;
}

/** Options of the prebuilt engine: a kernel (and initrd), or a finished disk image. */
export interface PrebuiltOptions {
    kernel?: string;
    initrd?: string;
    disk?: string;
}

/** Options of the kraft engine. */
export interface KraftOptions {
    jobs?: number;
    noCache?: boolean;
}

/** Options of the ops engine. */
export interface OpsOptions {
    nanosVersion?: string;
    uefi?: boolean;
    ports?: number[];
}

/** What to build. */
export interface BuildRequest {
    engine: EngineName;
    /** The application directory: where the engine runs and whose files decide the digest. */
    dir: string;
    /** The application, when given as program input; otherwise read from the directory. */
    application?: Application;
    /** Which target to build; default: the application's first. */
    target?: Target;
    /** What kind of kernel the artifact is; default from the engine. */
    kernelFamily?: KernelFamily;
    make?: MakeOptions;
    prebuilt?: PrebuiltOptions;
    kraft?: KraftOptions;
    ops?: OpsOptions;
    /**
     * Allow the rootfs, ROMs, make outputs and symbolic links to reach outside `dir`; what they
     * resolve to is then hashed too. Default: refused, with the path that leaves.
     */
    allowOutsideDirectory?: boolean;
    /**
     * A registry repository that caches builds (./remoteCache.ts): on a local miss the build is
     * pulled from there when it has it, and what is built here is pushed there.
     */
    registry?: RemoteCache;
}

/** A build request with everything decided. */
export interface ResolvedBuild {
    request: BuildRequest;
    /** Absolute application directory. */
    dir: string;
    application: Application;
    target: Target;
    kernelFamily: KernelFamily;
    /** The project file the application came from, if any (relative to dir). */
    projectFile?: string;
    /** The name as the Kraftfile wrote it, when kraft's normalization changed it. */
    writtenName?: string;
    /** What the project file loads with but deviates on (reported, not fatal). */
    warnings: Problem[];
}

/** One command of a plan. `cwd` is relative to the application directory. */
export interface PlanStep {
    command: string;
    args: string[];
    env?: Record<string, string>;
}

/** What an engine will do, as data. Paths are relative to the application directory unless absolute. */
export interface EnginePlan {
    /** The tool to check before running; none for prebuilt. */
    tool?: ToolRequirement;
    /** Files to write before running (rendered Kraftfile, ops config), path -> content. */
    files: Record<string, string>;
    /** Commands, run in order in the application directory. */
    steps: PlanStep[];
    /** Where results appear: the first existing candidate of each wins. */
    outputs: { kernel?: string[]; initrd?: string[]; disk?: string[] };
    /** Directory entries left out of the content hash (build outputs, caches). */
    ignore: string[];
    /** Files hashed by content instead of the directory tree (prebuilt inputs). Absolute or relative. */
    hashFiles?: string[];
    /** Hash the application directory tree. False for prebuilt, whose inputs are its files. */
    hashTree: boolean;
    /** Other settings that decide the output. */
    settings: Record<string, unknown>;
}

/** An engine. */
export interface Engine {
    readonly name: EngineName;
    plan(build: ResolvedBuild): EnginePlan;
}

/** The result of a build, kept in the artifact cache. */
export interface Artifact {
    /** Content hash of every input: the cache key, and the trigger for later steps. */
    digest: string;
    engine: EngineName;
    engineVersion: string;
    name: string;
    target: Target;
    kernelFamily: KernelFamily;
    kind: "kernel" | "disk";
    /** The primary output: the kernel, or the disk. */
    path: string;
    kernel?: string;
    initrd?: string;
    disk?: string;
    sha256: string;
    sizeBytes: number;
    /** Kernel command line derived from the application's cmd and env. */
    cmdline: string;
    /** SHA-256 of each stored file, checked before the cached artifact is reused. */
    files: Partial<Record<"kernel" | "initrd" | "disk", string>>;
    /** True when the artifact came from the cache and no engine ran. */
    cached: boolean;
    /** Its package in each registry repository (`registry/repository` -> reference) it was pushed to or pulled from. */
    packages?: Record<string, string>;
    /** The package reference (`registry/repository@sha256:...`) in the request's registry, when it has one. */
    package?: string;
    /** True when the artifact was pulled from the registry in this run (no engine ran here). */
    pulled?: boolean;
    /** Where the build came from: source revision, build time, tool version (absent in records of older versions). */
    provenance?: Provenance;
}

/** A build input problem found before any tool runs. */
export class BuildInputError extends UnikernelError {
    constructor(message: string) {
        super(message);
    }
}
