/**
 * A build made elsewhere, taken by its package's manifest digest: promotion without sources. The
 * package's annotations (written by `build --registry`) say what the build is: its build digest,
 * engine, target, kernel family, kind, name and kernel command line; each is checked here as if it
 * were user input, since it comes from a registry. The files land in a cache entry of their own,
 * `artifacts/package-<manifest hex>`, never in a build digest's entry: a package claiming some
 * digest cannot stand in for what a local build of that digest would make.
 */
import * as path from "path";
import {
    ENGINES,
    EngineName,
    OciReference,
    checkSafeText,
    describeValue,
    formatOciReference,
    parseKernelFamily,
    parseTarget,
} from "../model";
import { privateCacheDir } from "../internal/cacheDir";
import { promises as fs } from "fs";
import { writeAtomically } from "../internal/files";
import { withLock } from "../internal/lock";
import { inspectPackage } from "../registry/ociPackage";
import { ArtifactRole, BUILD_LOCK_WAIT_MS, BuildLog, CACHE_FILE_NAMES, readCachedArtifact, recordText } from "./build";
import { Artifact, BuildInputError } from "./engine";
import { Provenance } from "./provenance";
import { BUILD_ANNOTATION, provenanceFrom, pullBuildPackage } from "./remoteCache";

/** What a package says it is (an artifact's description, without its files): enough to plan a disk. */
export type PackagePlan = Pick<
    Artifact,
    "digest" | "engine" | "engineVersion" | "name" | "target" | "kernelFamily" | "kind" | "cmdline" | "provenance"
> & {
    /** `registry/repository@sha256:<manifest digest>`. */
    reference: string;
};

/** The fields of a plan as text, from annotations or from a cache record, before they are checked. */
type PlanText = Partial<
    Record<
        | "digest"
        | "engine"
        | "engineVersion"
        | "name"
        | "platform"
        | "architecture"
        | "kernelFamily"
        | "kind"
        | "cmdline",
        unknown
    >
>;

/**
 * What the package at `from` (which must name a manifest digest) is. Read from its cache entry when
 * it was fetched before (no registry round trip: previews work offline), else from its manifest.
 */
export async function planPackage(from: OciReference, insecure: boolean): Promise<PackagePlan> {
    const reference = packageReference(from);
    const entry = await packageEntry(from);
    const recorded = await readRecordQuickly(entry);
    if (recorded?.packages?.[repositoryOf(from)] === reference) {
        return checkPlan(reference, { ...recorded, ...recorded.target }, recorded.provenance);
    }
    const manifest = await inspectPackage(from, insecure);
    const a = manifest.annotations;
    return checkPlan(
        reference,
        {
            digest: a[BUILD_ANNOTATION.digest],
            engine: a[BUILD_ANNOTATION.engine],
            engineVersion: a[BUILD_ANNOTATION.engineVersion],
            name: a[BUILD_ANNOTATION.name],
            platform: a[BUILD_ANNOTATION.platform],
            architecture: a[BUILD_ANNOTATION.architecture],
            kernelFamily: a[BUILD_ANNOTATION.kernelFamily],
            kind: a[BUILD_ANNOTATION.kind],
            cmdline: a[BUILD_ANNOTATION.cmdline],
        },
        provenanceFrom(a),
    );
}

/**
 * Puts the package's build into the local cache (or finds it there, every file's SHA-256 checked)
 * and returns it as an artifact, as `build` would. A failed pull leaves no entry.
 */
export async function fetchPackage(from: OciReference, insecure: boolean, log: BuildLog): Promise<Artifact> {
    const plan = await planPackage(from, insecure);
    const entry = await packageEntry(from);
    return withLock(`${entry}.lock`, BUILD_LOCK_WAIT_MS, log, async () => {
        const cached = await readCachedArtifact(entry, plan.digest, log);
        if (cached?.packages?.[repositoryOf(from)] === plan.reference) {
            log(`fetch: ${plan.reference} is in the cache, nothing to do\n`);
            return { ...cached, cached: true, package: plan.reference };
        }
        log(`fetch: pulling ${plan.reference}\n`);
        await fs.rm(entry, { recursive: true, force: true });
        await fs.mkdir(entry, { recursive: true, mode: 0o700 });
        try {
            const pulled = await pullBuildPackage(from, insecure, plan.digest, (role) =>
                path.join(entry, CACHE_FILE_NAMES[role]),
            );
            const primary: ArtifactRole = pulled.files.disk ? "disk" : "kernel";
            if (primary !== plan.kind) {
                throw new BuildInputError(`${plan.reference} says it is a ${plan.kind} but holds a ${primary}`);
            }
            const stored: Partial<Record<ArtifactRole, string>> = {};
            for (const role of Object.keys(pulled.files) as ArtifactRole[]) {
                stored[role] = path.join(entry, CACHE_FILE_NAMES[role]);
            }
            const artifact: Artifact = {
                digest: plan.digest,
                engine: plan.engine,
                engineVersion: plan.engineVersion,
                name: plan.name,
                target: plan.target,
                kernelFamily: plan.kernelFamily,
                kind: plan.kind,
                path: stored[primary]!,
                ...stored,
                sha256: pulled.files[primary]!,
                sizeBytes: (await fs.stat(stored[primary]!)).size,
                cmdline: plan.cmdline,
                files: pulled.files,
                cached: false,
                packages: { [repositoryOf(from)]: plan.reference },
                ...(plan.provenance ? { provenance: plan.provenance } : {}),
            };
            await writeAtomically(path.join(entry, "artifact.json"), (temp) =>
                fs.writeFile(temp, recordText(artifact)),
            );
            log(`fetch: pulled ${plan.reference}: no engine ran\n`);
            return { ...artifact, package: plan.reference, pulled: true };
        } catch (error) {
            await fs.rm(entry, { recursive: true, force: true });
            throw error;
        }
    });
}

/** `registry/repository@sha256:...`; a package is taken by its manifest digest only. */
function packageReference(from: OciReference): string {
    if (!from.digest) {
        throw new BuildInputError(
            `${formatOciReference(from)} names no digest; take a package by <registry>/<repository>@sha256:<digest> (what \`build --registry\` or \`push\` printed)`,
        );
    }
    return formatOciReference({ registry: from.registry, repository: from.repository, digest: from.digest });
}

/** `registry/repository`: the key of an artifact's `packages`. */
function repositoryOf(from: OciReference): string {
    return formatOciReference({ registry: from.registry, repository: from.repository });
}

async function packageEntry(from: OciReference): Promise<string> {
    return path.join(await privateCacheDir("artifacts"), `package-${from.digest!.slice("sha256:".length)}`);
}

/** The entry's record, parsed but not verified (planning only; a fetch checks every file). */
async function readRecordQuickly(entry: string): Promise<Artifact | undefined> {
    const text = await fs.readFile(path.join(entry, "artifact.json"), "utf8").catch(() => undefined);
    if (text === undefined || text.length > 1024 * 1024) return undefined;
    try {
        return JSON.parse(text) as Artifact;
    } catch {
        return undefined;
    }
}

/** Every field of a plan, checked as input: a registry is not trusted to write safe text. */
function checkPlan(reference: string, t: PlanText, provenance: Provenance | undefined): PackagePlan {
    const bad: string[] = [];
    const text = (key: keyof PlanText, rule: RegExp) => {
        const value = t[key];
        if (typeof value === "string" && rule.test(value)) return value;
        bad.push(`${key} ${value === undefined ? "is missing" : `is ${describeValue(value)}`}`);
        return "";
    };
    const digest = text("digest", /^[0-9a-f]{64}$/);
    const engine = text("engine", new RegExp(`^(${ENGINES.join("|")})$`)) as EngineName;
    const engineVersion = text("engineVersion", /^[0-9A-Za-z.+~_-]{1,64}$/);
    const name = text("name", /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/);
    const kind = text("kind", /^(kernel|disk)$/) as "kernel" | "disk";
    const family = parseKernelFamily(t.kernelFamily, "kernelFamily");
    if (family.problems.length) bad.push(`kernelFamily is ${JSON.stringify(t.kernelFamily)}`);
    const target = parseTarget({ platform: t.platform, architecture: t.architecture }, "target");
    if (target.problems.length) bad.push(`target is ${describeValue([t.platform, t.architecture])}`);
    let cmdline = "";
    if (typeof t.cmdline !== "string" || t.cmdline.length > 4096) {
        bad.push(
            t.cmdline === undefined
                ? "cmdline is missing (pushed by an older pulumi-unikernel: push the build again)"
                : "cmdline is not text of at most 4096 characters",
        );
    } else if (checkSafeText(t.cmdline, "cmdline", "a kernel command line")) {
        bad.push("cmdline holds control characters or line breaks");
    } else {
        cmdline = t.cmdline;
    }
    if (bad.length || !family.value || !target.value) {
        throw new BuildInputError(`${reference} is not a build package this version can use: ${bad.join("; ")}`);
    }
    return {
        reference,
        digest,
        engine,
        engineVersion,
        name,
        target: target.value,
        kernelFamily: family.value,
        kind,
        cmdline,
        ...(provenance ? { provenance } : {}),
    };
}
