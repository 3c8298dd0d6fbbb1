import * as pulumi from "@pulumi/pulumi";
import { Problem, parseKernelFamily, resolveBootMode } from "../model";
import { createImage, guestOsFeatures } from "../clouds/gcp/image";
import { checkedArgs } from "./inputErrors";
import { GcpImageArgs } from "./gcpImageArgs";

export { GcpImageArgs };

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
        const { image, bucket } = createImage(name, { ...args, features: resolved.features }, this);
        this.imageSelfLink = image.selfLink;
        this.imageName = image.name;
        this.bucketName = bucket.name;
        this.guestOsFeatures = resolved.features;
        this.registerOutputs({
            imageSelfLink: this.imageSelfLink,
            imageName: this.imageName,
            bucketName: this.bucketName,
            guestOsFeatures: this.guestOsFeatures,
        });
    }
}

/** Checks GcpImage inputs and derives the guest OS features from the compatibility table. @internal */
export function validateGcpImageArgs(args: pulumi.Unwrap<GcpImageArgs>): {
    value?: { features: string[] };
    problems: Problem[];
} {
    const problems: Problem[] = [];
    const family = parseKernelFamily(args.kernelFamily, "kernelFamily");
    const boot = resolveBootMode(
        args.architecture ?? "x86_64",
        args.bootMode,
        "bootMode",
        "GCE Arm machines (T2A, C4A) boot UEFI only; make the disk with bootMode uefi",
    );
    problems.push(...family.problems, ...boot.problems);
    if (problems.length || !family.value || !boot.value) return { problems };
    return { problems, value: { features: guestOsFeatures(family.value, args.platform ?? "qemu", boot.value) } };
}
