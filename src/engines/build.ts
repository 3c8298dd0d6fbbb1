/**
 * Runs a build: resolve the application and target, plan, check the tool, hash the inputs, and
 * either reuse the cached artifact with that digest or run the engine and cache its outputs.
 * A failed build leaves the cache as it was; the error carries the tool's last lines.
 */
import { promises as fs } from "fs";
import * as path from "path";
import {
    Application, ENGINE_KERNEL_FAMILY, EngineName, Target, ValidationError, targetId, validateApplicationForEngine,
} from "../model";
import { cacheRoot } from "../internal/cacheDir";
import { runTool } from "../internal/exec";
import { exists, writeAtomically } from "../internal/files";
import { sha256File } from "../internal/hashing";
import { checkTool } from "../internal/toolCheck";
import { readProjectFile } from "../internal/projectFiles";
import { digestOf, hashTree } from "./contentHash";
import { Artifact, BuildInputError, BuildRequest, Engine, EnginePlan, ResolvedBuild } from "./engine";
import { kraftEngine } from "./kraft";
import { makeEngine } from "./make";
import { opsEngine } from "./ops";
import { prebuiltEngine } from "./prebuilt";

/** Every engine by name. */
export const ENGINE_IMPLEMENTATIONS: Readonly<Record<EngineName, Engine>> = {
    kraft: kraftEngine,
    ops: opsEngine,
    make: makeEngine,
    prebuilt: prebuiltEngine,
};

/** Bumped when the cache layout or hash inputs change, so old entries are not mistaken for new ones. */
const CACHE_FORMAT = 1;

/** Progress and tool output go here (stderr in the CLI). */
export type BuildLog = (text: string) => void;

/** Resolves the application, target and kernel family of a request. */
export async function resolveBuild(request: BuildRequest): Promise<ResolvedBuild> {
    const dir = path.resolve(request.dir);
    if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) {
        throw new BuildInputError(`the application directory ${request.dir} does not exist`);
    }
    let application = request.application;
    let projectFile: string | undefined;
    if (!application && (request.engine === "kraft" || request.engine === "ops")) {
        const project = await readProjectFile(dir);
        if (project.problems.length || !project.application) {
            throw new ValidationError(project.problems, project.file);
        }
        application = project.application;
        projectFile = path.relative(dir, project.file);
    }
    application ??= minimalApplication(path.basename(dir), request.target);
    const problems = validateApplicationForEngine(application, request.engine);
    if (problems.length) {
        throw new ValidationError(problems, "application");
    }
    const target = pickTarget(application, request.target);
    return { request, dir, application, target, kernelFamily: request.kernelFamily ?? ENGINE_KERNEL_FAMILY[request.engine], projectFile };
}

/** What a build will do and its digest, without running the engine (previews use this). */
export async function planBuild(request: BuildRequest): Promise<{ build: ResolvedBuild; plan: EnginePlan; engineVersion: string; digest: string }> {
    const build = await resolveBuild(request);
    const plan = ENGINE_IMPLEMENTATIONS[request.engine].plan(build);
    const engineVersion = plan.tool ? await checkTool(plan.tool) : "none";
    return { build, plan, engineVersion, digest: await computeDigest(build, plan, engineVersion) };
}

/** Builds (or reuses) the artifact for a request. */
export async function buildArtifact(request: BuildRequest, log: BuildLog = () => undefined): Promise<Artifact> {
    const { build, plan, engineVersion, digest } = await planBuild(request);
    const entry = path.join(cacheRoot(), "artifacts", digest);
    const cached = await readCachedArtifact(entry);
    if (cached) {
        log(`build: ${build.application.name} ${targetId(build.target)} is up to date (${digest.slice(0, 12)}), nothing to do\n`);
        // The digest is content only, so a promoted prebuilt kernel may arrive under another name.
        return { ...cached, name: build.application.name, cached: true };
    }
    for (const [file, content] of Object.entries(plan.files)) {
        await writeAtomically(path.join(build.dir, file), (temp) => fs.writeFile(temp, content));
    }
    for (const step of plan.steps) {
        log(`build: running ${step.command} ${step.args.join(" ")}\n`);
        await runTool(step.command, step.args, { cwd: build.dir, env: { ...process.env, ...step.env }, stream: log });
    }
    const outputs = await collectOutputs(build, plan);
    await fs.rm(entry, { recursive: true, force: true }); // an entry whose files went missing
    return writeAtomically(entry, async (temp) => {
        await fs.mkdir(temp, { recursive: true });
        const stored: Partial<Record<"kernel" | "initrd" | "disk", string>> = {};
        for (const [role, source] of Object.entries(outputs) as ["kernel" | "initrd" | "disk", string][]) {
            const name = role === "disk" ? "disk.img" : role;
            await fs.copyFile(source, path.join(temp, name));
            stored[role] = path.join(entry, name);
        }
        const primary = outputs.disk ?? outputs.kernel!;
        const artifact: Artifact = {
            digest,
            engine: request.engine,
            engineVersion,
            name: build.application.name,
            target: { platform: build.target.platform, architecture: build.target.architecture },
            kernelFamily: build.kernelFamily,
            kind: outputs.disk ? "disk" : "kernel",
            path: outputs.disk ? stored.disk! : stored.kernel!,
            ...stored,
            sha256: await sha256File(primary),
            sizeBytes: (await fs.stat(primary)).size,
            cmdline: kernelCommandLine(build.application, build.kernelFamily),
            cached: false,
        };
        await fs.writeFile(path.join(temp, "artifact.json"), `${JSON.stringify(artifact, null, 2)}\n`);
        log(`build: ${artifact.name} ${targetId(artifact.target)} built (${digest.slice(0, 12)})\n`);
        return artifact;
    });
}

/** The digest of a build: engine, version, target, plan and inputs. */
export async function computeDigest(build: ResolvedBuild, plan: EnginePlan, engineVersion: string): Promise<string> {
    const files = plan.hashFiles ? await Promise.all(plan.hashFiles.map(async (f) => {
        const file = path.resolve(build.dir, f);
        if (!(await exists(file))) {
            throw new BuildInputError(`the prebuilt file ${f} does not exist`);
        }
        return sha256File(file);
    })) : [];
    return digestOf({
        format: CACHE_FORMAT,
        engine: build.request.engine,
        engineVersion,
        target: build.target,
        kernelFamily: build.kernelFamily,
        files: plan.files,
        steps: plan.steps,
        // Output paths are relative to the application directory, except a prebuilt engine's, which
        // are wherever the user keeps the files: their bytes (below) are what counts.
        outputs: plan.hashTree ? plan.outputs : Object.keys(plan.outputs),
        settings: plan.settings,
        prebuilt: files,
        cmdline: kernelCommandLine(build.application, build.kernelFamily),
        tree: plan.hashTree ? await hashTree(build.dir, plan.ignore) : [],
    });
}

/**
 * The kernel command line an application implies. Unikraft reads environment variables from
 * `env.vars=[...]` (lib/posix-environ) and the program's arguments after `--` (lib/uklibparam).
 */
export function kernelCommandLine(app: Application, family: string): string {
    const quote = (w: string) => (/[\s"']/.test(w) ? `"${w.replace(/(["\\])/g, "\\$1")}"` : w);
    const args = app.cmd.map(quote).join(" ");
    if (family !== "unikraft") {
        return args;
    }
    const env = Object.entries(app.env).map(([k, v]) => quote(`${k}=${v}`));
    return [env.length ? `env.vars=[ ${env.join(" ")} ]` : "", args ? `-- ${args}` : ""].filter(Boolean).join(" ");
}

async function collectOutputs(build: ResolvedBuild, plan: EnginePlan): Promise<Partial<Record<"kernel" | "initrd" | "disk", string>>> {
    const found: Partial<Record<"kernel" | "initrd" | "disk", string>> = {};
    for (const role of ["kernel", "initrd", "disk"] as const) {
        const candidates = plan.outputs[role];
        if (!candidates) continue;
        for (const candidate of candidates) {
            const file = path.resolve(build.dir, candidate);
            if (await fs.stat(file).then((s) => s.isFile(), () => false)) {
                found[role] = file;
                break;
            }
        }
        if (!found[role]) {
            const where = candidates.map((c) => path.resolve(build.dir, c)).join(" or ");
            throw new BuildInputError(plan.steps.length
                ? `${build.request.engine} finished but produced no ${role} at ${where}; check the build output above`
                : `the prebuilt ${role} ${where} does not exist`);
        }
    }
    return found;
}

async function readCachedArtifact(entry: string): Promise<Artifact | undefined> {
    const text = await fs.readFile(path.join(entry, "artifact.json"), "utf8").catch(() => undefined);
    if (!text) return undefined;
    const artifact = JSON.parse(text) as Artifact;
    const files = [artifact.kernel, artifact.initrd, artifact.disk].filter((f): f is string => Boolean(f));
    return (await Promise.all(files.map(exists))).every(Boolean) ? artifact : undefined;
}

function minimalApplication(name: string, target: Target | undefined): Application {
    const safe = name.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "app";
    return { name: safe, libraries: [], targets: [target ?? { platform: "qemu", architecture: "x86_64" }], cmd: [], env: {}, kconfig: {} };
}

function pickTarget(app: Application, wanted: Target | undefined): Target {
    if (!wanted) {
        if (!app.targets.length) {
            throw new BuildInputError(`application "${app.name}" declares no targets; pass one with --target, e.g. qemu/x86_64`);
        }
        return app.targets[0];
    }
    const match = app.targets.find((t) => t.platform === wanted.platform && t.architecture === wanted.architecture && (!wanted.name || t.name === wanted.name));
    if (!match) {
        throw new BuildInputError(`target ${targetId(wanted)} is not declared by application "${app.name}"; it declares ${app.targets.map(targetId).join(", ") || "none"}`);
    }
    return match;
}
