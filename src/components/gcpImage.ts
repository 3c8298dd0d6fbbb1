import * as pulumi from "@pulumi/pulumi";
import { Problem, parseKernelFamily, resolveBootMode } from "../model";
import { createImage, guestOsFeatures } from "../clouds/gcp/image";
import { findReusableImage, reuseLabels } from "../clouds/gcp/imageLookup";
import { checkedArgs, requirePlain } from "./inputErrors";
import { checkReuse, ownOrReused } from "./reuse";
import { thisStack } from "./stackScope";
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
    /** The bucket holding the archive; undefined when the image is another stack's (`reusedFrom`). */
    public readonly bucketName: pulumi.Output<string | undefined>;
    /** With `reuseFrom`, the name of the other stack's image this component uses instead of uploading; else undefined. */
    public readonly reusedFrom: pulumi.Output<string | undefined>;
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
        const plain = requirePlain(args, ["reuseFrom"]);
        const stack = thisStack();
        const labels = pulumi
            .all([args.labels ?? {}, args.diskDigest])
            .apply(([l, diskDigest]) => ({ ...l, ...reuseLabels(diskDigest, stack) }));
        const own = () => {
            const { image, bucket } = createImage(name, { ...args, labels, features: resolved.features }, this);
            return {
                imageSelfLink: image.selfLink,
                imageName: image.name,
                bucketName: bucket.name as pulumi.Output<string | undefined>,
                reusedFrom: pulumi.output<string | undefined>(undefined),
            };
        };
        const choice = !plain.reuseFrom
            ? own()
            : ownOrReused(
                  ["imageSelfLink", "imageName", "bucketName", "reusedFrom"],
                  pulumi
                      .all([args.digest, args.diskDigest])
                      .apply(([digest, diskDigest]) =>
                          findReusableImage({ digest, diskDigest: diskDigest!, stack, from: plain.reuseFrom! }, this),
                      ),
                  own,
                  (found) => ({
                      imageSelfLink: pulumi.output(found.selfLink),
                      imageName: pulumi.output(found.name),
                      bucketName: pulumi.output<string | undefined>(undefined),
                      reusedFrom: pulumi.output<string | undefined>(found.name),
                  }),
              );
        this.imageSelfLink = choice.imageSelfLink;
        this.imageName = choice.imageName;
        this.bucketName = choice.bucketName;
        this.reusedFrom = choice.reusedFrom;
        this.guestOsFeatures = resolved.features;
        this.registerOutputs({
            imageSelfLink: this.imageSelfLink,
            imageName: this.imageName,
            bucketName: this.bucketName,
            guestOsFeatures: this.guestOsFeatures,
            reusedFrom: this.reusedFrom,
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
    if (!args.digest || typeof args.digest !== "string" || !/^[a-z0-9_-]{16,128}$/.test(args.digest)) {
        problems.push({
            path: "digest",
            message: `got ${JSON.stringify(String(args.digest ?? "").slice(0, 80))}; expected a digest such as UnikernelImage.digest (16-128 lower-case letters, digits, "_" or "-": it names the image and is a GCE label)`,
        });
    }
    problems.push(...checkReuse(args.diskDigest, args.reuseFrom, "UnikernelImage.diskDigest", "an image"));
    if (problems.length || !family.value || !boot.value) return { problems };
    return { problems, value: { features: guestOsFeatures(family.value, args.platform ?? "qemu", boot.value) } };
}
