/**
 * Runs a build: resolve the application and target, plan, check the tool, hash the inputs, and
 * either reuse the cached artifact with that digest or run the engine and cache its outputs.
 * A failed build leaves the cache as it was; the error carries the tool's last lines.
 */
import { promises as fs } from "fs";
import * as path from "path";
import {
    Application,
    ENGINE_KERNEL_FAMILY,
    EngineName,
    Problem,
    Target,
    ValidationError,
    findUnsafeCharacter,
    formatProblem,
    targetId,
    validateApplicationForEngine,
} from "../model";
import { privateCacheDir } from "../internal/cacheDir";
import { runTool } from "../internal/exec";
import { writeAtomically } from "../internal/files";
import { sha256File } from "../internal/hashing";
import { withLock } from "../internal/lock";
import { withInspectedDisk } from "../disk/inspectDisk";
import { grubLoaderForm } from "../disk/grub";
import { checkTool } from "../internal/toolCheck";
import { readProjectFile } from "../internal/projectFiles";
import { digestOf, hashOutside, hashTree } from "./contentHash";
import { checkInputPaths, isInside, pathsToCheck } from "./inputPaths";
import { Artifact, BuildInputError, BuildRequest, Engine, EnginePlan, ResolvedBuild } from "./engine";
import { kraftEngine } from "./kraft";
import { makeEngine } from "./make";
import { opsEngine } from "./ops";
import { prebuiltEngine } from "./prebuilt";
import { provenanceOf } from "./provenance";
import { RemoteCache, cacheName, pullBuild, pushBuild } from "./remoteCache";

/** Every engine by name. */
export const ENGINE_IMPLEMENTATIONS: Readonly<Record<EngineName, Engine>> = {
    kraft: kraftEngine,
    ops: opsEngine,
    make: makeEngine,
    prebuilt: prebuiltEngine,
};

/** Bumped when the cache layout or hash inputs change, so old entries are not mistaken for new ones. */
const CACHE_FORMAT = 2;

/** Progress and tool output go here (stderr in the CLI). */
export type BuildLog = (text: string) => void;

/** Resolves the application, target and kernel family of a request. */
export async function resolveBuild(request: BuildRequest): Promise<ResolvedBuild> {
    const dir = path.resolve(request.dir);
    if (
        !(await fs.stat(dir).then(
            (s) => s.isDirectory(),
            () => false,
        ))
    ) {
        throw new BuildInputError(`the application directory ${request.dir} does not exist`);
    }
    let application = request.application;
    let projectFile: string | undefined;
    let writtenName: string | undefined;
    const warnings: Problem[] = [];
    if (!application && (request.engine === "kraft" || request.engine === "ops")) {
        const project = await readProjectFile(dir);
        if (project.problems.length || !project.application) {
            throw new ValidationError(project.problems, project.file);
        }
        application = project.application;
        projectFile = path.relative(dir, project.file);
        writtenName = project.kraftfile?.writtenName;
        warnings.push(...project.warnings);
    }
    application ??= minimalApplication(path.basename(dir), request.target);
    const problems = validateApplicationForEngine(application, request.engine);
    if (problems.length) {
        throw new ValidationError(problems, "application");
    }
    const target = pickTarget(application, request.target);
    const build: ResolvedBuild = {
        request,
        dir,
        application,
        target,
        kernelFamily: request.kernelFamily ?? ENGINE_KERNEL_FAMILY[request.engine],
        projectFile,
        writtenName,
        warnings,
    };
    await checkInputPaths(build);
    return build;
}

/** What a build will do and its digest, without running the engine (previews use this). */
export async function planBuild(
    request: BuildRequest,
): Promise<{ build: ResolvedBuild; plan: EnginePlan; engineVersion: string; digest: string }> {
    const build = await resolveBuild(request);
    const plan = ENGINE_IMPLEMENTATIONS[request.engine].plan(build);
    const engineVersion = plan.tool ? await checkTool(plan.tool) : "none";
    return { build, plan, engineVersion, digest: await computeDigest(build, plan, engineVersion) };
}

/** How long a build waits for another run building the same digest (a cold kraft build takes minutes). */
export const BUILD_LOCK_WAIT_MS = 2 * 60 * 60 * 1000;

/**
 * Builds (or reuses) the artifact for a request. One build per digest at a time (a lock per cache
 * key): a second run with the same inputs waits and then finds the first one's artifact. A cached
 * artifact is reused only when every file's SHA-256 still matches its record; anything else (a
 * truncated file, a damaged record) is a miss, removed and built again.
 */
export async function buildArtifact(request: BuildRequest, log: BuildLog = () => undefined): Promise<Artifact> {
    const { build, plan, engineVersion, digest } = await planBuild(request);
    for (const warning of build.warnings) log(`build: warning: ${formatProblem(warning)}\n`);
    const artifacts = await privateCacheDir("artifacts");
    const entry = path.join(artifacts, digest);
    return withLock(path.join(artifacts, `${digest}.lock`), BUILD_LOCK_WAIT_MS, log, async () => {
        const cached = await readCachedArtifact(entry, digest, log);
        if (cached) {
            log(
                `build: ${build.application.name} ${targetId(build.target)} is up to date (${digest.slice(0, 12)}), nothing to do\n`,
            );
            // The digest is content only, so a promoted prebuilt kernel may arrive under another name.
            const artifact = { ...cached, name: build.application.name, cached: true };
            return request.registry ? ensurePushed(request.registry, entry, artifact, log) : artifact;
        }
        if (request.registry) {
            const pulled = await pullIntoEntry(request.registry, entry, digest, build, engineVersion, log);
            if (pulled) return pulled;
        }
        // Before the build writes anything into the directory (its rendered files would read as changes).
        const provenance = await provenanceOf(build.dir);
        for (const [file, content] of Object.entries(plan.files)) {
            await writeAtomically(path.join(build.dir, file), (temp) => fs.writeFile(temp, content));
        }
        for (const step of plan.steps) {
            log(`build: running ${step.command} ${step.args.join(" ")}\n`);
            await runTool(step.command, step.args, {
                cwd: build.dir,
                env: { ...process.env, ...step.env },
                stream: log,
            });
        }
        const outputs = await collectOutputs(build, plan);
        await fs.rm(entry, { recursive: true, force: true }); // an entry whose files went missing
        return writeAtomically(entry, async (temp) => {
            await fs.mkdir(temp, { recursive: true });
            const stored: Partial<Record<ArtifactRole, string>> = {};
            const files: Partial<Record<ArtifactRole, string>> = {};
            for (const [role, source] of Object.entries(outputs) as [ArtifactRole, string][]) {
                const name = CACHE_FILE_NAMES[role];
                await storeOutput(role, source, path.join(temp, name), log);
                stored[role] = path.join(entry, name);
                files[role] = await sha256File(path.join(temp, name));
            }
            const primaryRole: ArtifactRole = outputs.disk ? "disk" : "kernel";
            const artifact: Artifact = {
                digest,
                engine: request.engine,
                engineVersion,
                name: build.application.name,
                target: { platform: build.target.platform, architecture: build.target.architecture },
                kernelFamily: build.kernelFamily,
                kind: outputs.disk ? "disk" : "kernel",
                path: stored[primaryRole]!,
                ...stored,
                sha256: files[primaryRole]!,
                sizeBytes: (await fs.stat(path.join(temp, CACHE_FILE_NAMES[primaryRole]))).size,
                cmdline: kernelCommandLine(build.application, build.kernelFamily),
                files,
                cached: false,
                provenance,
            };
            await fs.writeFile(path.join(temp, "artifact.json"), recordText(artifact));
            log(`build: ${artifact.name} ${targetId(artifact.target)} built (${digest.slice(0, 12)})\n`);
            return artifact;
        }).then((artifact) => (request.registry ? ensurePushed(request.registry, entry, artifact, log) : artifact));
    });
}

/**
 * A cache entry's record (artifact.json): the artifact without what describes one run rather than
 * the entry (cached, pulled, and `package`, which a run takes from `packages` for its registry).
 */
export function recordText(artifact: Artifact): string {
    return `${JSON.stringify({ ...artifact, cached: false, pulled: undefined, package: undefined }, null, 2)}\n`;
}

/**
 * Pushes a cached artifact to the registry unless its record says it is there already, and records
 * its reference there (so an unchanged build costs no registry round trip). A failed push fails the
 * step and leaves the local artifact as it was: the next run pushes it. The record is not checked
 * against the registry: a package the registry deleted since (retention, garbage collection) is
 * pushed again only by a build that misses the local cache, or after `cache prune`.
 */
async function ensurePushed(cache: RemoteCache, entry: string, artifact: Artifact, log: BuildLog): Promise<Artifact> {
    const name = cacheName(cache);
    const known = artifact.packages ?? {};
    if (Object.hasOwn(known, name)) return { ...artifact, package: known[name] };
    if (cache.pullOnly) return { ...artifact, package: undefined };
    log(`build: pushing ${artifact.digest.slice(0, 12)} to ${name}\n`);
    const reference = await pushBuild(cache, artifact);
    const updated: Artifact = { ...artifact, packages: { ...known, [name]: reference }, package: reference };
    await writeAtomically(path.join(entry, "artifact.json"), (temp) => fs.writeFile(temp, recordText(updated)));
    return updated;
}

/**
 * A local miss looked up in the registry: the package tagged with this digest is pulled into the
 * cache entry, each file checked against its SHA-256, and recorded like a local build.
 */
async function pullIntoEntry(
    cache: RemoteCache,
    entry: string,
    digest: string,
    build: ResolvedBuild,
    engineVersion: string,
    log: BuildLog,
): Promise<Artifact | undefined> {
    log(`build: looking up ${digest.slice(0, 12)} in ${cacheName(cache)}\n`);
    await fs.rm(entry, { recursive: true, force: true });
    await fs.mkdir(entry, { recursive: true, mode: 0o700 });
    let found: Awaited<ReturnType<typeof pullBuild>>;
    try {
        found = await pullBuild(cache, digest, (role) => path.join(entry, CACHE_FILE_NAMES[role]), log);
    } catch (error) {
        await fs.rm(entry, { recursive: true, force: true });
        throw error;
    }
    if (!found) {
        await fs.rm(entry, { recursive: true, force: true });
        log(`build: ${cacheName(cache)} does not have it; building\n`);
        return undefined;
    }
    const primaryRole = found.files.disk ? "disk" : "kernel";
    const stored: Partial<Record<ArtifactRole, string>> = {};
    for (const role of Object.keys(found.files) as ArtifactRole[])
        stored[role] = path.join(entry, CACHE_FILE_NAMES[role]);
    // Everything but the files follows from the digest, which covers engine, version, target and cmdline.
    const artifact: Artifact = {
        digest,
        engine: build.request.engine,
        engineVersion,
        name: build.application.name,
        target: { platform: build.target.platform, architecture: build.target.architecture },
        kernelFamily: build.kernelFamily,
        kind: primaryRole,
        path: stored[primaryRole]!,
        ...stored,
        sha256: found.files[primaryRole]!,
        sizeBytes: (await fs.stat(stored[primaryRole]!)).size,
        cmdline: kernelCommandLine(build.application, build.kernelFamily),
        files: found.files,
        cached: true,
        packages: { [cacheName(cache)]: found.reference },
        package: found.reference,
        ...(found.provenance ? { provenance: found.provenance } : {}),
    };
    await writeAtomically(path.join(entry, "artifact.json"), (temp) => fs.writeFile(temp, recordText(artifact)));
    log(`build: pulled ${digest.slice(0, 12)} from ${found.reference}: no engine ran\n`);
    return { ...artifact, pulled: true };
}

export type ArtifactRole = "kernel" | "initrd" | "disk";

/** File names inside a cache entry: fixed, so a record can never point outside its entry. */
export const CACHE_FILE_NAMES: Readonly<Record<ArtifactRole, string>> = {
    kernel: "kernel",
    initrd: "initrd",
    disk: "disk.img",
};

/** Largest artifact.json read back: a record is a few hundred bytes. */
const MAX_RECORD_BYTES = 1024 * 1024;

/**
 * Copies an engine output into the cache entry. Kernels and initrds must be regular, non-empty
 * files. A disk is inspected like every disk (no backing files or external extents, not cut short)
 * and stored raw: a prebuilt qcow2 or VMDK is converted, so what is uploaded block by block later is
 * really a raw disk.
 */
async function storeOutput(role: ArtifactRole, source: string, target: string, log: BuildLog): Promise<void> {
    if (role !== "disk") {
        const stat = await fs.stat(source);
        if (!stat.isFile() || stat.size === 0) {
            throw new BuildInputError(`the ${role} ${source} is ${stat.isFile() ? "empty" : "not a regular file"}`);
        }
        await fs.copyFile(source, target);
        return;
    }
    await withInspectedDisk(source, async (disk) => {
        if (disk.format !== "raw") log(`build: ${source} is a ${disk.format} image; storing it as a raw disk\n`);
        // Through the descriptor that was checked, never by the name again.
        await runTool("qemu-img", ["convert", "-f", disk.qemuFormat, "-O", "raw", disk.toolPath, target], {
            inheritFd: disk.fd,
        });
    });
}

/** The digest of a build: engine, version, target, plan and inputs. */
export async function computeDigest(build: ResolvedBuild, plan: EnginePlan, engineVersion: string): Promise<string> {
    const files = plan.hashFiles
        ? await Promise.all(
              plan.hashFiles.map(async (f) => {
                  const file = path.resolve(build.dir, f);
                  const stat = await fs.stat(file).catch(() => undefined);
                  if (!stat) throw new BuildInputError(`the prebuilt file ${f} does not exist`);
                  if (!stat.isFile()) throw new BuildInputError(`the prebuilt file ${f} is not a regular file`);
                  if (stat.size === 0) throw new BuildInputError(`the prebuilt file ${f} is empty`);
                  return sha256File(file);
              }),
          )
        : [];
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
        tree: plan.hashTree
            ? await hashTree(build.dir, plan.ignore, { allowOutside: Boolean(build.request.allowOutsideDirectory) })
            : [],
        // With outside paths allowed, the rootfs/ROMs/outputs that leave the directory count by their content.
        outside: build.request.allowOutsideDirectory ? await hashOutsidePaths(build) : [],
    });
}

/** Content hashes of the input paths that resolve outside the directory (only with `allowOutsideDirectory`). */
async function hashOutsidePaths(build: ResolvedBuild): Promise<{ property: string; sha256: string }[]> {
    const root = await fs.realpath(build.dir);
    const out: { property: string; sha256: string }[] = [];
    for (const { path: given, property } of pathsToCheck(build)) {
        if (property.startsWith("make.")) continue; // outputs, not inputs
        const real = await fs.realpath(path.resolve(build.dir, given)).catch(() => undefined);
        if (real && !isInside(root, real))
            out.push({ property, sha256: await hashOutside(real, { allowOutside: true }, new Set([root])) });
    }
    return out;
}

/**
 * The kernel command line an application implies. Unikraft reads environment variables from
 * `env.vars=[...]` (lib/posix-environ) and the program's arguments after `--` (lib/uklibparam).
 * Words are written in the form GRUB writes them (double quotes around blanks, backslashes before
 * quotes), so a disk's GRUB hands the kernel the same bytes a direct boot does.
 */
export function kernelCommandLine(app: Application, family: string): string {
    const quote = (w: string) => (w === "" ? '""' : grubLoaderForm(w));
    const args = app.cmd.map(quote).join(" ");
    if (family !== "unikraft") {
        // Nanos reads its arguments from the image's manifest, not a command line: informational
        // here, and every consumer of a command line (disk, run, private hosts) checks its own.
        return args;
    }
    const env = Object.entries(app.env).map(([k, v]) => quote(`${k}=${v}`));
    const cmdline = [env.length ? `env.vars=[ ${env.join(" ")} ]` : "", args ? `-- ${args}` : ""]
        .filter(Boolean)
        .join(" ");
    const unsafe = findUnsafeCharacter(cmdline);
    if (unsafe) {
        // The parsers refuse these in cmd and env; an application from elsewhere still cannot carry one.
        throw new BuildInputError(
            `the kernel command line from the application's cmd and env holds ${unsafe.description}, which a kernel command line cannot carry`,
        );
    }
    return cmdline;
}

async function collectOutputs(
    build: ResolvedBuild,
    plan: EnginePlan,
): Promise<Partial<Record<"kernel" | "initrd" | "disk", string>>> {
    const found: Partial<Record<"kernel" | "initrd" | "disk", string>> = {};
    for (const role of ["kernel", "initrd", "disk"] as const) {
        const candidates = plan.outputs[role];
        if (!candidates) continue;
        for (const candidate of candidates) {
            const file = path.resolve(build.dir, candidate);
            if (
                await fs.stat(file).then(
                    (s) => s.isFile(),
                    () => false,
                )
            ) {
                found[role] = file;
                break;
            }
        }
        // What make or kraft left at an output path must really be inside the directory (a symbolic
        // link written by the build could point at any host file). ops writes to its own ~/.ops.
        const built = found[role];
        if (
            built &&
            (build.request.engine === "make" || build.request.engine === "kraft") &&
            !build.request.allowOutsideDirectory
        ) {
            const real = await fs.realpath(built);
            if (!isInside(await fs.realpath(build.dir), real)) {
                throw new BuildInputError(
                    `the ${role} ${built} leads to ${real}, outside the application directory; refused (allow it with \`allowOutsideDirectory\`)`,
                );
            }
        }
        if (!found[role]) {
            const where = candidates.map((c) => path.resolve(build.dir, c)).join(" or ");
            throw new BuildInputError(
                plan.steps.length
                    ? `${build.request.engine} finished but produced no ${role} at ${where}; check the build output above`
                    : `the prebuilt ${role} ${where} does not exist`,
            );
        }
    }
    return found;
}

/**
 * Reads a cache entry back, trusting nothing: the record must parse, name this digest and point at
 * the entry's own files, and each file's SHA-256 must match the record. Anything else is a miss:
 * the entry is removed (and so rebuilt), with a note saying why.
 */
export async function readCachedArtifact(entry: string, digest: string, log: BuildLog): Promise<Artifact | undefined> {
    const record = path.join(entry, "artifact.json");
    const stat = await fs.stat(record).catch(() => undefined);
    if (!stat) {
        await fs.rm(entry, { recursive: true, force: true }); // a directory without its record
        return undefined;
    }
    const problem = await cacheEntryProblem(
        entry,
        digest,
        stat.isFile() && stat.size <= MAX_RECORD_BYTES ? await fs.readFile(record, "utf8").catch(() => "") : "",
    );
    if (typeof problem === "string") {
        log(`build: the cached artifact ${digest.slice(0, 12)} cannot be used (${problem}); building it again\n`);
        await fs.rm(entry, { recursive: true, force: true });
        return undefined;
    }
    return problem;
}

/** The artifact of a cache entry, or why it cannot be trusted. */
async function cacheEntryProblem(entry: string, digest: string, text: string): Promise<Artifact | string> {
    let artifact: Artifact;
    try {
        artifact = JSON.parse(text) as Artifact;
    } catch {
        return "its record is not JSON";
    }
    if (
        !artifact ||
        typeof artifact !== "object" ||
        artifact.digest !== digest ||
        !artifact.files ||
        typeof artifact.files !== "object"
    ) {
        return "its record is not one of this version's records for this digest";
    }
    for (const role of ["kernel", "initrd", "disk"] as const) {
        const expected = artifact.files[role];
        const file = artifact[role];
        if (expected === undefined && file === undefined) continue;
        if (file !== path.join(entry, CACHE_FILE_NAMES[role]) || typeof expected !== "string") {
            return `its record names a ${role} outside the entry`;
        }
        // A symlink or a device in place of the file would hash (and then boot) whatever it points at.
        const stat = await fs.lstat(file).catch(() => undefined);
        if (stat && !stat.isFile()) return `its ${role} is not a regular file`;
        const actual = await sha256File(file).catch(() => undefined);
        if (actual !== expected) {
            return actual === undefined
                ? `its ${role} is missing`
                : `its ${role} no longer matches its SHA-256 (damaged or changed)`;
        }
    }
    const primary = artifact.disk ?? artifact.kernel;
    if (!primary || artifact.path !== primary) return "its record names no kernel or disk";
    return artifact;
}

function minimalApplication(name: string, target: Target | undefined): Application {
    const safe = name.replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+/, "") || "app";
    return {
        name: safe,
        libraries: [],
        targets: [target ?? { platform: "qemu", architecture: "x86_64" }],
        cmd: [],
        env: {},
        kconfig: {},
    };
}

function pickTarget(app: Application, wanted: Target | undefined): Target {
    if (!wanted) {
        if (!app.targets.length) {
            throw new BuildInputError(
                `application "${app.name}" declares no targets; pass one with --target, e.g. qemu/x86_64`,
            );
        }
        return app.targets[0];
    }
    const match = app.targets.find(
        (t) =>
            t.platform === wanted.platform &&
            t.architecture === wanted.architecture &&
            (!wanted.name || t.name === wanted.name),
    );
    if (!match) {
        throw new BuildInputError(
            `target ${targetId(wanted)} is not declared by application "${app.name}"; it declares ${app.targets.map(targetId).join(", ") || "none"}`,
        );
    }
    return match;
}
