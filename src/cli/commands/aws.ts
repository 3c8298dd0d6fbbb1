/** `unikernel aws upload-snapshot` and `unikernel aws delete-snapshot`: the EBS direct upload the AwsImage component runs. */
import { Command, InvalidArgumentError } from "commander";
import { AssumeRole, deleteSnapshot, uploadSnapshot } from "../../clouds/aws/ebsDirect";
import { UnikernelError } from "../../model/errors";
import { CliIo, ExitCode, printResult, runVerb } from "../output";
import { parseKeyValue, parseWholeNumber, safeText } from "../optionValues";

interface RoleOptions {
    roleArn?: string[];
    roleExternalId?: string[];
    roleSessionName?: string[];
}

const collect = (parse: (value: string) => string) => (value: string, previous: string[] = []) => [...previous, parse(value)];

/**
 * The role options, repeatable for a chain of roles (the AWS provider's `assumeRoles`: each one
 * assumed with the previous one's credentials). An external id or session name is given once per
 * role, in the same order, "" for none; or not at all.
 */
function addRoleOptions(command: Command): Command {
    return command
        .option("--role-arn <arn>", "assume this role for the upload; repeat for a chain of roles (the AWS provider's assumeRoles)", collect(parseRoleArn))
        .option("--role-external-id <id>", "external id for each --role-arn, in order (\"\" for none)", collect(safeText))
        .option("--role-session-name <name>", "session name for each --role-arn, in order (\"\" for the default)", collect(parseSessionName));
}

/** Registers the `aws` command group. */
export function registerAwsCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
    const aws = program.command("aws").description("AWS steps that run on this machine (EBS direct upload).");
    const upload = aws.command("upload-snapshot")
        .description("Upload a raw disk as an encrypted EBS snapshot with the EBS direct APIs (non-zero 512 KiB blocks only).")
        .requiredOption("--disk <file>", "the raw disk")
        .requiredOption("--region <region>", "AWS region", parseRegion)
        .option("--endpoint <url>", "API endpoint override (an emulator on loopback)", parseEndpoint)
        .option("--description <text>", "snapshot description")
        .option("--tag <key=value>", "a snapshot tag (repeatable)", (value: string, previous: [string, string][] = []) => [...previous, parseKeyValue(value, "--tag")])
        .option("--client-token <token>", "idempotency token (the image digest)")
        .option("--kms-key-arn <arn>", "KMS key that encrypts the snapshot; default: the account's default EBS key")
        .option("--concurrency <n>", "blocks in flight, 1-64", (v) => parseWholeNumber(v, 1, 64), 8)
        .option("--json", "print one JSON object");
    addRoleOptions(upload)
        .action(async (options: { disk: string; region: string; endpoint?: string; description?: string; tag?: [string, string][]; clientToken?: string; kmsKeyArn?: string; concurrency: number; json?: boolean } & RoleOptions) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                const result = await uploadSnapshot({
                    disk: options.disk, region: options.region, endpoint: options.endpoint, description: options.description, tags: Object.fromEntries(options.tag ?? []),
                    clientToken: options.clientToken, kmsKeyArn: options.kmsKeyArn, concurrency: options.concurrency, assumeRoles: rolesOf(options), log: (t) => io.err(t),
                });
                printResult(io, Boolean(options.json), result, `${result.snapshotId}: ${result.blocksSent} of ${result.blocksTotal} blocks sent (${result.bytesSent} bytes)`);
                return ExitCode.Ok;
            }));
        });
    const remove = aws.command("delete-snapshot")
        .description("Delete an EBS snapshot; with --from-command-stdout, the one named in $PULUMI_COMMAND_STDOUT (what `destroy` runs).")
        .requiredOption("--region <region>", "AWS region", parseRegion)
        .option("--snapshot-id <id>", "the snapshot", parseSnapshotId)
        .option("--from-command-stdout", "read the snapshot id from the upload's JSON in $PULUMI_COMMAND_STDOUT")
        .option("--endpoint <url>", "API endpoint override", parseEndpoint)
        .option("--json", "print one JSON object");
    addRoleOptions(remove)
        .action(async (options: { region: string; snapshotId?: string; fromCommandStdout?: boolean; endpoint?: string; json?: boolean } & RoleOptions) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                let snapshotId = options.snapshotId;
                if (!snapshotId && options.fromCommandStdout) {
                    try {
                        const named = (JSON.parse(process.env.PULUMI_COMMAND_STDOUT ?? "") as { snapshotId?: unknown }).snapshotId;
                        // Only a snapshot id, never whatever else a damaged state file might hold.
                        snapshotId = typeof named === "string" && SNAPSHOT_ID.test(named) ? named : undefined;
                    } catch {
                        snapshotId = undefined;
                    }
                }
                if (!snapshotId) {
                    // Nothing was uploaded (the create step failed before printing): nothing to delete.
                    printResult(io, Boolean(options.json), { deleted: false }, "no snapshot to delete");
                    return ExitCode.Ok;
                }
                const deleted = await deleteSnapshot({ snapshotId, region: options.region, endpoint: options.endpoint, assumeRoles: rolesOf(options) });
                printResult(io, Boolean(options.json), { snapshotId, deleted }, deleted ? `${snapshotId} deleted` : `${snapshotId} was already gone`);
                return ExitCode.Ok;
            }));
        });
}

const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;

/** The role chain; a count of external ids or session names that does not match the roles is a usage error. */
function rolesOf(options: RoleOptions): AssumeRole[] {
    const arns = options.roleArn ?? [];
    for (const [flag, values] of [["--role-external-id", options.roleExternalId], ["--role-session-name", options.roleSessionName]] as const) {
        if (values && values.length !== arns.length) {
            throw new UnikernelError(`${flag} was given ${values.length} time(s) for ${arns.length} --role-arn; give it once per role, in order ("" for none)`);
        }
    }
    return arns.map((roleArn, k) => ({
        roleArn, externalId: options.roleExternalId?.[k] || undefined, sessionName: options.roleSessionName?.[k] || undefined,
    }));
}

/** IAM role ARNs, in any partition. */
function parseRoleArn(value: string): string {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/.test(value)) {
        throw new InvalidArgumentError(`"${value}" is not an IAM role ARN such as arn:aws:iam::111122223333:role/uploader`);
    }
    return value;
}

/** STS session names: 2-64 of [\w+=,.@-]; "" for the default. */
function parseSessionName(value: string): string {
    if (value !== "" && !/^[\w+=,.@-]{2,64}$/.test(value)) {
        throw new InvalidArgumentError(`"${value}" is not a role session name (2 to 64 letters, digits and +=,.@_-)`);
    }
    return value;
}

/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`. */
function parseRegion(value: string): string {
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) {
        throw new InvalidArgumentError(`"${value}" is not an AWS region such as us-east-1`);
    }
    return value;
}

function parseSnapshotId(value: string): string {
    if (!SNAPSHOT_ID.test(value)) throw new InvalidArgumentError(`"${value}" is not a snapshot id such as snap-0123456789abcdef0`);
    return value;
}

function parseEndpoint(value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new InvalidArgumentError(`"${value}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError(`"${value}" is not an http or https URL`);
    return value;
}
