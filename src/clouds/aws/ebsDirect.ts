/**
 * Raw disk -> EBS snapshot through the EBS direct APIs: StartSnapshot, PutSnapshotBlock for each
 * non-zero 512 KiB block (blocks never written read as zero, so a mostly empty disk sends almost
 * nothing), each with its SHA-256, in parallel with retries, then CompleteSnapshot with the linear
 * aggregate checksum. No S3 bucket and no IAM role. A failed upload deletes its partial snapshot.
 *
 * The snapshot is always encrypted (the account's default EBS key, or the KMS key given): an AMI
 * made from it, and every volume made from that, is then encrypted whatever the account's
 * encryption-by-default setting. Only raw disks are uploaded: blocks are sent as they lie in the
 * file, so a qcow2 or VMDK would become a snapshot of its container format, not of the disk.
 * Credentials are the AWS SDK's usual chain (environment, profile), which the AwsImage component
 * fills from the AWS provider it uses; with a role to assume, STS credentials for that role.
 */
import { CompleteSnapshotCommand, EBSClient, PutSnapshotBlockCommand, StartSnapshotCommand } from "@aws-sdk/client-ebs";
import { DeleteSnapshotCommand, EC2Client } from "@aws-sdk/client-ec2";
import { createHash } from "crypto";
import { promises as fs } from "fs";
import { EBS_BLOCK_BYTES, scanBlocks } from "../../disk/blocks";
import { DiskInputError } from "../../disk/diskInputError";
import { withInspectedDisk } from "../../disk/inspectDisk";
import type { AssumeRole } from "../../model";

const GIB = 1024 * 1024 * 1024;

/** What to upload and where. */
export interface EbsUploadOptions {
    disk: string;
    region: string;
    /** Endpoint override (an AWS API emulator on loopback in tests). */
    endpoint?: string;
    description?: string;
    tags?: Record<string, string>;
    /** Blocks in flight at once. Default 8. */
    concurrency?: number;
    /** Attempts per block. Default 5. */
    attempts?: number;
    /** Idempotency token for StartSnapshot (the image digest): a retried start returns the same snapshot. */
    clientToken?: string;
    /** KMS key for the snapshot's encryption. Default: the account's default EBS key (aws/ebs). */
    kmsKeyArn?: string;
    /** Roles to assume for the upload, in order, each with the previous one's credentials (the AWS provider's `assumeRoles`). */
    assumeRoles?: AssumeRole[];
    log?: (text: string) => void;
}

/** A role the upload assumes first. */
/**
 * SDK credentials: the default chain, or the temporary credentials at the end of a role chain,
 * each role assumed with the previous one's credentials, as the AWS provider's `assumeRoles` does
 * (the SDK's credential providers are loaded only then).
 */
async function credentialsFor(assumeRoles: AssumeRole[] | undefined, region: string, endpoint: string | undefined) {
    if (!assumeRoles?.length) return undefined;
    const { fromTemporaryCredentials } = await import("@aws-sdk/credential-providers");
    let credentials: ReturnType<typeof fromTemporaryCredentials> | undefined;
    for (const role of assumeRoles) {
        credentials = fromTemporaryCredentials({
            params: {
                RoleArn: role.roleArn,
                ExternalId: role.externalId,
                RoleSessionName: role.sessionName ?? "pulumi-unikernel-upload",
            },
            masterCredentials: credentials,
            // An endpoint override (an emulator) serves STS too; without one, STS's own endpoint.
            clientConfig: { region, ...(endpoint ? { endpoint } : {}) },
        });
    }
    return credentials;
}

/** The result of an upload. */
export interface EbsUploadResult {
    snapshotId: string;
    volumeSizeGiB: number;
    blocksTotal: number;
    blocksSent: number;
    bytesSent: number;
    /** Block uploads that failed and were retried. */
    retries: number;
}

/** Uploads a raw disk as a new EBS snapshot. */
export async function uploadSnapshot(options: EbsUploadOptions): Promise<EbsUploadResult> {
    const log = options.log ?? (() => undefined);
    return withInspectedDisk(options.disk, async (disk) => {
        if (disk.format !== "raw") {
            throw new DiskInputError(
                `${options.disk} is a ${disk.format} image; the EBS direct upload sends a raw disk's blocks as they are: ` +
                    `convert it first (\`unikernel convert ${options.disk} --format raw --out disk.raw\`)`,
            );
        }
        // The blocks are read through the descriptor that was checked, never by the name again.
        return uploadRaw(options, `/proc/self/fd/${disk.fd}`, log);
    });
}

async function uploadRaw(
    options: EbsUploadOptions,
    disk: string,
    log: (text: string) => void,
): Promise<EbsUploadResult> {
    const credentials = await credentialsFor(options.assumeRoles, options.region, options.endpoint);
    const clientConfig = {
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(credentials ? { credentials } : {}),
        maxAttempts: 1,
    };
    const ebs = new EBSClient(clientConfig);
    const scan = await scanBlocks(disk);
    const volumeSizeGiB = Math.max(1, Math.ceil(scan.sizeBytes / GIB));
    const started = await ebs.send(
        new StartSnapshotCommand({
            VolumeSize: volumeSizeGiB,
            Description: options.description ?? "pulumi-unikernel image",
            Tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
            Timeout: 60,
            Encrypted: true,
            ...(options.kmsKeyArn ? { KmsKeyArn: options.kmsKeyArn } : {}),
            ...(options.clientToken ? { ClientToken: options.clientToken } : {}),
        }),
    );
    const snapshotId = started.SnapshotId!;
    log(`ebs: snapshot ${snapshotId}: sending ${scan.nonZeroBlocks.length} of ${scan.totalBlocks} blocks\n`);
    try {
        const checksums = new Map<number, Buffer>();
        let retries = 0;
        const handle = await fs.open(disk, "r");
        try {
            let next = 0;
            const worker = async () => {
                while (next < scan.nonZeroBlocks.length) {
                    const index = scan.nonZeroBlocks[next++];
                    const block = Buffer.alloc(EBS_BLOCK_BYTES); // the last block of a disk may be short: zero-padded
                    await handle.read(block, 0, EBS_BLOCK_BYTES, index * EBS_BLOCK_BYTES);
                    const digest = createHash("sha256").update(block).digest();
                    checksums.set(index, digest);
                    retries += await withRetries(
                        options.attempts ?? 5,
                        () =>
                            ebs.send(
                                new PutSnapshotBlockCommand({
                                    SnapshotId: snapshotId,
                                    BlockIndex: index,
                                    BlockData: block,
                                    DataLength: EBS_BLOCK_BYTES,
                                    Checksum: digest.toString("base64"),
                                    ChecksumAlgorithm: "SHA256",
                                }),
                            ),
                        (attempt, error) =>
                            log(
                                `ebs: block ${index} attempt ${attempt} failed (${(error as Error).name}: ${(error as Error).message}); retrying\n`,
                            ),
                    );
                }
            };
            await Promise.all(
                Array.from({ length: Math.min(options.concurrency ?? 8, scan.nonZeroBlocks.length || 1) }, worker),
            );
        } finally {
            await handle.close();
        }
        // The aggregate checksum is the SHA-256 of the block checksums concatenated in block order.
        const aggregate = createHash("sha256");
        for (const index of scan.nonZeroBlocks) aggregate.update(checksums.get(index)!);
        await ebs.send(
            new CompleteSnapshotCommand({
                SnapshotId: snapshotId,
                ChangedBlocksCount: scan.nonZeroBlocks.length,
                Checksum: aggregate.digest("base64"),
                ChecksumAlgorithm: "SHA256",
                ChecksumAggregationMethod: "LINEAR",
            }),
        );
        log(`ebs: snapshot ${snapshotId} completed\n`);
        return {
            snapshotId,
            volumeSizeGiB,
            blocksTotal: scan.totalBlocks,
            blocksSent: scan.nonZeroBlocks.length,
            bytesSent: scan.nonZeroBlocks.length * EBS_BLOCK_BYTES,
            retries,
        };
    } catch (error) {
        log(`ebs: upload failed; deleting the partial snapshot ${snapshotId}\n`);
        await deleteSnapshot({
            snapshotId,
            region: options.region,
            endpoint: options.endpoint,
            assumeRoles: options.assumeRoles,
        }).catch((e: Error) => log(`ebs: could not delete ${snapshotId}: ${e.message}\n`));
        throw error;
    }
}

/** Deletes a snapshot (destroy, or cleanup after a failed upload). A snapshot already gone is fine. */
export async function deleteSnapshot(options: {
    snapshotId: string;
    region: string;
    endpoint?: string;
    assumeRoles?: AssumeRole[];
}): Promise<boolean> {
    const credentials = await credentialsFor(options.assumeRoles, options.region, options.endpoint);
    const ec2 = new EC2Client({
        region: options.region,
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(credentials ? { credentials } : {}),
    });
    try {
        await ec2.send(new DeleteSnapshotCommand({ SnapshotId: options.snapshotId }));
        return true;
    } catch (error) {
        if ((error as { name?: string }).name === "InvalidSnapshot.NotFound") return false;
        throw error;
    }
}

/** Runs `body` up to `attempts` times with exponential backoff; resolves to the number of retries used. */
async function withRetries(
    attempts: number,
    body: () => Promise<unknown>,
    onRetry: (attempt: number, error: unknown) => void,
): Promise<number> {
    for (let attempt = 1; ; attempt++) {
        try {
            await body();
            return attempt - 1;
        } catch (error) {
            const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
            const retryable =
                status === undefined ||
                status >= 500 ||
                status === 429 ||
                (error as { name?: string }).name === "ThrottlingException";
            if (!retryable || attempt >= attempts) throw error;
            onRetry(attempt, error);
            await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** (attempt - 1))));
        }
    }
}
