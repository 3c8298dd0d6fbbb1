/** `unikernel aws upload-snapshot` and `unikernel aws delete-snapshot`: the EBS direct upload the AwsImage component runs. */
import { Command } from "commander";
import { deleteSnapshot, uploadSnapshot } from "../../clouds/aws/ebsDirect";
import { BuildInputError } from "../../engines/engine";
import { CliIo, ExitCode, printResult, runVerb } from "../output";

/** Registers the `aws` command group. */
export function registerAwsCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
    const aws = program.command("aws").description("AWS steps that run on this machine (EBS direct upload).");
    aws.command("upload-snapshot")
        .description("Upload a raw disk as an EBS snapshot with the EBS direct APIs (non-zero 512 KiB blocks only).")
        .requiredOption("--disk <file>", "the raw disk")
        .requiredOption("--region <region>", "AWS region")
        .option("--endpoint <url>", "API endpoint override (an emulator on loopback)")
        .option("--description <text>", "snapshot description")
        .option("--tag <key=value...>", "snapshot tags")
        .option("--client-token <token>", "idempotency token (the image digest)")
        .option("--concurrency <n>", "blocks in flight", (v) => Number(v), 8)
        .option("--json", "print one JSON object")
        .action(async (options: { disk: string; region: string; endpoint?: string; description?: string; tag?: string[]; clientToken?: string; concurrency: number; json?: boolean }) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                const tags = Object.fromEntries((options.tag ?? []).map((t) => {
                    const eq = t.indexOf("=");
                    if (eq <= 0) throw new BuildInputError(`--tag "${t}" is not key=value`);
                    return [t.slice(0, eq), t.slice(eq + 1)];
                }));
                const result = await uploadSnapshot({
                    disk: options.disk, region: options.region, endpoint: options.endpoint, description: options.description, tags,
                    clientToken: options.clientToken, concurrency: options.concurrency, log: (t) => io.err(t),
                });
                printResult(io, Boolean(options.json), result, `${result.snapshotId}: ${result.blocksSent} of ${result.blocksTotal} blocks sent (${result.bytesSent} bytes)`);
                return ExitCode.Ok;
            }));
        });
    aws.command("delete-snapshot")
        .description("Delete an EBS snapshot; with --from-command-stdout, the one named in $PULUMI_COMMAND_STDOUT (what `destroy` runs).")
        .requiredOption("--region <region>", "AWS region")
        .option("--snapshot-id <id>", "the snapshot")
        .option("--from-command-stdout", "read the snapshot id from the upload's JSON in $PULUMI_COMMAND_STDOUT")
        .option("--endpoint <url>", "API endpoint override")
        .option("--json", "print one JSON object")
        .action(async (options: { region: string; snapshotId?: string; fromCommandStdout?: boolean; endpoint?: string; json?: boolean }) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                let snapshotId = options.snapshotId;
                if (!snapshotId && options.fromCommandStdout) {
                    try {
                        snapshotId = (JSON.parse(process.env.PULUMI_COMMAND_STDOUT ?? "") as { snapshotId?: string }).snapshotId;
                    } catch {
                        snapshotId = undefined;
                    }
                }
                if (!snapshotId) {
                    // Nothing was uploaded (the create step failed before printing): nothing to delete.
                    printResult(io, Boolean(options.json), { deleted: false }, "no snapshot to delete");
                    return ExitCode.Ok;
                }
                const deleted = await deleteSnapshot({ snapshotId, region: options.region, endpoint: options.endpoint });
                printResult(io, Boolean(options.json), { snapshotId, deleted }, deleted ? `${snapshotId} deleted` : `${snapshotId} was already gone`);
                return ExitCode.Ok;
            }));
        });
}
