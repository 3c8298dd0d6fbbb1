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
            name: pulumi.interpolate`${name}-${pulumi.output(digest).apply((d) => d.slice(0, 16))}`,
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
    const copies: Record<string, pulumi.Output<string>> = {};
    for (const target of copyToRegions) {
        const provider = new aws.Provider(`${name}-${target}`, { region: target as aws.Region }, { parent });
        copies[target] = new aws.ec2.AmiCopy(
            `${name}-copy-${target}`,
            {
                name: ami.name,
                sourceAmiId: ami.id,
                sourceAmiRegion: region,
                tags,
                // Encrypted in the target region with its default EBS key (a KMS key is regional).
                encrypted: true,
            },
            { parent, provider },
        ).id;
    }
    return { ami, regionImageIds: pulumi.output(copies) };
}
