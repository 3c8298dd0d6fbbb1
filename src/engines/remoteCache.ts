/**
 * The build cache in an OCI registry: a second machine or stack with the same inputs pulls what the
 * first one built instead of building it. A build is pushed as a package (src/registry) tagged
 * `build-<content digest>` and annotated with that digest; a lookup pulls that tag, checks the
 * annotation and every file against the SHA-256 in the manifest, and only then fills the local cache
 * entry. A registry that has no such tag is a miss (build); one that does not answer is an error, not
 * a silent local build whose push would fail anyway.
 *
 * Trust: the content digest names the inputs, not the output, so whoever can push to the repository
 * can put any kernel under a digest, as with any shared build cache (docker's registry cache too).
 * Use a repository only the builders of these images can write to.
 */
import { OciReference, formatOciReference } from "../model";
import { pullPackage, pushPackage } from "../registry/ociPackage";
import { AccessDenied, ManifestUnknown } from "../registry/skopeo";
import { Artifact, BuildInputError } from "./engine";
import type { Provenance } from "./provenance";

/** Where builds are cached: a repository (no tag, no digest), and whether it is plain HTTP. */
export interface RemoteCache {
    repository: OciReference;
    insecure?: boolean;
    /**
     * Look builds up, never push (a pull request's build: it runs code not yet reviewed, so it must
     * not be able to put a kernel under a digest that main will pull).
     */
    pullOnly?: boolean;
}

/** Manifest annotations of a build package. */
export const BUILD_ANNOTATION = {
    digest: "dev.pulumi-unikernel.digest",
    engine: "dev.pulumi-unikernel.engine",
    engineVersion: "dev.pulumi-unikernel.engine-version",
    kernelFamily: "dev.pulumi-unikernel.kernel-family",
    platform: "dev.pulumi-unikernel.platform",
    architecture: "dev.pulumi-unikernel.architecture",
    kind: "dev.pulumi-unikernel.kind",
    // What a stack that takes the package by digest (no sources) needs to make its disk.
    name: "dev.pulumi-unikernel.name",
    cmdline: "dev.pulumi-unikernel.cmdline",
    // Provenance: the image spec's own keys where it has them.
    revision: "org.opencontainers.image.revision",
    created: "org.opencontainers.image.created",
    dirty: "dev.pulumi-unikernel.source-dirty",
    toolVersion: "dev.pulumi-unikernel.tool-version",
} as const;

/** The tag a build's package is pushed under. */
export function buildTag(digest: string): string {
    return `build-${digest}`;
}

/** The repository as text, `registry/repository`: what an artifact record lists as pushed to. */
export function cacheName(cache: RemoteCache): string {
    return formatOciReference({ registry: cache.repository.registry, repository: cache.repository.repository });
}

/**
 * Pulls the build `digest` into `entryDir` (files named by `fileName`), or resolves to undefined
 * when the registry has none. Resolves to the package reference and each file's SHA-256.
 */
export async function pullBuild(
    cache: RemoteCache,
    digest: string,
    fileName: (role: "kernel" | "initrd" | "disk") => string,
    log: (text: string) => void,
): Promise<PulledBuild | undefined> {
    try {
        return await pullBuildPackage(
            { ...cache.repository, tag: buildTag(digest) },
            Boolean(cache.insecure),
            digest,
            fileName,
        );
    } catch (error) {
        if (error instanceof ManifestUnknown) return undefined;
        // ghcr.io says DENIED for a repository not made yet: a miss; the push will check the credentials.
        if (error instanceof AccessDenied) {
            log(`build: ${cacheName(cache)} refused the lookup (${error.message}); building\n`);
            return undefined;
        }
        throw error;
    }
}

/** A pulled build: its package reference (by manifest digest), the SHA-256 of each file by role, and its provenance. */
export interface PulledBuild {
    reference: string;
    files: Partial<Record<"kernel" | "initrd" | "disk", string>>;
    provenance?: Provenance;
}

/**
 * Pulls the package at `from` (a build tag, or a manifest digest) whose annotations say it is the
 * build `digest`, writing each of its files where `fileName` says.
 */
export async function pullBuildPackage(
    from: OciReference,
    insecure: boolean,
    digest: string,
    fileName: (role: "kernel" | "initrd" | "disk") => string,
): Promise<PulledBuild> {
    const pulled = await pullPackage({
        from,
        insecure,
        outFor: (role) => (role === "file" ? undefined : fileName(role)),
        expect: (annotations) =>
            annotations[BUILD_ANNOTATION.digest] === digest
                ? undefined
                : `it is annotated with build ${annotations[BUILD_ANNOTATION.digest] ?? "(none)"}, not ${digest}`,
    });
    const files: PulledBuild["files"] = {};
    for (const file of pulled.files) if (file.role !== "file") files[file.role] = file.sha256;
    if (!files.kernel && !files.disk) throw new BuildInputError(`${formatOciReference(from)} holds no kernel or disk`);
    return {
        reference: formatOciReference({ registry: from.registry, repository: from.repository, digest: pulled.digest }),
        files,
        provenance: provenanceFrom(pulled.annotations),
    };
}

/** Pushes a built artifact's files as the package of its digest; resolves to its reference. */
export async function pushBuild(cache: RemoteCache, artifact: Artifact): Promise<string> {
    const files = (["kernel", "initrd", "disk"] as const)
        .filter((role) => artifact[role] !== undefined)
        .map((role) => ({ role: role, file: artifact[role]! }));
    const pushed = await pushPackage({
        files,
        to: { ...cache.repository, tag: buildTag(artifact.digest) },
        insecure: cache.insecure,
        annotations: {
            [BUILD_ANNOTATION.digest]: artifact.digest,
            [BUILD_ANNOTATION.engine]: artifact.engine,
            [BUILD_ANNOTATION.engineVersion]: artifact.engineVersion,
            [BUILD_ANNOTATION.kernelFamily]: artifact.kernelFamily,
            [BUILD_ANNOTATION.platform]: artifact.target.platform,
            [BUILD_ANNOTATION.architecture]: artifact.target.architecture,
            [BUILD_ANNOTATION.kind]: artifact.kind,
            [BUILD_ANNOTATION.name]: artifact.name,
            [BUILD_ANNOTATION.cmdline]: artifact.cmdline,
            ...provenanceAnnotations(artifact.provenance),
        },
    });
    return pushed.reference;
}

function provenanceAnnotations(p: Provenance | undefined): Record<string, string> {
    if (!p) return {};
    return {
        ...(p.revision ? { [BUILD_ANNOTATION.revision]: p.revision } : {}),
        ...(p.dirty !== undefined ? { [BUILD_ANNOTATION.dirty]: String(p.dirty) } : {}),
        [BUILD_ANNOTATION.created]: p.builtAt,
        [BUILD_ANNOTATION.toolVersion]: p.toolVersion,
    };
}

/** The provenance a package's annotations carry, checked to be what this package writes. */
export function provenanceFrom(a: Record<string, string>): Provenance | undefined {
    const builtAt = a[BUILD_ANNOTATION.created];
    const toolVersion = a[BUILD_ANNOTATION.toolVersion];
    if (
        !builtAt ||
        !/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(builtAt) ||
        !toolVersion ||
        !/^[0-9A-Za-z.+-]{1,64}$/.test(toolVersion)
    ) {
        return undefined;
    }
    const revision = a[BUILD_ANNOTATION.revision];
    return {
        builtAt,
        toolVersion,
        ...(revision && /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(revision) ? { revision } : {}),
        ...(a[BUILD_ANNOTATION.dirty] === "true" || a[BUILD_ANNOTATION.dirty] === "false"
            ? { dirty: a[BUILD_ANNOTATION.dirty] === "true" }
            : {}),
    };
}
