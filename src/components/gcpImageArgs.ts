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
     * and what `reuseExisting` matches besides `digest`.
     */
    diskDigest?: pulumi.Input<string>;
    /**
     * Use a READY image another stack of this project already made from the same disk (same
     * `digest` and `diskDigest`) instead of uploading. The image stays that stack's: destroying it
     * deletes the image (running instances keep running; new ones cannot start), so turn this on
     * for stacks promoted from a stack that outlives them. A stack that has made its own image
     * keeps using it. The digests must be known when the program runs (UnikernelImage's are).
     * Needs `diskDigest`.
     * @default false
     */
    reuseExisting?: boolean;
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
