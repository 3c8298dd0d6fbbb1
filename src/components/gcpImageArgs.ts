import * as pulumi from "@pulumi/pulumi";
import { ProvenanceArgs } from "./types";
import { Architecture, BootMode, KernelFamily, Platform } from "./enums";

/** Inputs of {@link GcpImage}. */
export interface GcpImageArgs {
    /** The bootable raw disk (from `UnikernelImage.diskPath`). */
    diskPath: pulumi.Input<string>;
    /** Content digest of the image: names the archive and labels the image. */
    digest: pulumi.Input<string>;
    /**
     * Digest of the disk's inputs (UnikernelImage.diskDigest): labelled on the image and bucket,
     * and what `reuseFrom` matches besides `digest`.
     */
    diskDigest?: pulumi.Input<string>;
    /**
     * Stacks (`organization/project/stack`, e.g. `acme/web/dev`) whose READY image of the same disk
     * (same `digest` and `diskDigest`, in the provider's project) this stack uses instead of
     * uploading; the first stack listed that has one wins, and its oldest. Reuse is trust in those
     * stacks' images, so it names them. The image stays that stack's: destroying it deletes the
     * image (running instances keep running; new ones cannot start), so name stacks that outlive
     * this one. A stack that has made its own image keeps using it. Needs `diskDigest`.
     * @default - never reuse
     */
    reuseFrom?: string[];
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
    /**
     * Where the image came from (UnikernelImage's `sourceRevision`, `sourceDirty`, `builtAt`,
     * `engine` + `engineVersion`, `package`), carried on the image and its bucket (labels `unikernel-source-revision`, `unikernel-source-dirty`, `unikernel-built-at`, `unikernel-engine`, within GCE's label rules; the package reference fits no label). Labels only, since they change in
     * place: provenance that changes never replaces the image.
     * @default - only the digest and kernel family are recorded.
     */
    provenance?: pulumi.Input<ProvenanceArgs>;
}
