/** The machines of an AWS service: one instance, or an Auto Scaling group behind a launch template. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedPort } from "../../model";
import { shellCommand } from "../../internal/shellQuote";
import { AwsNetwork } from "./network";
import {
    HealthCheckedBalancer,
    StatusAlarmSettings,
    createHealthCheckedBalancer,
    createStatusAlarms,
} from "./monitoring";

/** What every machine of the service gets. */
export interface MachineSettings {
    imageId: pulumi.Input<string>;
    instanceType: string;
    public: boolean;
    ports: readonly ResolvedPort[];
    securityGroupId: pulumi.Output<string>;
    /** The service's tags: alarms, balancer, template. */
    tags: pulumi.Output<Record<string, string>>;
    /** The instances' own tags: the service's and where the image came from. */
    instanceTags: pulumi.Output<Record<string, string>>;
}

/** What the service's machines expose. */
export interface AwsMachines {
    instanceIds: pulumi.Output<string[]>;
    autoScalingGroupName: pulumi.Output<string | undefined>;
    privateIps: pulumi.Output<string[]>;
    publicIps: pulumi.Output<string[]>;
    urls: pulumi.Output<string[]>;
    consoleCommand: pulumi.Output<string>;
}

/** One instance with IMDSv2 only, and its status-check alarms. */
export function createInstance(
    name: string,
    s: MachineSettings,
    network: AwsNetwork,
    monitoring: StatusAlarmSettings,
    parent: pulumi.Resource,
): AwsMachines {
    const instance = new aws.ec2.Instance(
        name,
        {
            ami: s.imageId,
            instanceType: s.instanceType,
            subnetId: network.subnetIds.apply((ids) => ids[0]),
            vpcSecurityGroupIds: [s.securityGroupId],
            associatePublicIpAddress: s.public,
            // IMDSv2 only: a unikernel rarely reads metadata, and when it does it should be the safe way.
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
            tags: s.instanceTags.apply((t) => ({ ...t, Name: name })),
        },
        { parent },
    );
    createStatusAlarms(name, instance.id, monitoring, s.tags, parent);
    return {
        instanceIds: instance.id.apply((id) => [id]),
        privateIps: instance.privateIp.apply((ip) => [ip]),
        publicIps: s.public ? instance.publicIp.apply((ip) => (ip ? [ip] : [])) : pulumi.output([]),
        urls: s.public
            ? instance.publicIp.apply((ip) =>
                  s.ports.filter((x) => x.protocol === "tcp").map((x) => `http://${ip}:${x.port}`),
              )
            : pulumi.output([]),
        autoScalingGroupName: pulumi.output(undefined),
        consoleCommand: instance.id.apply((id) =>
            shellCommand(["aws", "ec2", "get-console-output", "--latest", "--output", "text", "--instance-id", id]),
        ),
    };
}

/** How a group is sized and checked. */
export interface GroupSettings {
    replicas: number;
    maxReplicas: number;
    /** A network load balancer with a TCP check on this port decides health too. */
    loadBalancerPort?: number;
    healthCheckGraceSeconds?: number;
}

/** An Auto Scaling group behind a launch template, with a health-checked balancer when asked. */
export function createAutoScalingGroup(
    name: string,
    s: MachineSettings,
    network: AwsNetwork,
    group: GroupSettings,
    parent: pulumi.Resource,
): AwsMachines {
    const template = new aws.ec2.LaunchTemplate(
        `${name}-lt`,
        {
            imageId: s.imageId,
            instanceType: s.instanceType,
            networkInterfaces: [{ associatePublicIpAddress: String(s.public), securityGroups: [s.securityGroupId] }],
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
            tagSpecifications: [
                { resourceType: "instance", tags: s.instanceTags.apply((t) => ({ ...t, Name: name })) },
            ],
            tags: s.tags,
        },
        { parent },
    );
    const balancer: HealthCheckedBalancer | undefined =
        group.loadBalancerPort !== undefined
            ? createHealthCheckedBalancer(
                  name,
                  group.loadBalancerPort,
                  s.public,
                  network.vpcId,
                  network.subnetIds,
                  s.tags,
                  parent,
              )
            : undefined;
    const asg = new aws.autoscaling.Group(
        name,
        {
            vpcZoneIdentifiers: network.subnetIds,
            desiredCapacity: group.replicas,
            minSize: group.replicas,
            maxSize: group.maxReplicas,
            launchTemplate: { id: template.id, version: "$Latest" },
            // EC2 status checks always; with a balancer, its TCP check on the port decides too.
            healthCheckType: balancer ? "ELB" : "EC2",
            healthCheckGracePeriod: group.healthCheckGraceSeconds,
            targetGroupArns: balancer ? [balancer.targetGroup.arn] : undefined,
            tags: [{ key: "unikernel:service", value: name, propagateAtLaunch: true }],
        },
        { parent },
    );
    return {
        instanceIds: pulumi.output([]),
        privateIps: pulumi.output([]),
        publicIps: pulumi.output([]),
        // Through the balancer, the one port it listens on.
        urls:
            balancer && s.public
                ? balancer.balancer.dnsName.apply((d) => [`http://${d}:${group.loadBalancerPort}`])
                : pulumi.output([]),
        autoScalingGroupName: asg.name,
        consoleCommand: asg.name.apply((g) => {
            // The names are quoted for the shell the user pastes this into; the inner command runs first.
            const first = shellCommand([
                "aws",
                "autoscaling",
                "describe-auto-scaling-groups",
                "--auto-scaling-group-names",
                g,
                "--query",
                "AutoScalingGroups[0].Instances[0].InstanceId",
                "--output",
                "text",
            ]);
            return `${shellCommand(["aws", "ec2", "get-console-output", "--latest", "--output", "text", "--instance-id"])} "$(${first})"`;
        }),
    };
}
