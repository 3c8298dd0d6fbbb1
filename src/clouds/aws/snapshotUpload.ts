/**
 * A disk to an EBS snapshot through the EBS direct APIs: a local step (`unikernel aws upload-snapshot`,
 * only non-zero blocks sent) run as the AWS provider the component uses; destroy deletes the snapshot.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { deleteSnapshotArgv, parseUploadSnapshotResult, uploadSnapshotArgv } from "../../contract/awsSnapshot";
import { unikernelCommand } from "../../contract/command";
import { UploadIdentity } from "./providerCredentials";

/** The disk a snapshot is made of, and how it is encrypted. */
export interface SnapshotSource {
    /** The raw disk. */
    diskPath: pulumi.Input<string>;
    /** Its content digest: names the uploads and triggers a new one when it changes. */
    digest: pulumi.Input<string>;
    /** KMS key that encrypts the snapshot; default: the account's default EBS key. */
    kmsKeyArn?: pulumi.Input<string>;
}

/** The upload step; resolves to the snapshot id. */
export function createEbsDirectUpload(
    name: string,
    args: SnapshotSource,
    region: pulumi.Output<string>,
    tags: pulumi.Output<Record<string, string>>,
    identity: UploadIdentity,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    const upload = new command.local.Command(
        `${name}-snapshot`,
        {
            // No idempotency token: a failed upload deletes its snapshot, and a retry with the same
            // token would be handed that deleted snapshot back.
            create: pulumi
                .all([args.diskPath, region, tags, args.digest, args.kmsKeyArn, identity.roles])
                .apply(([disk, r, t, digest, kms, roles]) =>
                    unikernelCommand(
                        uploadSnapshotArgv({
                            disk,
                            region: r,
                            description: `pulumi-unikernel ${digest.slice(0, 16)}`,
                            tags: t,
                            kmsKeyArn: kms,
                            roles,
                        }),
                    ),
                ),
            delete: pulumi
                .all([region, identity.roles])
                .apply(([r, roles]) => unikernelCommand(deleteSnapshotArgv(r, roles))),
            // The provider's profile and keys: the upload lands in the account and region the stack targets.
            environment: identity.environment,
            addPreviousOutputInEnv: true,
            triggers: [args.digest],
        },
        { parent },
    );
    return upload.stdout.apply((s) => parseUploadSnapshotResult(s).snapshotId);
}
