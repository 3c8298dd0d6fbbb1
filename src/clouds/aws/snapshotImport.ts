/** A disk to an EBS snapshot through an S3 import (EC2 ImportSnapshot of a streamOptimized VMDK). */
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { unikernelCommand } from "../../contract/command";
import { convertArgv, parseConvertResult } from "../../contract/convert";
import { cacheRoot } from "../../internal/cacheDir";
import { safeFileName } from "../../internal/naming";
import { SnapshotSource } from "./snapshotUpload";

/**
 * The S3 import path: the disk as a streamOptimized VMDK in a private, encrypted bucket, and a
 * `vmimport` role trusted only by vmie.amazonaws.com (with the ExternalId AWS documents) that may
 * read that one bucket and nothing else.
 */
export function createS3Import(
    name: string,
    args: SnapshotSource,
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const vmdk = new command.local.Command(
        `${name}-vmdk`,
        {
            create: pulumi.all([args.diskPath, args.digest]).apply(([disk, digest]) =>
                unikernelCommand(
                    convertArgv({
                        disk,
                        format: "vmdk",
                        out: path.join(cacheRoot(), "images", `${safeFileName(name)}-${digest.slice(0, 16)}.vmdk`),
                    }),
                ),
            ),
            triggers: [args.digest],
        },
        { parent },
    );
    const vmdkPath = vmdk.stdout.apply((s) => parseConvertResult(s).path);
    const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: true, tags }, { parent });
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        { parent },
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
        },
        { parent },
    );
    // TLS only: any request over plain HTTP is denied, whoever makes it.
    new aws.s3.BucketPolicy(
        `${name}-bucket`,
        {
            bucket: bucket.id,
            policy: bucket.arn.apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [arn, `${arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            ),
        },
        { parent, dependsOn: [publicAccessBlock] },
    );
    const key = pulumi.interpolate`${name}-${pulumi.output(args.digest).apply((d) => d.slice(0, 16))}.vmdk`;
    const object = new aws.s3.BucketObjectv2(
        `${name}-vmdk`,
        {
            bucket: bucket.id,
            key,
            source: vmdkPath.apply((p) => new pulumi.asset.FileAsset(p)),
            serverSideEncryption: "aws:kms",
            tags,
        },
        { parent },
    );
    const role = new aws.iam.Role(
        `${name}-vmimport`,
        {
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "vmie.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "sts:Externalid": "vmimport" } },
                    },
                ],
            }),
            tags,
        },
        { parent },
    );
    new aws.iam.RolePolicy(
        `${name}-vmimport`,
        {
            role: role.id,
            policy: pulumi.all([bucket.arn, args.kmsKeyArn]).apply(([arn, kmsKey]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: [arn] },
                        { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${arn}/*`] },
                        {
                            Effect: "Allow",
                            Action: [
                                "ec2:ModifySnapshotAttribute",
                                "ec2:CopySnapshot",
                                "ec2:RegisterImage",
                                "ec2:Describe*",
                            ],
                            Resource: "*",
                        },
                        {
                            Effect: "Allow",
                            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                            Resource: "*",
                            Condition: { StringLike: { "kms:ViaService": "s3.*.amazonaws.com" } },
                        },
                        // The imported snapshot is encrypted: VM Import needs the EBS key, through EC2 only.
                        {
                            Effect: "Allow",
                            Action: [
                                "kms:CreateGrant",
                                "kms:Decrypt",
                                "kms:DescribeKey",
                                "kms:Encrypt",
                                "kms:GenerateDataKey*",
                                "kms:ReEncrypt*",
                            ],
                            Resource: kmsKey ?? "*",
                            Condition: { StringLike: { "kms:ViaService": "ec2.*.amazonaws.com" } },
                        },
                    ],
                }),
            ),
        },
        { parent },
    );
    const imported = new aws.ebs.SnapshotImport(
        `${name}-import`,
        {
            diskContainer: { format: "VMDK", userBucket: { s3Bucket: bucket.id, s3Key: object.key } },
            roleName: role.name,
            encrypted: true,
            kmsKeyId: args.kmsKeyArn,
            description: key,
            tags,
        },
        { parent },
    );
    return imported.id;
}
