/** `unikernel aws delete-snapshot`: what an AwsImage's destroy runs for the snapshot its upload made. */
import { Command } from "commander";
import { parseUploadSnapshotResult } from "../../contract/awsSnapshot";
import {
    RoleOptions,
    SNAPSHOT_ID,
    addRoleOptions,
    parseEndpoint,
    parseRegion,
    parseSnapshotId,
    rolesOf,
} from "../awsOptions";
import { CliIo, ExitCode, printResult, runVerb } from "../output";

interface DeleteCliOptions extends RoleOptions {
    region: string;
    snapshotId?: string;
    fromCommandStdout?: boolean;
    endpoint?: string;
    json?: boolean;
}

/** Registers `aws delete-snapshot` in the `aws` group. */
export function registerDeleteSnapshotCommand(aws: Command, io: CliIo, setExit: (code: number) => void): void {
    const remove = aws
        .command("delete-snapshot")
        .description(
            "Delete an EBS snapshot; with --from-command-stdout, the one named in $PULUMI_COMMAND_STDOUT (what `destroy` runs).",
        )
        .requiredOption("--region <region>", "AWS region", parseRegion)
        .option("--snapshot-id <id>", "the snapshot", parseSnapshotId)
        .option("--from-command-stdout", "read the snapshot id from the upload's JSON in $PULUMI_COMMAND_STDOUT")
        .option("--endpoint <url>", "API endpoint override", parseEndpoint)
        .option("--json", "print one JSON object");
    addRoleOptions(remove).action(async (options: DeleteCliOptions) => {
        setExit(
            await runVerb(io, Boolean(options.json), async () => {
                const snapshotId =
                    options.snapshotId ??
                    (options.fromCommandStdout
                        ? snapshotIdOfUpload(process.env.PULUMI_COMMAND_STDOUT ?? "")
                        : undefined);
                if (!snapshotId) {
                    // Nothing was uploaded (the create step failed before printing): nothing to delete.
                    printResult(io, Boolean(options.json), { deleted: false }, "no snapshot to delete");
                    return ExitCode.Ok;
                }
                const { deleteSnapshot } = await import("../../clouds/aws/ebsDirect");
                const deleted = await deleteSnapshot({
                    snapshotId,
                    region: options.region,
                    endpoint: options.endpoint,
                    assumeRoles: rolesOf(options),
                });
                printResult(
                    io,
                    Boolean(options.json),
                    { snapshotId, deleted },
                    deleted ? `${snapshotId} deleted` : `${snapshotId} was already gone`,
                );
                return ExitCode.Ok;
            }),
        );
    });
}

/** The snapshot the upload printed; only a snapshot id, never whatever else a damaged state might hold. */
function snapshotIdOfUpload(stdout: string): string | undefined {
    try {
        const { snapshotId } = parseUploadSnapshotResult(stdout);
        return SNAPSHOT_ID.test(snapshotId) ? snapshotId : undefined;
    } catch {
        return undefined;
    }
}
