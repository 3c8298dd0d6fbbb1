/** An AMI over an encrypted snapshot, declaring what the kernel needs, and its copies in other regions. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BootMode, KERNEL_CAPABILITIES, KernelFamily, MachineArchitecture, Platform } from "../../model";

/** What an AMI declares about the kernel it boots. */
export interface AmiSettings {
    architecture: MachineArchitecture;
    bootMode: "legacy-bios" | "uefi";
    /** True only for kernels with an ENA driver. */
    enaSupport: boolean;
}

/**
 * The AMI settings for a kernel: ENA support on an AMI whose kernel has no ENA driver lets it start
 * on ENA-only instance types and hang there, so it is declared only when true (the compatibility table).
 */
export function amiSettings(
    family: KernelFamily,
    platform: Platform,
    architecture: MachineArchitecture,
    boot: BootMode,
): AmiSettings {
    return {
        architecture,
        bootMode: boot === "uefi" ? "uefi" : "legacy-bios",
        enaSupport: KERNEL_CAPABILITIES[family][platform].network.includes("ena"),
    };
}

/** The AMI's name: the component name and the digest's first 16 characters. */
export function amiName(name: string, digest: pulumi.Input<string>): pulumi.Output<string> {
    return pulumi.interpolate`${name}-${pulumi.output(digest).apply((d) => d.slice(0, 16))}`;
}

/** The AMI, and the ids of its copies by region. */
export interface AmiWithCopies {
    ami: aws.ec2.Ami;
    regionImageIds: pulumi.Output<Record<string, string>>;
}

/**
 * The AMI (`${name}-<digest>`), hvm, over the snapshot as an encrypted gp3 root volume, and an
 * encrypted copy in each region of `copyToRegions`.
 */
export function createAmi(
    name: string,
    settings: pulumi.Output<AmiSettings>,
    snapshotId: pulumi.Output<string>,
    digest: pulumi.Input<string>,
    region: pulumi.Output<string>,
    copyToRegions: readonly string[],
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): AmiWithCopies {
    const ami = new aws.ec2.Ami(
        name,
        {
            name: amiName(name, digest),
            virtualizationType: "hvm",
            architecture: settings.architecture,
            bootMode: settings.bootMode,
            enaSupport: settings.enaSupport,
            rootDeviceName: "/dev/xvda",
            // No `encrypted` here (AWS refuses it beside a snapshot): the snapshot is encrypted, so
            // every volume made from this AMI is.
            ebsBlockDevices: [{ deviceName: "/dev/xvda", snapshotId, volumeType: "gp3", deleteOnTermination: true }],
            tags,
        },
        { parent },
    );
    return { ami, regionImageIds: createAmiCopies(name, ami.id, ami.name, region, copyToRegions, tags, parent) };
}

/** An encrypted copy of an AMI (this stack's, or one it reuses) in each region of `copyToRegions`, by region. */
export function createAmiCopies(
    name: string,
    sourceAmiId: pulumi.Input<string>,
    amiName: pulumi.Input<string>,
    region: pulumi.Output<string>,
    copyToRegions: readonly string[],
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): pulumi.Output<Record<string, string>> {
    const copies: Record<string, pulumi.Output<string>> = {};
    for (const target of copyToRegions) {
        const provider = new aws.Provider(`${name}-${target}`, { region: target as aws.Region }, { parent });
        copies[target] = new aws.ec2.AmiCopy(
            `${name}-copy-${target}`,
            {
                name: amiName,
                sourceAmiId,
                sourceAmiRegion: region,
                tags,
                // Encrypted in the target region with its default EBS key (a KMS key is regional).
                encrypted: true,
            },
            { parent, provider },
        ).id;
    }
    return pulumi.output(copies);
}
