/** `unikernel build`: an application to an artifact (a kernel or a disk) in the cache. */
import { Application, EngineName, KernelFamily, Target, targetId } from "../model";
import type { Artifact } from "../engines/engine";
import { parseResult } from "./command";

/** What a component asks `build` for. */
export interface BuildCommand {
    dir: string;
    engine: EngineName;
    target: Target;
    family: KernelFamily;
    /** The application as program input, instead of the directory's project file. */
    application?: Application;
    make?: { kernel: string; goal?: string; variables?: Record<string, string> };
    prebuilt?: { kernel?: string; initrd?: string; disk?: string };
    allowOutsideDirectory?: boolean;
    /** A build cache in an OCI registry: `<registry>/<repository>`. */
    registry?: string;
    registryInsecure?: boolean;
    registryPullOnly?: boolean;
}

/** The argv of `unikernel build`, ending in `--json`. */
export function buildArgv(c: BuildCommand): string[] {
    return [
        "build",
        c.dir,
        "--engine",
        c.engine,
        "--target",
        targetId(c.target),
        "--family",
        c.family,
        ...(c.application ? ["--application-json", JSON.stringify(c.application)] : []),
        ...(c.make
            ? [
                  "--kernel-path",
                  c.make.kernel,
                  ...(c.make.goal ? ["--goal", c.make.goal] : []),
                  ...Object.entries(c.make.variables ?? {}).flatMap(([k, v]) => ["--make-var", `${k}=${v}`]),
              ]
            : []),
        ...(c.prebuilt?.kernel ? ["--kernel", c.prebuilt.kernel] : []),
        ...(c.prebuilt?.initrd ? ["--initrd", c.prebuilt.initrd] : []),
        ...(c.prebuilt?.disk ? ["--disk", c.prebuilt.disk] : []),
        ...(c.allowOutsideDirectory ? ["--allow-outside"] : []),
        ...(c.registry ? ["--registry", c.registry] : []),
        ...(c.registry && c.registryInsecure ? ["--registry-insecure"] : []),
        ...(c.registry && c.registryPullOnly ? ["--registry-pull-only"] : []),
        "--json",
    ];
}

/** The argv of `unikernel fetch`: a build made elsewhere, by its package's digest; prints what `build --json` does. */
export function fetchArgv(reference: string, insecure: boolean): string[] {
    return ["fetch", reference, ...(insecure ? ["--insecure"] : []), "--json"];
}

/** What `build --json` prints and a component reads (the CLI prints the whole {@link Artifact}). */
export type BuildResult = Pick<
    Artifact,
    "path" | "sha256" | "sizeBytes" | "kernel" | "initrd" | "disk" | "cmdline" | "package" | "provenance"
> &
    Partial<Pick<Artifact, "engineVersion">>;

/** Parses `build --json` output. */
export function parseBuildResult(stdout: string): BuildResult {
    return parseResult<BuildResult>("build", stdout, {
        path: "string",
        sha256: "string",
        sizeBytes: "number",
        kernel: "string?",
        initrd: "string?",
        disk: "string?",
        cmdline: "string",
        package: "string?",
        provenance: "object?",
        engineVersion: "string?",
    });
}
