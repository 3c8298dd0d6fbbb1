import * as pulumi from "@pulumi/pulumi";
import {
    Problem,
    ResolvedPort,
    checkCidr,
    checkDeclaredTcpPort,
    checkEnvironmentAndReplicas,
    checkPlacement,
    ec2Architecture,
    ec2Venue,
    awsProvenanceTags,
    openAdminPortWarnings,
    validatePorts,
} from "../model";
import { createAutoScalingGroup, createInstance } from "../clouds/aws/instances";
import { createNetwork, existingNetwork } from "../clouds/aws/network";
import { allowBalancerHealthChecks, createSecurityGroup } from "../clouds/aws/securityGroup";
import { requirePlain, throwProblems } from "./inputErrors";
import { AwsMonitoringArgs } from "./types";
import { AwsServiceArgs } from "./awsServiceArgs";

export { AwsServiceArgs };

/**
 * Runs an AMI as a service on EC2: one instance, or an Auto Scaling group behind a launch template
 * when there are several; a security group that opens the declared ports only, to the declared
 * sources; a VPC with public and private subnets when none is given. Before anything is created,
 * the kernel is checked against the instance type: a Unikraft image on a Nitro type (ENA and NVMe
 * only) is refused with the missing drivers and the alternatives.
 *
 * @example
 * ```ts
 * const web = new AwsService("web", { imageId: ami.imageId, kernelFamily: KernelFamily.Nanos, instanceType: "t3.micro", ports: [{ port: 80 }] });
 * export const urls = web.urls;
 * ```
 */
export class AwsService extends pulumi.ComponentResource {
    /** Instance ids (one instance), or the Auto Scaling group's name in `autoScalingGroupName`. */
    public readonly instanceIds: pulumi.Output<string[]>;
    /** Auto Scaling group name, when the service is a group. */
    public readonly autoScalingGroupName: pulumi.Output<string | undefined>;
    /** Private addresses (single instance). */
    public readonly privateIps: pulumi.Output<string[]>;
    /** Public addresses (single public instance); empty in private environments. */
    public readonly publicIps: pulumi.Output<string[]>;
    /** `http://<public ip>:<port>` for each TCP port of a single public instance. */
    public readonly urls: pulumi.Output<string[]>;
    /** The security group. */
    public readonly securityGroupId: pulumi.Output<string>;
    /** The VPC the service runs in. */
    public readonly vpcId: pulumi.Output<string>;
    /** How to read the serial console of an instance. */
    public readonly consoleCommand: pulumi.Output<string>;

    /**
     * @param name The component name; the instance or group is `${name}`, the rest `${name}-<role>`.
     * @param args Image, instance type, environment and ports.
     * @param opts Resource options.
     */
    constructor(name: string, args: AwsServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:AwsService", name, {}, opts);
        requirePlain(
            args,
            [
                "kernelFamily",
                "platform",
                "architecture",
                "instanceType",
                "environment",
                "ports",
                "replicas",
                "maxReplicas",
                "egressCidrs",
            ],
            "it decides which resources are created and is checked before any is",
        );
        // Everything checked here is a plain value (above), so the check runs before any child exists.
        const checked = validateAwsServiceArgs(
            args as pulumi.Unwrap<AwsServiceArgs>,
            args.vpcId !== undefined,
            args.subnetIds !== undefined,
        );
        throwProblems("AwsService", checked.problems);
        const p = checked.value!;
        for (const warning of openAdminPortWarnings(p.ports, p.public)) void pulumi.log.warn(warning, this);
        const tags = pulumi
            .output(args.tags ?? {})
            .apply((t): Record<string, string> => ({ ...t, "unikernel:service": name }));
        const network = args.vpcId
            ? existingNetwork(args.vpcId, args.subnetIds!, this)
            : createNetwork(name, p.public, tags, this);
        const securityGroup = createSecurityGroup(name, p, network.vpcId, network.cidr, tags, this);
        if (
            p.monitoring.loadBalancerPort !== undefined &&
            (p.public || p.ports.find((x) => x.port === p.monitoring.loadBalancerPort)?.sources)
        ) {
            allowBalancerHealthChecks(name, securityGroup, p.monitoring.loadBalancerPort, network.cidr, tags, this);
        }
        // Where the image came from, on the instances only (the network is not the image's).
        const machineTags = pulumi
            .all([tags, pulumi.output(args.provenance ?? {}), pulumi.output(args.imageDigest)])
            .apply(([t, prov, digest]): Record<string, string> => ({
                ...awsProvenanceTags(prov),
                ...(digest && digest.length <= 256 ? { "unikernel:digest": digest } : {}),
                ...t,
            }));
        const machine = {
            imageId: args.imageId,
            instanceType: p.instanceType,
            public: p.public,
            ports: p.ports,
            securityGroupId: securityGroup.id,
            tags,
            instanceTags: machineTags,
        };
        const machines =
            p.replicas === 1 && p.maxReplicas === 1
                ? createInstance(name, machine, network, p.monitoring, this)
                : createAutoScalingGroup(
                      name,
                      machine,
                      network,
                      { ...p.monitoring, replicas: p.replicas, maxReplicas: p.maxReplicas },
                      this,
                  );

        this.instanceIds = machines.instanceIds;
        this.autoScalingGroupName = machines.autoScalingGroupName;
        this.privateIps = machines.privateIps;
        this.publicIps = machines.publicIps;
        this.urls = machines.urls;
        this.consoleCommand = machines.consoleCommand;
        this.securityGroupId = securityGroup.id;
        this.vpcId = network.vpcId;
        this.registerOutputs({
            instanceIds: this.instanceIds,
            autoScalingGroupName: this.autoScalingGroupName,
            privateIps: this.privateIps,
            publicIps: this.publicIps,
            urls: this.urls,
            securityGroupId: this.securityGroupId,
            vpcId: this.vpcId,
            consoleCommand: this.consoleCommand,
        });
    }
}

interface ResolvedAwsService {
    instanceType: string;
    monitoring: AwsMonitoringArgs;
    public: boolean;
    ports: ResolvedPort[];
    replicas: number;
    maxReplicas: number;
    /** Declared egress blocks; undefined for the default (public: anywhere; private: the VPC). */
    egressCidrs?: string[];
}

/**
 * Checks AwsService inputs, including the compatibility of the kernel with the instance type.
 * @internal
 */
export function validateAwsServiceArgs(
    args: pulumi.Unwrap<AwsServiceArgs>,
    hasVpc: boolean,
    hasSubnets: boolean,
): { value?: ResolvedAwsService; problems: Problem[] } {
    const problems: Problem[] = [];
    checkPlacement(
        {
            kernelFamily: args.kernelFamily,
            platform: args.platform,
            architecture: args.architecture,
            machineKey: "instanceType",
            machineType: args.instanceType,
            venue: ec2Venue(args.instanceType ?? ""),
            machineArchitecture: ec2Architecture(args.instanceType ?? ""),
            example: "t3.micro",
        },
        problems,
    );
    const { public: isPublic, replicas } = checkEnvironmentAndReplicas(args.environment, args.replicas, problems);
    const ports = validatePorts(args.ports ?? [], "ports", problems);
    const maxReplicas = args.maxReplicas ?? replicas;
    if (!Number.isInteger(maxReplicas) || maxReplicas < replicas)
        problems.push({
            path: "maxReplicas",
            message: `got ${maxReplicas}; expected a whole number, at least \`replicas\` (${replicas})`,
        });
    if (hasVpc !== hasSubnets) {
        problems.push({
            path: hasVpc ? "subnetIds" : "vpcId",
            message:
                "`vpcId` and `subnetIds` go together: give both to use an existing network, or neither to get a new one",
        });
    }
    const monitoring = args.monitoring ?? {};
    const group = replicas > 1 || maxReplicas > replicas;
    if (group && (monitoring.recoverOnSystemFailure || monitoring.rebootOnInstanceFailure)) {
        problems.push({
            path: monitoring.recoverOnSystemFailure
                ? "monitoring.recoverOnSystemFailure"
                : "monitoring.rebootOnInstanceFailure",
            message:
                "applies to a single instance; an Auto Scaling group replaces failed instances itself (EC2 health checks), and `monitoring.loadBalancerPort` adds a check on the service's port",
        });
    }
    if (monitoring.loadBalancerPort !== undefined) {
        if (!group)
            problems.push({
                path: "monitoring.loadBalancerPort",
                message:
                    "applies to Auto Scaling groups (replicas or maxReplicas above 1); a single instance uses the status-check alarms",
            });
        checkDeclaredTcpPort(monitoring.loadBalancerPort, ports, "monitoring.loadBalancerPort", problems);
    }
    if (
        monitoring.healthCheckGraceSeconds !== undefined &&
        (!Number.isInteger(monitoring.healthCheckGraceSeconds) || monitoring.healthCheckGraceSeconds < 0)
    ) {
        problems.push({
            path: "monitoring.healthCheckGraceSeconds",
            message: `got ${monitoring.healthCheckGraceSeconds}; expected whole seconds, 0 or more`,
        });
    }
    (args.egressCidrs ?? []).forEach((cidr, i) => checkCidr(cidr, `egressCidrs[${i}]`, problems));
    if (problems.length) return { problems };
    return {
        problems,
        value: {
            instanceType: args.instanceType,
            public: isPublic,
            ports,
            replicas,
            maxReplicas,
            monitoring,
            egressCidrs: args.egressCidrs,
        },
    };
}
