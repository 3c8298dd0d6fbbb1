/** The security group of an AWS service: the declared ports from the declared sources, and nothing else. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedPort } from "../../model";

/** What the group opens. */
export interface SecurityGroupRules {
    public: boolean;
    ports: readonly ResolvedPort[];
    /** Declared egress blocks; undefined for the default (public: anywhere; private: the VPC). */
    egressCidrs?: readonly string[];
}

/** Ingress only on declared ports from declared sources (public default: anywhere; private: the VPC). */
export function createSecurityGroup(
    name: string,
    rules: SecurityGroupRules,
    vpcId: pulumi.Output<string>,
    vpcCidr: pulumi.Output<string>,
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
    const group = new aws.ec2.SecurityGroup(
        `${name}-sg`,
        { vpcId, description: `unikernel ${name}: declared ports only`, tags },
        { parent },
    );
    for (const port of rules.ports) {
        const sources = port.sources ?? (rules.public ? [pulumi.output("0.0.0.0/0")] : [vpcCidr]);
        sources.forEach(
            (source, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-${port.protocol}-${port.port}-${i}`,
                    {
                        securityGroupId: group.id,
                        ipProtocol: port.protocol,
                        fromPort: port.port,
                        toPort: port.port,
                        cidrIpv4: source,
                        tags,
                    },
                    { parent },
                ),
        );
    }
    // Outbound: a public service may reach anywhere; a private one only its VPC, unless told otherwise.
    const egress =
        rules.egressCidrs?.map((c) => pulumi.output(c)) ?? (rules.public ? [pulumi.output("0.0.0.0/0")] : [vpcCidr]);
    egress.forEach(
        (cidr, i) =>
            new aws.vpc.SecurityGroupEgressRule(
                i === 0 ? `${name}-egress` : `${name}-egress-${i}`,
                {
                    securityGroupId: group.id,
                    ipProtocol: "-1",
                    cidrIpv4: cidr,
                    tags,
                },
                { parent },
            ),
    );
    return group;
}

/** Lets a load balancer's health checks (from its addresses inside the VPC) reach the port. */
export function allowBalancerHealthChecks(
    name: string,
    group: aws.ec2.SecurityGroup,
    port: number,
    vpcCidr: pulumi.Output<string>,
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): void {
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-healthcheck`,
        {
            securityGroupId: group.id,
            ipProtocol: "tcp",
            fromPort: port,
            toPort: port,
            cidrIpv4: vpcCidr,
            tags,
        },
        { parent },
    );
}
