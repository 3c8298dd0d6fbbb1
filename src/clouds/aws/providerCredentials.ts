/**
 * The AWS account, region and role a local upload step uses are those of the AWS provider the
 * component uses, not whatever the machine's ambient credentials happen to be: otherwise a stack
 * whose provider targets account B (a profile, static keys, an assumed role) would upload its
 * snapshot into account A. The EBS direct upload runs in `unikernel aws upload-snapshot`, a
 * local.Command; it gets the provider's settings as environment variables (secrets stay secret in
 * the state) and the role as flags.
 *
 * Sources, in order: an explicit `aws.Provider` the component was given (its `profile`,
 * `accessKey`, `secretKey`, `token`); else the stack's `aws:` configuration (`aws:profile`,
 * `aws:accessKey`, `aws:secretKey`, `aws:token`, `aws:assumeRoles`/`aws:assumeRole`), which is what
 * the default provider reads; every role of `aws:assumeRoles` is assumed in order, each with the
 * previous one's credentials, as the provider does. An explicit provider's `assumeRoles` is not
 * readable from the program (its inputs are not outputs of the resource); set
 * `AwsImage.uploadRoleArn` for it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AssumeRole } from "../../model";

/** What the upload command needs to act as the provider does. */
export interface UploadIdentity {
    /** Environment variables for the command (secret when any value is). */
    environment: pulumi.Output<Record<string, string>>;
    /** The chain of roles the upload assumes, in order; empty for none. */
    roles: pulumi.Output<AssumeRole[]>;
}

/** The identity of `provider` (or of the default provider, from the stack's `aws:` config). */
export function uploadIdentity(
    provider: pulumi.ProviderResource | undefined,
    roleArn: pulumi.Input<string> | undefined,
): UploadIdentity {
    const explicit = provider instanceof aws.Provider ? provider : undefined;
    const config = new pulumi.Config("aws");
    const settings = explicit
        ? {
              profile: explicit.profile,
              accessKey: explicit.accessKey,
              secretKey: explicit.secretKey,
              token: explicit.token,
          }
        : {
              profile: pulumi.output(config.get("profile")),
              accessKey: pulumi.output(config.get("accessKey")),
              secretKey: config.getSecret("secretKey") ?? pulumi.output(undefined),
              token: config.getSecret("token") ?? pulumi.output(undefined),
          };
    const environment = pulumi
        .all([settings.profile, settings.accessKey, settings.secretKey, settings.token])
        .apply(([profile, accessKey, secretKey, token]) => {
            const env: Record<string, string> = {};
            if (profile) env.AWS_PROFILE = profile;
            if (accessKey && secretKey) {
                env.AWS_ACCESS_KEY_ID = accessKey;
                env.AWS_SECRET_ACCESS_KEY = secretKey;
                if (token) env.AWS_SESSION_TOKEN = token;
            }
            return env;
        });
    const configured = explicit ? [] : configuredRoles(config);
    const roles: pulumi.Output<AssumeRole[]> =
        roleArn !== undefined ? pulumi.output(roleArn).apply((arn) => [{ roleArn: arn }]) : pulumi.output(configured);
    return { environment: pulumi.secret(environment), roles };
}

/** The roles of `aws:assumeRoles` (a list), or `aws:assumeRole` (one, older providers); entries without a role ARN are skipped. */
function configuredRoles(config: pulumi.Config): AssumeRole[] {
    type Entry = Partial<AssumeRole> | null | undefined;
    const many = config.getObject<Entry[]>("assumeRoles");
    const one = config.getObject<Entry>("assumeRole");
    const entries = Array.isArray(many) && many.length ? many : one ? [one] : [];
    return entries.flatMap((e) =>
        e && typeof e.roleArn === "string"
            ? [{ roleArn: e.roleArn, externalId: e.externalId, sessionName: e.sessionName }]
            : [],
    );
}
