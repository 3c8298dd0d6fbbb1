/** `unikernel aws upload-snapshot` and `delete-snapshot`: a raw disk to an EBS snapshot and back. */
import type { AssumeRole } from "../model";
import { parseResult } from "./command";

/** What a component asks `aws upload-snapshot` for. */
export interface UploadSnapshotCommand {
    disk: string;
    region: string;
    description: string;
    tags: Record<string, string>;
    kmsKeyArn?: string;
    roles: AssumeRole[];
}

/**
 * `--role-arn` once per role; `--role-external-id` and `--role-session-name` once per role too
 * ("" for none) when any role has one, since the command pairs them with the roles by position.
 */
export function roleArgv(roles: readonly AssumeRole[]): string[] {
    const argv = roles.flatMap((r) => ["--role-arn", r.roleArn]);
    if (roles.some((r) => r.externalId)) argv.push(...roles.flatMap((r) => ["--role-external-id", r.externalId ?? ""]));
    if (roles.some((r) => r.sessionName))
        argv.push(...roles.flatMap((r) => ["--role-session-name", r.sessionName ?? ""]));
    return argv;
}

/** The argv of `unikernel aws upload-snapshot`, ending in `--json`. */
export function uploadSnapshotArgv(c: UploadSnapshotCommand): string[] {
    return [
        "aws",
        "upload-snapshot",
        "--disk",
        c.disk,
        "--region",
        c.region,
        "--description",
        c.description,
        ...Object.entries(c.tags).flatMap(([k, v]) => ["--tag", `${k}=${v}`]),
        ...(c.kmsKeyArn ? ["--kms-key-arn", c.kmsKeyArn] : []),
        ...roleArgv(c.roles),
        "--json",
    ];
}

/** What `aws upload-snapshot --json` prints and a component reads. */
export interface UploadSnapshotResult {
    snapshotId: string;
    blocksSent: number;
    blocksTotal: number;
}

/** Parses `aws upload-snapshot --json` output. */
export function parseUploadSnapshotResult(stdout: string): UploadSnapshotResult {
    return parseResult<UploadSnapshotResult>("aws upload-snapshot", stdout, {
        snapshotId: "string",
        blocksSent: "number",
        blocksTotal: "number",
    });
}

/**
 * The argv of `unikernel aws delete-snapshot` as a delete step runs it: the snapshot id comes from
 * the create step's stdout (`$PULUMI_COMMAND_STDOUT`).
 */
export function deleteSnapshotArgv(region: string, roles: readonly AssumeRole[]): string[] {
    return ["aws", "delete-snapshot", "--region", region, ...roleArgv(roles), "--from-command-stdout"];
}
