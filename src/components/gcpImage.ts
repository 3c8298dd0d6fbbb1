import * as command from "@pulumi/command";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { KERNEL_CAPABILITIES, Problem, parseKernelFamily } from "../model";
import { cacheRoot } from "../internal/cacheDir";
import { unikernelCommand } from "./cliCommand";
import { Architecture, BootMode, KernelFamily, Platform } from "./enums";
import { checkedArgs } from "./inputErrors";

/** Inputs of {@link GcpImage}. */
export interface GcpImageArgs {
    /** The bootable raw disk (from `UnikernelImage.diskPath`). */
    diskPath: pulumi.Input<string>;
    /** Content digest of the image: names the archive and labels the image. */
    digest: pulumi.Input<string>;
    /** Kernel family: decides the guest OS features declared on the image. */
    kernelFamily: pulumi.Input<KernelFamily>;
    /** Unikraft platform of the kernel. @default qemu */
    platform?: pulumi.Input<Platform>;
    /**
     * CPU architecture of the image.
     * @default x86_64
     */
    architecture?: pulumi.Input<Architecture>;
    /** Firmware of the disk. @default - bios on x86_64, uefi on arm64 */
    bootMode?: pulumi.Input<BootMode>;
    /** Bucket location for the upload. @default US */
    bucketLocation?: pulumi.Input<string>;
    /** Image family, so instances can follow the newest image. */
    family?: pulumi.Input<string>;
    /** Labels for the image and the bucket, beside the digest. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/**
 * Disk -> GCE image: the GCE archive (`disk.raw` in a GNU-format gzip tar, whole GiB), in a private
 * bucket with uniform access and public access prevention, imported as a `compute.Image` that
 * declares the guest OS features the kernel really has: GVNIC only for kernels with a gVNIC driver,
 * UEFI_COMPATIBLE for UEFI disks.
 *
 * @example
 * ```ts
 * const gceImage = new GcpImage("web", { diskPath: image.diskPath, digest: image.digest, kernelFamily: KernelFamily.Unikraft });
 * ```
 */
export class GcpImage extends pulumi.ComponentResource {
    /** The image's self link. */
    public readonly imageSelfLink: pulumi.Output<string>;
    /** The image name. */
    public readonly imageName: pulumi.Output<string>;
    /** The bucket holding the archive. */
    public readonly bucketName: pulumi.Output<string>;
    /** Guest OS features declared on the image. */
    public readonly guestOsFeatures: pulumi.Output<string[]>;

    /**
     * @param name The component name; the image is `${name}`, the other children `${name}-<role>`.
     * @param args The disk and what the kernel is.
     * @param opts Resource options.
     */
    constructor(name: string, args: GcpImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:GcpImage", name, {}, opts);
        const resolved = checkedArgs("GcpImage", args, validateGcpImageArgs);
        const shortDigest = pulumi.output(args.digest).apply((d) => d.slice(0, 16));
        const labels = pulumi.all([args.labels ?? {}, shortDigest]).apply(([l, d]): Record<string, string> => ({ ...l, "unikernel-digest": d, "managed-by": "pulumi-unikernel" }));
        const archive = new command.local.Command(`${name}-archive`, {
            create: pulumi.all([args.diskPath, shortDigest]).apply(([disk, d]) => unikernelCommand([
                "convert", disk, "--format", "gce", "--out", path.join(cacheRoot(), "images", `${name}-${d}.tar.gz`), "--json",
            ])),
            triggers: [args.digest],
        }, { parent: this });
        const bucket = new gcp.storage.Bucket(`${name}-bucket`, {
            location: pulumi.output(args.bucketLocation).apply((l) => l ?? "US"),
            uniformBucketLevelAccess: true,
            publicAccessPrevention: "enforced",
            forceDestroy: true,
            labels,
        }, { parent: this });
        const object = new gcp.storage.BucketObject(`${name}-archive`, {
            bucket: bucket.name,
            name: pulumi.interpolate`${name}-${shortDigest}.tar.gz`,
            source: archive.stdout.apply((s) => new pulumi.asset.FileAsset((JSON.parse(s) as { path: string }).path)),
        }, { parent: this });
        const image = new gcp.compute.Image(name, {
            name: pulumi.interpolate`${name}-${shortDigest}`,
            rawDisk: { source: pulumi.interpolate`https://storage.googleapis.com/${bucket.name}/${object.name}` },
            guestOsFeatures: resolved.features.apply((f) => f.map((type) => ({ type }))),
            family: args.family,
            labels,
        }, { parent: this });
        this.imageSelfLink = image.selfLink;
        this.imageName = image.name;
        this.bucketName = bucket.name;
        this.guestOsFeatures = resolved.features;
        this.registerOutputs({ imageSelfLink: this.imageSelfLink, imageName: this.imageName, bucketName: this.bucketName, guestOsFeatures: this.guestOsFeatures });
    }
}

/** Checks GcpImage inputs and derives the guest OS features from the compatibility table. @internal */
export function validateGcpImageArgs(args: pulumi.Unwrap<GcpImageArgs>): { value?: { features: string[] }; problems: Problem[] } {
    const problems: Problem[] = [];
    problems.push(...parseKernelFamily(args.kernelFamily, "kernelFamily").problems);
    const architecture = args.architecture ?? "x86_64";
    const boot = args.bootMode ?? (architecture === "arm64" ? "uefi" : "bios");
    if (architecture === "arm64" && boot !== "uefi") {
        problems.push({ path: "bootMode", message: "is bios, but GCE Arm machines (T2A, C4A) boot UEFI only; make the disk with bootMode uefi" });
    }
    if (problems.length) return { problems };
    const caps = KERNEL_CAPABILITIES[args.kernelFamily as "unikraft" | "nanos" | "bare"][(args.platform ?? "qemu") as "qemu" | "fc" | "xen"];
    const features = [
        ...(caps.network.includes("gvnic") ? ["GVNIC"] : []),
        ...(boot === "uefi" ? ["UEFI_COMPATIBLE"] : []),
    ];
    return { problems, value: { features } };
}
