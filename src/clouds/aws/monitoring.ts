/** Watching an AWS service: status-check alarms with EC2's own actions, and a health-checked balancer for groups. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** What an instance's alarms do. */
export interface StatusAlarmSettings {
    recoverOnSystemFailure?: boolean;
    rebootOnInstanceFailure?: boolean;
    notifyTopicArns?: pulumi.Input<string>[];
}

/**
 * CloudWatch alarms on the instance's status checks with EC2's own actions: recover on a failed
 * system check (the host), reboot on a failed instance check (the guest). Two failed one-minute
 * periods trigger; notify topics hear about it too.
 */
export function createStatusAlarms(
    name: string,
    instanceId: pulumi.Output<string>,
    monitoring: StatusAlarmSettings,
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): void {
    const checks = [
        ...(monitoring.recoverOnSystemFailure
            ? [{ suffix: "recover", metric: "StatusCheckFailed_System", action: "recover" }]
            : []),
        ...(monitoring.rebootOnInstanceFailure
            ? [{ suffix: "reboot", metric: "StatusCheckFailed_Instance", action: "reboot" }]
            : []),
    ];
    if (!checks.length) return;
    const region = aws.getRegionOutput({}, { parent }).region;
    for (const check of checks) {
        const actions = pulumi
            .all([region, monitoring.notifyTopicArns ?? []])
            .apply(([r, topics]) => [`arn:aws:automate:${r}:ec2:${check.action}`, ...topics]);
        new aws.cloudwatch.MetricAlarm(
            `${name}-${check.suffix}`,
            {
                alarmDescription: `unikernel ${name}: ${check.metric} -> ${check.action}`,
                namespace: "AWS/EC2",
                metricName: check.metric,
                dimensions: { InstanceId: instanceId },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 2,
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                alarmActions: actions,
                okActions: monitoring.notifyTopicArns ?? [],
                tags,
            },
            { parent },
        );
    }
}

/** A balancer in front of a group, and the target group whose health check decides. */
export interface HealthCheckedBalancer {
    balancer: aws.lb.LoadBalancer;
    targetGroup: aws.lb.TargetGroup;
}

/** A network load balancer with a TCP health check on the port, for an Auto Scaling group. */
export function createHealthCheckedBalancer(
    name: string,
    port: number,
    isPublic: boolean,
    vpcId: pulumi.Output<string>,
    subnetIds: pulumi.Output<string[]>,
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): HealthCheckedBalancer {
    const balancer = new aws.lb.LoadBalancer(
        `${name}-nlb`,
        { loadBalancerType: "network", internal: !isPublic, subnets: subnetIds, tags },
        { parent },
    );
    const targetGroup = new aws.lb.TargetGroup(
        `${name}-tg`,
        {
            vpcId,
            port,
            protocol: "TCP",
            targetType: "instance",
            healthCheck: {
                protocol: "TCP",
                port: String(port),
                interval: 10,
                healthyThreshold: 2,
                unhealthyThreshold: 2,
            },
            tags,
        },
        { parent },
    );
    new aws.lb.Listener(
        `${name}-listener`,
        {
            loadBalancerArn: balancer.arn,
            port,
            protocol: "TCP",
            defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
            tags,
        },
        { parent },
    );
    return { balancer, targetGroup };
}
