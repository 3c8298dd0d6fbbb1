/** Options the `aws` commands share: the region, an endpoint override, and a chain of roles to assume. */
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "../model";
import type { AssumeRole } from "../model";
import { safeText } from "./optionValues";

/** The role options as commander collects them (each repeatable). */
export interface RoleOptions {
    roleArn?: string[];
    roleExternalId?: string[];
    roleSessionName?: string[];
}

const collect =
    (parse: (value: string) => string) =>
    (value: string, previous: string[] = []) => [...previous, parse(value)];

/**
 * The role options, repeatable for a chain of roles (the AWS provider's `assumeRoles`: each one
 * assumed with the previous one's credentials). An external id or session name is given once per
 * role, in the same order, "" for none; or not at all.
 */
export function addRoleOptions(command: Command): Command {
    return command
        .option(
            "--role-arn <arn>",
            "assume this role for the upload; repeat for a chain of roles (the AWS provider's assumeRoles)",
            collect(parseRoleArn),
        )
        .option("--role-external-id <id>", 'external id for each --role-arn, in order ("" for none)', collect(safeText))
        .option(
            "--role-session-name <name>",
            'session name for each --role-arn, in order ("" for the default)',
            collect(parseSessionName),
        );
}

/** The role chain; a count of external ids or session names that does not match the roles is refused. */
export function rolesOf(options: RoleOptions): AssumeRole[] {
    const arns = options.roleArn ?? [];
    for (const [flag, values] of [
        ["--role-external-id", options.roleExternalId],
        ["--role-session-name", options.roleSessionName],
    ] as const) {
        if (values && values.length !== arns.length) {
            throw new UsageError(
                `${flag} was given ${values.length} time(s) for ${arns.length} --role-arn; give it once per role, in order ("" for none)`,
            );
        }
    }
    return arns.map((roleArn, k) => ({
        roleArn,
        externalId: options.roleExternalId?.[k] || undefined,
        sessionName: options.roleSessionName?.[k] || undefined,
    }));
}

/** IAM role ARNs, in any partition. */
function parseRoleArn(value: string): string {
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/.test(value)) {
        throw new InvalidArgumentError(
            `"${value}" is not an IAM role ARN such as arn:aws:iam::111122223333:role/uploader`,
        );
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
export function parseRegion(value: string): string {
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(value)) {
        throw new InvalidArgumentError(`"${value}" is not an AWS region such as us-east-1`);
    }
    return value;
}

/** EBS snapshot ids. */
export const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;

/** A snapshot id such as snap-0123456789abcdef0. */
export function parseSnapshotId(value: string): string {
    if (!SNAPSHOT_ID.test(value))
        throw new InvalidArgumentError(`"${value}" is not a snapshot id such as snap-0123456789abcdef0`);
    return value;
}

/** An API endpoint override: an http or https URL (an emulator on loopback, in tests). */
export function parseEndpoint(value: string): string {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        throw new InvalidArgumentError(`"${value}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
        throw new InvalidArgumentError(`"${value}" is not an http or https URL`);
    return value;
}
