/** `unikernel build`: an application to an artifact (kernel or disk) in the cache; unchanged inputs reuse it. */
import { Command, InvalidArgumentError, Option } from "commander";
import * as path from "path";
import {
    ENGINES,
    EngineName,
    KERNEL_FAMILIES,
    KernelFamily,
    OciReference,
    Target,
    UsageError,
    formatProblem,
    parseApplication,
    parseOciReference,
    targetId,
} from "../../model";
import { BuildResult } from "../../contract/build";
import type { BuildRequest } from "../../engines/engine";
import { MAKE_GOAL, MAKE_VARIABLE_NAME, RESERVED_MAKE_VARIABLES } from "../../engines/make";
import { parseKeyValue, parseTargetOption, parseWholeNumber, safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

interface BuildCliOptions {
    engine?: EngineName;
    target?: Target;
    family?: KernelFamily;
    kernelPath?: string;
    initrdPath?: string;
    goal?: string;
    makeVar?: string[];
    jobs?: number;
    cache: boolean;
    kernel?: string;
    initrd?: string;
    disk?: string;
    applicationJson?: string;
    allowOutside?: boolean;
    registry?: OciReference;
    registryInsecure?: boolean;
    registryPullOnly?: boolean;
    json?: boolean;
}

/** `--registry`: a repository, without tag or digest (builds are tagged by their digest). */
function parseRegistryOption(value: string): OciReference {
    const parsed = parseOciReference(safeText(value), "repository");
    if (typeof parsed === "string") throw new InvalidArgumentError(parsed);
    return parsed;
}

/** Registers `build`. */
export const registerBuildCommand: CommandRegistration = (program: Command, io, setExit) => {
    program
        .command("build")
        .description(
            "Build an application into an artifact (kernel or disk); unchanged inputs reuse the cached artifact.",
        )
        .argument("[dir]", "the application directory", ".")
        .addOption(
            new Option(
                "--engine <engine>",
                "engine; default: kraft for a Kraftfile, ops for config.json, make for a Makefile",
            ).choices([...ENGINES]),
        )
        .option(
            "--target <plat/arch>",
            "target to build, e.g. qemu/x86_64; default: the application's first",
            parseTargetOption,
        )
        .addOption(
            new Option("--family <family>", "what kind of kernel it is; default from the engine").choices([
                ...KERNEL_FAMILIES,
            ]),
        )
        .option("--kernel-path <file>", "make: the kernel the Makefile produces, relative to dir", safeText)
        .option("--initrd-path <file>", "make: an initrd the Makefile produces", safeText)
        .option("--goal <target>", "make: the make target to build", parseGoal)
        .option(
            "--make-var <NAME=value>",
            "make: a variable passed to make, literally (repeatable)",
            (value: string, previous: string[] = []) => [...previous, parseMakeVariable(value)],
        )
        .option("--jobs <n>", "parallel jobs (kraft, make), 1-1024", (v) => parseWholeNumber(v, 1, 1024))
        .option("--no-cache", "kraft: build from scratch (--no-cache)")
        .option(
            "--application-json <json>",
            "the application as JSON (what a component passes), instead of the directory's project file",
        )
        .option("--kernel <file>", "prebuilt: the kernel file", safeText)
        .option("--initrd <file>", "prebuilt: the initrd for the kernel", safeText)
        .option("--disk <file>", "prebuilt: a finished disk image", safeText)
        .option(
            "--allow-outside",
            "let the rootfs, make outputs and symbolic links reach outside dir (what they resolve to is hashed too)",
        )
        .option(
            "--registry <registry/repository>",
            "a build cache in an OCI registry: pull the build from there on a local miss, push what is built",
            parseRegistryOption,
        )
        .option("--registry-insecure", "plain HTTP and no certificate check for --registry (a registry on loopback)")
        .option(
            "--registry-pull-only",
            "look builds up in --registry but never push (a pull request's build: unreviewed code must not fill the cache)",
        )
        .option("--json", "print one JSON object")
        .action(async (dir: string, options: BuildCliOptions) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { buildArtifact } = await import("../../engines/build");
                    const request = await buildRequestOf(dir, options);
                    const artifact = await buildArtifact(request, (text) => io.err(text));
                    const result: BuildResult = artifact; // the contract a component reads, and more
                    printResult(
                        io,
                        Boolean(options.json),
                        result,
                        `${artifact.path}\n  ${artifact.kind} ${artifact.name} ${targetId(artifact.target)}, ${artifact.sizeBytes} bytes, sha256 ${artifact.sha256}` +
                            `\n  digest ${artifact.digest}${artifact.pulled ? " (pulled: no engine ran)" : artifact.cached ? " (cached: no engine ran)" : ""}` +
                            (artifact.package ? `\n  package ${artifact.package}` : ""),
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};

async function buildRequestOf(dir: string, options: BuildCliOptions): Promise<BuildRequest> {
    // Where --kernel-path points is a rule on the value (a symbolic link out is checked later, on disk).
    if (options.kernelPath !== undefined && !options.allowOutside) {
        const climbs = path.normalize(options.kernelPath).split(path.sep)[0] === "..";
        if (path.isAbsolute(options.kernelPath) || climbs) {
            throw new UsageError(
                `--kernel-path ${JSON.stringify(options.kernelPath)} ${path.isAbsolute(options.kernelPath) ? "is an absolute path" : "climbs out of the application directory"}; ` +
                    "give it relative to the directory, or pass --allow-outside (UnikernelImage: `allowOutsideDirectory`)",
            );
        }
    }
    if ((options.registryInsecure || options.registryPullOnly) && !options.registry) {
        throw new UsageError("--registry-insecure and --registry-pull-only go with --registry <registry/repository>");
    }
    const { detectEngine } = await import("../../engines/detect");
    const engine = options.engine ?? detectEngine(dir, Boolean(options.kernel || options.disk));
    const variables = Object.fromEntries(
        (options.makeVar ?? []).map((assignment) => {
            const eq = assignment.indexOf("=");
            return [assignment.slice(0, eq), assignment.slice(eq + 1)];
        }),
    );
    let application;
    if (options.applicationJson !== undefined) {
        let raw: unknown;
        try {
            raw = JSON.parse(options.applicationJson);
        } catch (error) {
            throw new UsageError(`--application-json is not JSON: ${(error as Error).message}`);
        }
        const parsed = parseApplication(raw, "application");
        if (!parsed.value) {
            throw new UsageError(`--application-json: ${parsed.problems.map(formatProblem).join("; ")}`);
        }
        application = parsed.value;
    }
    return {
        engine,
        dir,
        application,
        target: options.target,
        kernelFamily: options.family,
        ...(engine === "make"
            ? {
                  make: {
                      kernel: options.kernelPath ?? "",
                      initrd: options.initrdPath,
                      goal: options.goal,
                      variables,
                      jobs: options.jobs,
                  },
              }
            : {}),
        ...(engine === "prebuilt"
            ? { prebuilt: { kernel: options.kernel, initrd: options.initrd, disk: options.disk } }
            : {}),
        ...(engine === "kraft" ? { kraft: { jobs: options.jobs, noCache: !options.cache } } : {}),
        allowOutsideDirectory: Boolean(options.allowOutside),
        ...(options.registry
            ? {
                  registry: {
                      repository: options.registry,
                      insecure: Boolean(options.registryInsecure),
                      pullOnly: Boolean(options.registryPullOnly),
                  },
              }
            : {}),
    };
}

function parseMakeVariable(value: string): string {
    const [name] = parseKeyValue(value, "--make-var");
    if (!MAKE_VARIABLE_NAME.test(name)) {
        throw new InvalidArgumentError(
            `"${name}" is not a make variable name (letters, digits and "_", not starting with a digit)`,
        );
    }
    if (RESERVED_MAKE_VARIABLES.has(name)) {
        throw new InvalidArgumentError(`${name} changes how make runs or which files it reads; it cannot be set here`);
    }
    return value;
}

function parseGoal(value: string): string {
    if (!MAKE_GOAL.test(value))
        throw new InvalidArgumentError(`"${value}" is not a make target name (no leading "-", spaces, "=" or "$")`);
    return value;
}
