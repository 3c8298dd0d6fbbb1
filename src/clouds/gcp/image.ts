/**
 * A disk to a GCE image: the GCE archive (`disk.raw` in a GNU-format gzip tar) made locally, in a
 * private bucket (uniform access, public access prevention), imported as a `compute.Image`.
 */
import * as command from "@pulumi/command";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import {
    BootMode,
    ImageProvenance,
    KERNEL_CAPABILITIES,
    KernelFamily,
    Platform,
    gcpProvenanceLabels,
} from "../../model";
import { unikernelCommand } from "../../contract/command";
import { convertArgv, parseConvertResult } from "../../contract/convert";
import { cacheRoot } from "../../internal/cacheDir";
import { safeFileName } from "../../internal/naming";

/**
 * The guest OS features an image declares: GVNIC only for kernels with a gVNIC driver (the
 * compatibility table), UEFI_COMPATIBLE for UEFI disks.
 */
export function guestOsFeatures(family: KernelFamily, platform: Platform, boot: BootMode): string[] {
    return [
        ...(KERNEL_CAPABILITIES[family][platform].network.includes("gvnic") ? ["GVNIC"] : []),
        ...(boot === "uefi" ? ["UEFI_COMPATIBLE"] : []),
    ];
}

/** What the image is made of. */
export interface GceImageSource {
    diskPath: pulumi.Input<string>;
    digest: pulumi.Input<string>;
    features: pulumi.Output<string[]>;
    family?: pulumi.Input<string>;
    bucketLocation?: pulumi.Input<string>;
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Each field may be an Output (UnikernelImage's); pulumi.output unwraps them all. */
    provenance?: pulumi.Input<{ [K in keyof ImageProvenance]?: pulumi.Input<ImageProvenance[K]> }>;
}

/** The image, and the bucket its archive sits in. */
export interface GceImage {
    image: gcp.compute.Image;
    bucket: gcp.storage.Bucket;
}

/** The archive step, the private bucket and object, and the image (`${name}-<digest>`). */
export function createImage(name: string, source: GceImageSource, parent: pulumi.Resource): GceImage {
    const shortDigest = pulumi.output(source.digest).apply((d) => d.slice(0, 16));
    const provenance = pulumi.output(source.provenance ?? {});
    const labels = pulumi
        .all([source.labels ?? {}, shortDigest, provenance])
        .apply(([l, d, p]): Record<string, string> => ({
            ...l,
            ...gcpProvenanceLabels(p),
            "unikernel-digest": d,
            "managed-by": "pulumi-unikernel",
        }));

    const archive = new command.local.Command(
        `${name}-archive`,
        {
            create: pulumi.all([source.diskPath, shortDigest]).apply(([disk, d]) =>
                unikernelCommand(
                    convertArgv({
                        disk,
                        format: "gce",
                        out: path.join(cacheRoot(), "images", `${safeFileName(name)}-${d}.tar.gz`),
                    }),
                ),
            ),
            triggers: [source.digest],
        },
        { parent },
    );
    const bucket = new gcp.storage.Bucket(
        `${name}-bucket`,
        {
            location: pulumi.output(source.bucketLocation).apply((l) => l ?? "US"),
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            forceDestroy: true,
            labels,
        },
        { parent },
    );
    const object = new gcp.storage.BucketObject(
        `${name}-archive`,
        {
            bucket: bucket.name,
            name: pulumi.interpolate`${name}-${shortDigest}.tar.gz`,
            source: archive.stdout.apply((s) => new pulumi.asset.FileAsset(parseConvertResult(s).path)),
        },
        { parent },
    );
    const image = new gcp.compute.Image(
        name,
        {
            name: pulumi.interpolate`${name}-${shortDigest}`,
            rawDisk: { source: pulumi.interpolate`https://storage.googleapis.com/${bucket.name}/${object.name}` },
            guestOsFeatures: source.features.apply((f) => f.map((type) => ({ type }))),
            family: source.family,
            // Labels only: they change in place, where a description or object metadata would
            // replace the image (its name is fixed by the digest) when provenance changes.
            labels,
        },
        { parent },
    );
    return { image, bucket };
}
