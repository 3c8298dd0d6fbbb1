/**
 * Unikernel packages in an OCI registry: an OCI image manifest (an OCI 1.1 artifact) whose layers
 * are the artifact's files as they are (a kernel, its initrd, a raw disk), each named by role, and
 * whose annotations carry what the package is (its content digest, kernel family, target, boot mode,
 * provenance). Written as an OCI image layout in a private work directory and copied by skopeo.
 *
 * Pulls are by digest only: skopeo checks the manifest against the digest asked for and each blob
 * against its descriptor, and every file is hashed again here before it is moved into place, so a
 * file that arrives is byte for byte the one pushed, or nothing arrives.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { OciReference, StepFailure, formatOciReference } from "../model";
import { readBoundedFile, withWorkDir, writeAtomically } from "../internal/files";
import { sha256, sha256File } from "../internal/hashing";
import { skopeoCopy, skopeoInspectRaw } from "./skopeo";

/** What a layer holds. */
export type LayerRole = "kernel" | "initrd" | "disk" | "file";

export const LAYER_ROLES: readonly LayerRole[] = ["kernel", "initrd", "disk", "file"];

/** The media type of each role's layer. */
export const LAYER_MEDIA_TYPE: Readonly<Record<LayerRole, string>> = {
    kernel: "application/vnd.pulumi-unikernel.kernel.v1",
    initrd: "application/vnd.pulumi-unikernel.initrd.v1",
    disk: "application/vnd.pulumi-unikernel.disk.raw.v1",
    file: "application/octet-stream",
};

/** The manifest's artifactType. */
export const ARTIFACT_TYPE = "application/vnd.pulumi-unikernel.package.v1";

/** Annotation keys this package writes (reverse-DNS, as the image spec asks). */
export const ANNOTATION = {
    role: "dev.pulumi-unikernel.role",
    title: "org.opencontainers.image.title",
} as const;

/** OCI 1.1's empty config: `{}`. */
const EMPTY_CONFIG = {
    mediaType: "application/vnd.oci.empty.v1+json",
    digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    size: 2,
};

const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";

/** The largest manifest or index read back: real ones are a few KiB. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** One file of a package. */
export interface PackageFile {
    role: LayerRole;
    file: string;
}

interface Descriptor {
    mediaType: string;
    digest: string;
    size: number;
    annotations?: Record<string, string>;
}

interface Manifest {
    schemaVersion: 2;
    mediaType: string;
    artifactType?: string;
    config: Descriptor;
    layers: Descriptor[];
    annotations?: Record<string, string>;
}

/** What a push did. */
export interface PushResult {
    /** `registry/repository@sha256:<manifest digest>`. */
    reference: string;
    /** `sha256:<manifest digest>`. */
    digest: string;
    /** The tag it was pushed under as well. */
    tag: string;
    layers: { role: LayerRole; sha256: string; sizeBytes: number }[];
}

/**
 * Pushes `files` as one package to `to` (its tag, or `sha256-<hex of the first file>` when it has
 * none: content-addressed, so a second push of the same file replaces nothing else).
 */
export async function pushPackage(options: {
    files: readonly PackageFile[];
    to: OciReference;
    annotations?: Record<string, string>;
    insecure?: boolean;
}): Promise<PushResult> {
    if (!options.files.length) throw new StepFailure("a package needs at least one file");
    return withWorkDir("oci-push", async (work) => {
        const layout = path.join(work, "layout");
        const blobs = path.join(layout, "blobs", "sha256");
        await fs.mkdir(blobs, { recursive: true });
        const layers: Descriptor[] = [];
        const hashed: PushResult["layers"] = [];
        for (const { role, file } of options.files) {
            const stat = await fs.stat(file);
            if (!stat.isFile()) throw new StepFailure(`${file} is not a regular file`);
            const hex = await sha256File(file);
            // A link when the file is on the same file system (no copy of a disk); skopeo checks
            // each blob against its digest as it reads it, so a file changed meanwhile fails the push.
            await fs.link(file, path.join(blobs, hex)).catch(async (error: NodeJS.ErrnoException) => {
                if (error.code === "EEXIST") return;
                await fs.copyFile(file, path.join(blobs, hex));
            });
            layers.push({
                mediaType: LAYER_MEDIA_TYPE[role],
                digest: `sha256:${hex}`,
                size: stat.size,
                annotations: { [ANNOTATION.title]: path.basename(file), [ANNOTATION.role]: role },
            });
            hashed.push({ role, sha256: hex, sizeBytes: stat.size });
        }
        await fs.writeFile(path.join(blobs, EMPTY_CONFIG.digest.slice(7)), "{}");
        const manifest: Manifest = {
            schemaVersion: 2,
            mediaType: MANIFEST_MEDIA_TYPE,
            artifactType: ARTIFACT_TYPE,
            config: EMPTY_CONFIG,
            layers,
            ...(options.annotations && Object.keys(options.annotations).length
                ? { annotations: sortedRecord(options.annotations) }
                : {}),
        };
        const manifestBytes = Buffer.from(JSON.stringify(manifest));
        const manifestHex = sha256(manifestBytes);
        await fs.writeFile(path.join(blobs, manifestHex), manifestBytes);
        const tag = options.to.tag ?? `sha256-${hashed[0].sha256}`;
        await fs.writeFile(path.join(layout, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
        await fs.writeFile(
            path.join(layout, "index.json"),
            JSON.stringify({
                schemaVersion: 2,
                manifests: [
                    {
                        mediaType: MANIFEST_MEDIA_TYPE,
                        digest: `sha256:${manifestHex}`,
                        size: manifestBytes.length,
                        annotations: { "org.opencontainers.image.ref.name": tag },
                    },
                ],
            }),
        );
        const digestFile = path.join(work, "digest");
        const target = formatOciReference({ registry: options.to.registry, repository: options.to.repository, tag });
        await skopeoCopy({
            from: `oci:layout:${tag}`,
            to: `docker://${target}`,
            registry: options.to.registry,
            insecure: Boolean(options.insecure),
            digestFile,
            tmpdir: work,
        });
        const pushed = (await fs.readFile(digestFile, "utf8")).trim();
        if (pushed !== `sha256:${manifestHex}`) {
            throw new StepFailure(
                `the registry stored the manifest as ${pushed}, not as the sha256:${manifestHex} written`,
            );
        }
        return {
            reference: formatOciReference({
                registry: options.to.registry,
                repository: options.to.repository,
                digest: pushed,
            }),
            digest: pushed,
            tag,
            layers: hashed,
        };
    });
}

/** A package pulled by digest: its annotations and the layers written. */
export interface PullResult {
    digest: string;
    annotations: Record<string, string>;
    files: { role: LayerRole; path: string; sha256: string; sizeBytes: number }[];
}

/**
 * Pulls the package `from` (by digest; by tag only for a cache lookup, which checks what it finds
 * with `expect`) and writes each layer whose role `outFor` gives a path for,
 * each atomically: every layer is checked against its digest before any is moved, so content that
 * does not match leaves nothing at any path.
 */
export async function pullPackage(options: {
    from: OciReference;
    insecure?: boolean;
    outFor: (role: LayerRole, title: string) => string | undefined;
    /** Why the package's annotations are not what the caller looked for, or undefined when they are. */
    expect?: (annotations: Record<string, string>) => string | undefined;
}): Promise<PullResult> {
    const { from } = options;
    if (!from.digest && !from.tag) throw new StepFailure(`${formatOciReference(from)} names no digest to pull by`);
    return withWorkDir("oci-pull", async (work) => {
        const layout = path.join(work, "layout");
        // The manifest first, alone: what the package would bring is checked before any blob
        // comes, and the copy then asks for that very manifest by digest (a tag may move meanwhile).
        const { digest, manifest: announced } = await inspectManifest(from, Boolean(options.insecure), work);
        const announcedBytes = await checkBounds(formatOciReference(from), announced, work);
        await skopeoCopy({
            from: `docker://${formatOciReference({ ...from, tag: undefined, digest })}`,
            to: "oci:layout:pulled",
            registry: from.registry,
            insecure: Boolean(options.insecure),
            tmpdir: work,
            // A blob may sit in a temporary file and in the layout at once: twice, and some slack.
            maxBytes: 2 * announcedBytes + 16 * 1024 * 1024,
        });
        const manifest = await readManifest(layout, digest);
        const unexpected = options.expect?.(manifest.annotations ?? {});
        if (unexpected)
            throw new StepFailure(`${formatOciReference(from)} is not the package looked for: ${unexpected}`);
        const files: PullResult["files"] = [];
        const roles = manifest.layers.map(roleOf).filter((role) => role !== "file");
        if (new Set(roles).size !== roles.length) {
            throw new StepFailure(
                `${formatOciReference(from)} has two layers of one role (${roles.join(", ")}); refused`,
            );
        }
        const wanted = manifest.layers
            .map((layer) => ({ layer, role: roleOf(layer), title: layer.annotations?.[ANNOTATION.title] ?? "" }))
            .map((l) => ({ ...l, out: options.outFor(l.role, l.title) }))
            .filter((l): l is typeof l & { out: string } => l.out !== undefined);
        for (const { layer } of wanted) await checkBlob(layout, layer);
        for (const [i, { layer, role, out }] of wanted.entries()) {
            const blob = blobPath(layout, layer.digest);
            // The last layer that uses a blob may take it; an earlier one (same bytes twice) copies it.
            const shared = wanted.slice(i + 1).some((later) => later.layer.digest === layer.digest);
            const written = await writeAtomically(out, async (temp) => {
                if (shared) await fs.copyFile(blob, temp);
                else await fs.rename(blob, temp).catch(() => fs.copyFile(blob, temp));
                return { role, path: path.resolve(out), sha256: layer.digest.slice(7), sizeBytes: layer.size };
            });
            files.push(written);
        }
        return { digest, annotations: manifest.annotations ?? {}, files };
    });
}

function roleOf(layer: Descriptor): LayerRole {
    const role = layer.annotations?.[ANNOTATION.role];
    return LAYER_ROLES.includes(role as LayerRole) ? (role as LayerRole) : "file";
}

function blobPath(layout: string, digest: string): string {
    if (!/^sha256:[0-9a-f]{64}$/.test(digest))
        throw new StepFailure(`the package names a blob "${digest}" that is not sha256:<hex>`);
    return path.join(layout, "blobs", "sha256", digest.slice(7));
}

/** What a package says about itself: its manifest digest, annotations and layers, without any blob. */
export interface PackageManifest {
    digest: string;
    annotations: Record<string, string>;
    layers: { role: LayerRole; digest: string; sizeBytes: number }[];
}

/** Reads a package's manifest from the registry (no blob is fetched); by digest, it must be that manifest. */
export async function inspectPackage(from: OciReference, insecure: boolean): Promise<PackageManifest> {
    return withWorkDir("oci-inspect", async (work) => {
        const { digest, manifest } = await inspectManifest(from, insecure, work);
        return {
            digest,
            annotations: manifest.annotations ?? {},
            layers: manifest.layers.map((l) => ({ role: roleOf(l), digest: l.digest, sizeBytes: l.size })),
        };
    });
}

async function inspectManifest(
    from: OciReference,
    insecure: boolean,
    work: string,
): Promise<{ digest: string; manifest: Manifest }> {
    const raw = await skopeoInspectRaw({
        ref: `docker://${formatOciReference(from.digest ? { ...from, tag: undefined } : from)}`,
        registry: from.registry,
        insecure,
        tmpdir: work,
    });
    const digest = `sha256:${sha256(raw)}`;
    if (from.digest && digest !== from.digest) {
        throw new StepFailure(`${formatOciReference(from)}: the registry served a manifest that is ${digest}`);
    }
    return { digest, manifest: parseManifest(raw, digest) };
}

/** The manifest skopeo wrote, checked to be the one asked for, byte for byte. */
async function readManifest(layout: string, digest: string): Promise<Manifest> {
    const bytes = await readBoundedFile(blobPath(layout, digest), MAX_MANIFEST_BYTES);
    if (!bytes || `sha256:${sha256(bytes)}` !== digest) {
        throw new StepFailure(`the manifest received is not ${digest}`);
    }
    return parseManifest(bytes, digest);
}

/** An OCI image manifest with layers, each with a digest and a size. */
function parseManifest(bytes: Buffer, digest: string): Manifest {
    if (bytes.length > MAX_MANIFEST_BYTES) {
        throw new StepFailure(`${digest} is a manifest of ${bytes.length} bytes; packages have a few KiB`);
    }
    let manifest: Partial<Manifest>;
    try {
        manifest = JSON.parse(bytes.toString("utf8")) as Partial<Manifest>;
    } catch {
        throw new StepFailure(`${digest} is not JSON: not a package`);
    }
    if (manifest.mediaType !== MANIFEST_MEDIA_TYPE || !Array.isArray(manifest.layers) || manifest.layers.length === 0) {
        throw new StepFailure(`${digest} is not a package: not an OCI image manifest with layers`);
    }
    for (const layer of manifest.layers) {
        if (typeof layer?.digest !== "string" || !Number.isSafeInteger(layer.size) || layer.size < 0) {
            throw new StepFailure(`${digest} has a layer without a digest and size`);
        }
    }
    return manifest as Manifest;
}

/** A package has one layer per role and a few files; more is not one of ours. */
const MAX_LAYERS = 16;
/** Left free on the work directory's file system after a pull. */
const FREE_MARGIN_BYTES = 512 * 1024 * 1024;

/**
 * What a pull would write fits: a few layers, a small config, and all of it in the free space of the
 * file system the work directory is on (with a margin). Returns the bytes announced; the copy is
 * stopped if the registry sends much more (sizes in a manifest are claims, checked as blobs arrive).
 */
async function checkBounds(where: string, manifest: Manifest, work: string): Promise<number> {
    if (manifest.layers.length > MAX_LAYERS) {
        throw new StepFailure(`${where} has ${manifest.layers.length} layers (at most ${MAX_LAYERS}); refused`);
    }
    const config = (manifest as { config?: { size?: unknown } }).config;
    if (config && (!Number.isSafeInteger(config.size) || (config.size as number) > MAX_MANIFEST_BYTES)) {
        throw new StepFailure(`${where} has a config of ${String(config.size)} bytes; refused`);
    }
    const total = manifest.layers.reduce((sum, layer) => sum + layer.size, 0);
    const fsStat = await fs.statfs(work);
    const free = fsStat.bavail * fsStat.bsize;
    if (total + FREE_MARGIN_BYTES > free) {
        throw new StepFailure(
            `${where} holds ${total} bytes; the cache's file system has ${free} free (and keeps ${FREE_MARGIN_BYTES} spare); free space or set UNIKERNEL_CACHE_DIR elsewhere`,
        );
    }
    return total + ((config?.size as number | undefined) ?? 0);
}

/** A blob is what its descriptor says: its size, and its SHA-256 computed here. */
async function checkBlob(layout: string, layer: Descriptor): Promise<void> {
    const file = blobPath(layout, layer.digest);
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat?.isFile() || stat.size !== layer.size) {
        throw new StepFailure(`the layer ${layer.digest} arrived with ${stat?.size ?? 0} bytes, not ${layer.size}`);
    }
    const hex = await sha256File(file);
    if (`sha256:${hex}` !== layer.digest) {
        throw new StepFailure(`the layer ${layer.digest} arrived as sha256:${hex}: content does not match its digest`);
    }
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
