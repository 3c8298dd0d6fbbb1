/** `unikernel aws upload-snapshot`: a raw disk to an encrypted EBS snapshot with the EBS direct APIs. */
import { withProgress } from "../progress";
import { Command } from "commander";
import { UploadSnapshotResult } from "../../contract/awsSnapshot";
import { RoleOptions, addRoleOptions, parseEndpoint, parseRegion, rolesOf } from "../awsOptions";
import { parseKeyValue, parseWholeNumber, safeText } from "../optionValues";
import { CliIo, ExitCode, printResult, runVerb } from "../output";

interface UploadCliOptions extends RoleOptions {
    disk: string;
    region: string;
    endpoint?: string;
    description?: string;
    tag?: [string, string][];
    clientToken?: string;
    kmsKeyArn?: string;
    concurrency: number;
    json?: boolean;
}

/** Registers `aws upload-snapshot` in the `aws` group. */
export function registerUploadSnapshotCommand(aws: Command, io: CliIo, setExit: (code: number) => void): void {
    const upload = aws
        .command("upload-snapshot")
        .description(
            "Upload a raw disk as an encrypted EBS snapshot with the EBS direct APIs (non-zero 512 KiB blocks only).",
        )
        .requiredOption("--disk <file>", "the raw disk", safeText)
        .requiredOption("--region <region>", "AWS region", parseRegion)
        .option("--endpoint <url>", "API endpoint override (an emulator on loopback)", parseEndpoint)
        .option("--description <text>", "snapshot description", safeText)
        .option(
            "--tag <key=value>",
            "a snapshot tag (repeatable)",
            (value: string, previous: [string, string][] = []) => [...previous, parseKeyValue(value, "--tag")],
        )
        .option("--client-token <token>", "idempotency token (the image digest)", safeText)
        .option(
            "--kms-key-arn <arn>",
            "KMS key that encrypts the snapshot; default: the account's default EBS key",
            safeText,
        )
        .option("--concurrency <n>", "blocks in flight, 1-64", (v) => parseWholeNumber(v, 1, 64), 8)
        .option("--json", "print one JSON object");
    addRoleOptions(upload).action(async (options: UploadCliOptions) => {
        setExit(
            await runVerb(io, Boolean(options.json), async () => {
                const { uploadSnapshot } = await import("../../clouds/aws/ebsDirect");
                const uploaded = await withProgress(io, Boolean(options.json), "upload-snapshot:", () =>
                    uploadSnapshot({
                        disk: options.disk,
                        region: options.region,
                        endpoint: options.endpoint,
                        description: options.description,
                        tags: Object.fromEntries(options.tag ?? []),
                        clientToken: options.clientToken,
                        kmsKeyArn: options.kmsKeyArn,
                        concurrency: options.concurrency,
                        assumeRoles: rolesOf(options),
                        log: (t) => io.err(t),
                    }),
                );
                const result: UploadSnapshotResult = uploaded; // the contract a component reads, and more
                printResult(
                    io,
                    Boolean(options.json),
                    result,
                    `${uploaded.snapshotId}: ${uploaded.blocksSent} of ${uploaded.blocksTotal} blocks sent (${uploaded.bytesSent} bytes)`,
                );
                return ExitCode.Ok;
            }),
        );
    });
}
