import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { KERNEL_CAPABILITIES, KernelFamily, MachineArchitecture, Problem, findUnsafeCharacter, parseKernelFamily, resolveBootMode } from "../model";
import { UploadIdentity, uploadIdentity } from "../clouds/aws/providerCredentials";
import { cacheRoot } from "../internal/cacheDir";
import { safeFileName } from "../internal/naming";
import { deleteSnapshotArgv, parseUploadSnapshotResult, uploadSnapshotArgv } from "../contract/awsSnapshot";
import { unikernelCommand } from "../contract/command";
import { convertArgv, parseConvertResult } from "../contract/convert";
import { checkedArgs, requirePlain } from "./inputErrors";
import { AwsImageArgs } from "./awsImageArgs";

export { AwsImageArgs };

/**
 * Disk -> EBS snapshot -> AMI. The snapshot comes from the EBS direct APIs (only non-zero blocks are
 * sent; no bucket, no role; deleted on destroy) or from a streamOptimized VMDK in a private,
 * encrypted S3 bucket imported with a least-privilege `vmimport` role. The AMI declares what the
 * kernel needs: hvm, the architecture, the boot mode (UEFI for arm64) and ENA support only for kernels
 * that have an ENA driver.
 *
 * @example
 * ```ts
 * const ami = new AwsImage("web", { diskPath: image.diskPath, digest: image.digest, kernelFamily: KernelFamily.Nanos });
 * export const amiId = ami.imageId;
 * ```
 */
export class AwsImage extends pulumi.ComponentResource {
    /** The AMI id in the provider's region. */
    public readonly imageId: pulumi.Output<string>;
    /** The EBS snapshot behind the AMI. */
    public readonly snapshotId: pulumi.Output<string>;
    /** AMI ids of the copies, by region. */
    public readonly regionImageIds: pulumi.Output<Record<string, string>>;
    /** Whether the AMI declares ENA support. */
    public readonly enaSupport: pulumi.Output<boolean>;
    /** The AMI boot mode: legacy-bios or uefi. */
    public readonly bootMode: pulumi.Output<string>;

    /**
     * @param name The component name; the AMI is `${name}`, the other children `${name}-<role>`.
     * @param args The disk and what the kernel is.
     * @param opts Resource options.
     */
    constructor(name: string, args: AwsImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:AwsImage", name, {}, opts);
        requirePlain(args, ["uploadMethod", "copyToRegions"]);
        const resolved = checkedArgs("AwsImage", args, validateAwsImageArgs);
        const region = args.region ? pulumi.output(args.region) : aws.getRegionOutput({}, { parent: this }).region;
        const tags: pulumi.Output<Record<string, string>> = pulumi.all([args.tags ?? {}, args.digest, resolved]).apply(([t, digest, r]): Record<string, string> => ({
            ...t, "unikernel:digest": digest, "unikernel:kernel-family": r.kernelFamily, "unikernel:managed-by": "pulumi-unikernel",
        }));
        const snapshotId = args.uploadMethod === "s3-import"
            ? createS3Import(name, args, tags, this)
            : createEbsDirectUpload(name, args, region, tags, uploadIdentity(this.getProvider("aws::"), args.uploadRoleArn), this);
        const ami = new aws.ec2.Ami(name, {
            name: pulumi.interpolate`${name}-${pulumi.output(args.digest).apply((d) => d.slice(0, 16))}`,
            virtualizationType: "hvm",
            architecture: resolved.architecture,
            bootMode: resolved.amiBootMode,
            enaSupport: resolved.enaSupport,
            rootDeviceName: "/dev/xvda",
            // No `encrypted` here (AWS refuses it beside a snapshot): the snapshot is encrypted, so
            // every volume made from this AMI is.
            ebsBlockDevices: [{ deviceName: "/dev/xvda", snapshotId, volumeType: "gp3", deleteOnTermination: true }],
            tags,
        }, { parent: this });
        const copies: Record<string, pulumi.Output<string>> = {};
        for (const target of args.copyToRegions ?? []) {
            const provider = new aws.Provider(`${name}-${target}`, { region: target as aws.Region }, { parent: this });
            copies[target as string] = new aws.ec2.AmiCopy(`${name}-copy-${target}`, {
                name: ami.name, sourceAmiId: ami.id, sourceAmiRegion: region, tags,
                // Encrypted in the target region with its default EBS key (a KMS key is regional).
                encrypted: true,
            }, { parent: this, provider }).id;
        }
        this.imageId = ami.id;
        this.snapshotId = snapshotId;
        this.regionImageIds = pulumi.output(copies) as pulumi.Output<Record<string, string>>;
        this.enaSupport = resolved.enaSupport;
        this.bootMode = resolved.amiBootMode;
        this.registerOutputs({ imageId: this.imageId, snapshotId: this.snapshotId, regionImageIds: this.regionImageIds });
    }
}

/** KMS key or alias ARNs, in any partition. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
/** IAM role ARNs, in any partition. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_\/-]+$/;

interface ResolvedAwsImageArgs {
    kernelFamily: KernelFamily;
    architecture: MachineArchitecture;
    amiBootMode: "legacy-bios" | "uefi";
    enaSupport: boolean;
}

/** Checks AwsImage inputs and derives the AMI settings. @internal */
export function validateAwsImageArgs(args: pulumi.Unwrap<AwsImageArgs>): { value?: ResolvedAwsImageArgs; problems: Problem[] } {
    const problems: Problem[] = [];
    const family = parseKernelFamily(args.kernelFamily, "kernelFamily");
    const architecture = args.architecture ?? "x86_64";
    const boot = resolveBootMode(architecture, args.bootMode, "bootMode", "arm64 AMIs (Graviton) boot UEFI only; make the disk with bootMode uefi");
    problems.push(...family.problems, ...boot.problems);
    if (!args.diskPath) problems.push({ path: "diskPath", message: "missing; give the raw disk (UnikernelImage.diskPath)" });
    if (!args.digest) problems.push({ path: "digest", message: "missing; give the image digest (UnikernelImage.digest)" });
    else if (!/^[A-Za-z0-9:._-]{1,128}$/.test(args.digest)) {
        problems.push({ path: "digest", message: `got ${JSON.stringify(String(args.digest).slice(0, 80))}; expected a digest such as UnikernelImage.digest (letters, digits, ":", ".", "_", "-"; at most 128); it names the AMI` });
    }
    problems.push(...checkAwsTags(args.tags ?? {}));
    if (args.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
        problems.push({ path: "kmsKeyArn", message: `got ${JSON.stringify(args.kmsKeyArn)}; expected a KMS key ARN such as "arn:aws:kms:us-east-1:111122223333:key/1234abcd-..."` });
    }
    if (args.uploadRoleArn !== undefined && !ROLE_ARN.test(args.uploadRoleArn)) {
        problems.push({ path: "uploadRoleArn", message: `got ${JSON.stringify(args.uploadRoleArn)}; expected an IAM role ARN such as "arn:aws:iam::111122223333:role/uploader"` });
    }
    if (problems.length || !family.value || !boot.value) return { problems };
    // ENA support on an AMI that has no ENA driver lets it start on ENA-only types and hang; declare it only when true.
    const caps = KERNEL_CAPABILITIES[family.value][args.platform ?? "qemu"];
    return { problems, value: { kernelFamily: family.value, architecture, amiBootMode: boot.value === "uefi" ? "uefi" : "legacy-bios", enaSupport: caps.network.includes("ena") } };
}

/**
 * AWS tag rules (EC2 and IAM alike): keys 1-128 characters, values at most 256, neither starting
 * with the reserved "aws:" prefix, the package's own "unikernel:" keys left to it. Keys also must
 * not hold "=", which the upload command's `--tag key=value` splits on.
 */
function checkAwsTags(tags: Record<string, string>): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(tags)) {
        const at = `tags[${JSON.stringify(key)}]`;
        if (key.length < 1 || key.length > 128 || key.includes("=") || findUnsafeCharacter(key)) {
            problems.push({ path: at, message: "the key must be 1 to 128 printable characters without \"=\"" });
        } else if (/^aws:/i.test(key) || key.startsWith("unikernel:")) {
            problems.push({ path: at, message: `the key prefix "${key.split(":")[0]}:" is reserved (by AWS, or for the tags this package sets); choose another key` });
        }
        if (typeof value !== "string" || value.length > 256 || findUnsafeCharacter(value)) {
            problems.push({ path: at, message: "the value must be a string of at most 256 printable characters" });
        }
    }
    return problems;
}

function createEbsDirectUpload(name: string, args: AwsImageArgs, region: pulumi.Output<string>, tags: pulumi.Output<Record<string, string>>, identity: UploadIdentity,
    parent: pulumi.Resource): pulumi.Output<string> {
    const upload = new command.local.Command(`${name}-snapshot`, {
        // No idempotency token: a failed upload deletes its snapshot, and a retry with the same
        // token would be handed that deleted snapshot back.
        create: pulumi.all([args.diskPath, region, tags, args.digest, args.kmsKeyArn, identity.roles]).apply(([disk, r, t, digest, kms, roles]) => unikernelCommand(uploadSnapshotArgv({
            disk, region: r, description: `pulumi-unikernel ${digest.slice(0, 16)}`, tags: t, kmsKeyArn: kms, roles,
        }))),
        delete: pulumi.all([region, identity.roles]).apply(([r, roles]) => unikernelCommand(deleteSnapshotArgv(r, roles))),
        // The provider's profile and keys: the upload lands in the account and region the stack targets.
        environment: identity.environment,
        addPreviousOutputInEnv: true,
        triggers: [args.digest],
    }, { parent });
    return upload.stdout.apply((s) => parseUploadSnapshotResult(s).snapshotId);
}

/**
 * The S3 import path: the disk as a streamOptimized VMDK in a private, encrypted bucket, and a
 * `vmimport` role trusted only by vmie.amazonaws.com (with the ExternalId AWS documents) that may
 * read that one bucket and nothing else.
 */
function createS3Import(name: string, args: AwsImageArgs, tags: pulumi.Output<Record<string, string>>, parent: pulumi.Resource): pulumi.Output<string> {
    const vmdk = new command.local.Command(`${name}-vmdk`, {
        create: pulumi.all([args.diskPath, args.digest]).apply(([disk, digest]) => unikernelCommand(convertArgv({
            disk, format: "vmdk", out: path.join(cacheRoot(), "images", `${safeFileName(name)}-${digest.slice(0, 16)}.vmdk`),
        }))),
        triggers: [args.digest],
    }, { parent });
    const vmdkPath = vmdk.stdout.apply((s) => parseConvertResult(s).path);
    const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: true, tags }, { parent });
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-bucket`, {
        bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true,
    }, { parent });
    new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-bucket`, {
        bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
    }, { parent });
    // TLS only: any request over plain HTTP is denied, whoever makes it.
    new aws.s3.BucketPolicy(`${name}-bucket`, {
        bucket: bucket.id,
        policy: bucket.arn.apply((arn) => JSON.stringify({
            Version: "2012-10-17",
            Statement: [{
                Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            }],
        })),
    }, { parent, dependsOn: [publicAccessBlock] });
    const key = pulumi.interpolate`${name}-${pulumi.output(args.digest).apply((d) => d.slice(0, 16))}.vmdk`;
    const object = new aws.s3.BucketObjectv2(`${name}-vmdk`, {
        bucket: bucket.id, key, source: vmdkPath.apply((p) => new pulumi.asset.FileAsset(p)), serverSideEncryption: "aws:kms", tags,
    }, { parent });
    const role = new aws.iam.Role(`${name}-vmimport`, {
        assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "vmie.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:Externalid": "vmimport" } } }],
        }),
        tags,
    }, { parent });
    new aws.iam.RolePolicy(`${name}-vmimport`, {
        role: role.id,
        policy: pulumi.all([bucket.arn, args.kmsKeyArn]).apply(([arn, kmsKey]) => JSON.stringify({
            Version: "2012-10-17",
            Statement: [
                { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: [arn] },
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${arn}/*`] },
                { Effect: "Allow", Action: ["ec2:ModifySnapshotAttribute", "ec2:CopySnapshot", "ec2:RegisterImage", "ec2:Describe*"], Resource: "*" },
                { Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey*"], Resource: "*", Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } } },
                // The imported snapshot is encrypted: VM Import needs the EBS key, through EC2 only.
                {
                    Effect: "Allow", Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
                    Resource: kmsKey ?? "*", Condition: { StringLike: { "kms:ViaService": "ec2.*.amazonaws.com" } },
                },
            ],
        })),
    }, { parent });
    const imported = new aws.ebs.SnapshotImport(`${name}-import`, {
        diskContainer: { format: "VMDK", userBucket: { s3Bucket: bucket.id, s3Key: object.key } },
        roleName: role.name,
        encrypted: true,
        kmsKeyId: args.kmsKeyArn,
        description: key,
        tags,
    }, { parent });
    return imported.id;
}
