/**
 * One role in an AWS role chain, as the AWS provider's `assumeRoles` takes it: the components read
 * it from stack config, the CLI from its options, and the EBS upload assumes it.
 */
export interface AssumeRole {
    roleArn: string;
    externalId?: string;
    sessionName?: string;
}
