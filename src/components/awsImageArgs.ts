import * as pulumi from "@pulumi/pulumi";
import { ProvenanceArgs } from "./types";
import { Architecture, AwsUploadMethod, BootMode, KernelFamily, Platform } from "./enums";

/** Inputs of {@link AwsImage}. */
export interface AwsImageArgs {
    /** The bootable raw disk (from `UnikernelImage.diskPath`). */
    diskPath: pulumi.Input<string>;
    /** Content digest of the image: names the AMI, tags it, and triggers a new upload when it changes. */
    digest: pulumi.Input<string>;
    /**
     * Digest of the disk's inputs (UnikernelImage.diskDigest): tagged on the AMI, and what
     * `reuseFrom` matches besides `digest`.
     */
    diskDigest?: pulumi.Input<string>;
    /**
     * Stacks (`organization/project/stack`, e.g. `acme/web/dev`) whose AMI of the same disk this
     * stack uses instead of uploading: same `digest` and `diskDigest`, kernel family, architecture,
     * boot mode and ENA support; owner self, available and not deprecated, in the provider's region.
     * The first stack listed that has one wins, and its oldest match. Reuse is trust in those
     * stacks' images, so it names them. The AMI stays that stack's: destroying it deregisters the
     * AMI (running instances keep running; new ones cannot start), so name stacks that outlive this
     * one. A stack that has made its own AMI keeps using it. Copies to `copyToRegions` are this
     * stack's. Needs `diskDigest`.
     * @default - never reuse
     */
    reuseFrom?: string[];
    /** Kernel family: decides ENA support and where the AMI can run. */
    kernelFamily: pulumi.Input<KernelFamily>;
    /** Unikraft platform of the kernel. @default qemu */
    platform?: pulumi.Input<Platform>;
    /**
     * CPU architecture of the image.
     * @default x86_64
     */
    architecture?: pulumi.Input<Architecture>;
    /** Firmware of the disk. arm64 AMIs boot UEFI only. @default - bios on x86_64, uefi on arm64 */
    bootMode?: pulumi.Input<BootMode>;
    /**
     * How the disk becomes a snapshot.
     * @default ebs-direct
     */
    uploadMethod?: AwsUploadMethod;
    /** AWS region for the upload (the AMI is made in the provider's region). @default - the `aws:region` config */
    region?: pulumi.Input<string>;
    /** Other regions to copy the AMI to. @default [] */
    copyToRegions?: pulumi.Input<string>[];
    /**
     * Tags for the snapshot and the AMI, beside the digest and build metadata. AWS's rules apply:
     * keys of 1-128 characters without "=", values of at most 256; keys starting with "aws:" (AWS's)
     * or "unikernel:" (the package's own tags) are refused.
     */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * KMS key (ARN) that encrypts the snapshot, and so the AMI and every volume made from it.
     * Snapshots are always encrypted; copies to other regions use each region's default EBS key.
     * @default - the account's default EBS key (aws/ebs)
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * A role the EBS direct upload assumes. The upload otherwise acts as the AWS provider this
     * component uses (its profile and keys, or the stack's `aws:` config including
     * `aws:assumeRoles`); an explicit provider's `assumeRoles` cannot be read by the program, so
     * give its role here.
     * @default - the provider's own identity
     */
    uploadRoleArn?: pulumi.Input<string>;
    /**
     * Where the image came from (UnikernelImage's `sourceRevision`, `sourceDirty`, `builtAt`,
     * `engine` + `engineVersion`, `package`), carried on the AMI and its copies (tags `unikernel:source-revision`, `unikernel:source-dirty`, `unikernel:built-at`, `unikernel:engine`, `unikernel:package`; a value over 256 characters is left out).
     * @default - only the digest and kernel family are recorded.
     */
    provenance?: pulumi.Input<ProvenanceArgs>;
}
