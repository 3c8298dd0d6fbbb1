import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KernelFamily, Problem, parseKernelFamily, resolveBootMode, awsProvenanceTags } from "../model";
import { checkReuse, ownOrReused } from "./reuse";
import { AmiSettings, amiName, amiSettings, createAmi, createAmiCopies } from "../clouds/aws/ami";
import { DISK_DIGEST_TAG, STACK_TAG, findReusableAmi } from "../clouds/aws/amiLookup";
import { thisStack } from "./stackScope";
import { sha256 } from "../internal/hashing";
import { uploadIdentity } from "../clouds/aws/providerCredentials";
import { createS3Import } from "../clouds/aws/snapshotImport";
import { createEbsDirectUpload } from "../clouds/aws/snapshotUpload";
import { checkAwsTags } from "../clouds/aws/tags";
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
     * With `reuseFrom`, the stack (`organization/project/stack`) whose AMI this component uses
     * instead of uploading; undefined when the AMI is this stack's own.
     */
    public readonly reusedFrom: pulumi.Output<string | undefined>;

    /**
     * @param name The component name; the AMI is `${name}`, the other children `${name}-<role>`.
     * @param args The disk and what the kernel is.
     * @param opts Resource options.
     */
    constructor(name: string, args: AwsImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:AwsImage", name, {}, opts);
        const plain = requirePlain(args, ["uploadMethod", "copyToRegions", "reuseFrom"]);
        const resolved = checkedArgs("AwsImage", args, validateAwsImageArgs);
        const region = args.region ? pulumi.output(args.region) : aws.getRegionOutput({}, { parent: this }).region;
        const tags: pulumi.Output<Record<string, string>> = pulumi
            .all([args.tags ?? {}, args.digest, resolved])
            .apply(([t, digest, r]): Record<string, string> => ({
                ...t,
                "unikernel:digest": digest,
                "unikernel:kernel-family": r.kernelFamily,
                "unikernel:managed-by": "pulumi-unikernel",
            }));
        // Provenance on the AMI and its copies only, whose tags change in place: on the snapshot
        // they would be upload arguments, and a new build time for the same digest would upload again.
        const amiTags = pulumi
            .all([tags, pulumi.output(args.provenance ?? {}), pulumi.output(args.diskDigest)])
            .apply(([t, p, diskDigest]): Record<string, string> => ({
                ...awsProvenanceTags(p),
                ...t,
                ...(diskDigest ? { [DISK_DIGEST_TAG]: diskDigest } : {}),
                [STACK_TAG]: thisStack(),
            }));
        const own = (): AmiChoice => {
            const snapshotId =
                plain.uploadMethod === "s3-import"
                    ? createS3Import(name, args, tags, this)
                    : createEbsDirectUpload(
                          name,
                          args,
                          region,
                          tags,
                          uploadIdentity(this.getProvider("aws::"), args.uploadRoleArn),
                          this,
                      );
            const made = createAmi(
                name,
                resolved.ami,
                snapshotId,
                args.digest,
                region,
                plain.copyToRegions ?? [],
                amiTags,
                this,
            );
            return {
                imageId: made.ami.id,
                snapshotId,
                regionImageIds: made.regionImageIds,
                reusedFrom: pulumi.output(undefined),
            };
        };
        const choice: AmiChoice = !plain.reuseFrom
            ? own()
            : ownOrReused(
                  ["imageId", "snapshotId", "regionImageIds", "reusedFrom"],
                  pulumi.all([args.digest, args.diskDigest, resolved]).apply(([digest, diskDigest, r]) =>
                      findReusableAmi(
                          {
                              digest,
                              diskDigest: diskDigest!,
                              kernelFamily: r.kernelFamily,
                              settings: r.ami,
                              stack: thisStack(),
                              from: plain.reuseFrom!,
                          },
                          this,
                      ),
                  ),
                  own,
                  (f) => ({
                      imageId: pulumi.output(f.imageId),
                      snapshotId: pulumi.output(f.snapshotId),
                      regionImageIds: createAmiCopies(
                          name,
                          f.imageId,
                          // AMI names are unique per region: the owner's copy there may have the plain name.
                          pulumi.interpolate`${amiName(name, args.digest)}-${sha256(thisStack()).slice(0, 8)}`,
                          region,
                          plain.copyToRegions ?? [],
                          amiTags,
                          this,
                      ),
                      reusedFrom: pulumi.output<string | undefined>(f.ownerStack),
                  }),
              );
        this.imageId = choice.imageId;
        this.snapshotId = choice.snapshotId;
        this.regionImageIds = choice.regionImageIds;
        this.reusedFrom = choice.reusedFrom;
        this.enaSupport = resolved.ami.enaSupport;
        this.bootMode = resolved.ami.bootMode;
        this.registerOutputs({
            reusedFrom: this.reusedFrom,
            imageId: this.imageId,
            snapshotId: this.snapshotId,
            regionImageIds: this.regionImageIds,
        });
    }
}

/** The AMI this component gives out: its own, or another stack's it reuses. */
interface AmiChoice {
    imageId: pulumi.Output<string>;
    snapshotId: pulumi.Output<string>;
    regionImageIds: pulumi.Output<Record<string, string>>;
    reusedFrom: pulumi.Output<string | undefined>;
}

/** KMS key or alias ARNs, in any partition. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
/** IAM role ARNs, in any partition. */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]+$/;

interface ResolvedAwsImageArgs {
    kernelFamily: KernelFamily;
    ami: AmiSettings;
}

/** Checks AwsImage inputs and derives the AMI settings. @internal */
export function validateAwsImageArgs(args: pulumi.Unwrap<AwsImageArgs>): {
    value?: ResolvedAwsImageArgs;
    problems: Problem[];
} {
    const problems: Problem[] = [];
    const family = parseKernelFamily(args.kernelFamily, "kernelFamily");
    const architecture = args.architecture ?? "x86_64";
    const boot = resolveBootMode(
        architecture,
        args.bootMode,
        "bootMode",
        "arm64 AMIs (Graviton) boot UEFI only; make the disk with bootMode uefi",
    );
    problems.push(...family.problems, ...boot.problems);
    if (!args.diskPath)
        problems.push({ path: "diskPath", message: "missing; give the raw disk (UnikernelImage.diskPath)" });
    if (!args.digest)
        problems.push({ path: "digest", message: "missing; give the image digest (UnikernelImage.digest)" });
    else if (!/^[A-Za-z0-9:._-]{1,128}$/.test(args.digest)) {
        problems.push({
            path: "digest",
            message: `got ${JSON.stringify(String(args.digest).slice(0, 80))}; expected a digest such as UnikernelImage.digest (letters, digits, ":", ".", "_", "-"; at most 128); it names the AMI`,
        });
    }
    problems.push(...checkAwsTags(args.tags ?? {}));
    problems.push(...checkReuse(args.diskDigest, args.reuseFrom, "UnikernelImage.diskDigest", "an AMI"));
    if (args.kmsKeyArn !== undefined && !KMS_KEY_ARN.test(args.kmsKeyArn)) {
        problems.push({
            path: "kmsKeyArn",
            message: `got ${JSON.stringify(args.kmsKeyArn)}; expected a KMS key ARN such as "arn:aws:kms:us-east-1:111122223333:key/1234abcd-..."`,
        });
    }
    if (args.uploadRoleArn !== undefined && !ROLE_ARN.test(args.uploadRoleArn)) {
        problems.push({
            path: "uploadRoleArn",
            message: `got ${JSON.stringify(args.uploadRoleArn)}; expected an IAM role ARN such as "arn:aws:iam::111122223333:role/uploader"`,
        });
    }
    if (problems.length || !family.value || !boot.value) return { problems };
    return {
        problems,
        value: {
            kernelFamily: family.value,
            ami: amiSettings(family.value, args.platform ?? "qemu", architecture, boot.value),
        },
    };
}
