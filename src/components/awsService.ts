import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Problem, ec2Architecture, ec2Venue } from "../model";
import { shellCommand } from "../internal/shellQuote";
import { requirePlain, throwProblems } from "./inputErrors";
import { checkEnvironmentAndReplicas, checkPlacement } from "./placement";
import { ResolvedPort, checkCidr, checkDeclaredTcpPort, validatePorts, warnAboutOpenAdminPorts } from "./ports";
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
        requirePlain(args, ["kernelFamily", "platform", "architecture", "instanceType", "environment", "ports", "replicas", "maxReplicas", "egressCidrs"],
            "it decides which resources are created and is checked before any is");
        // Everything checked here is a plain value (above), so the check runs before any child exists.
        const checked = validateAwsServiceArgs(args as pulumi.Unwrap<AwsServiceArgs>, args.vpcId !== undefined, args.subnetIds !== undefined);
        throwProblems("AwsService", checked.problems);
        const p = checked.value!;
        warnAboutOpenAdminPorts(p.ports, p.public, this);
        const tags = pulumi.output(args.tags ?? {}).apply((t): Record<string, string> => ({ ...t, "unikernel:service": name }));
        const network = args.vpcId
            ? { vpcId: pulumi.output(args.vpcId), cidr: aws.ec2.getVpcOutput({ id: args.vpcId }, { parent: this }).cidrBlock, subnetIds: pulumi.output(args.subnetIds!) }
            : createNetwork(name, p.public, tags, this);
        const securityGroup = createSecurityGroup(name, p, network.vpcId, network.cidr, tags, this);
        if (p.monitoring.loadBalancerPort !== undefined && (p.public || p.ports.find((x) => x.port === p.monitoring.loadBalancerPort)?.sources)) {
            // The balancer's health checks come from its addresses inside the VPC.
            new aws.vpc.SecurityGroupIngressRule(`${name}-healthcheck`, {
                securityGroupId: securityGroup.id, ipProtocol: "tcp", fromPort: p.monitoring.loadBalancerPort, toPort: p.monitoring.loadBalancerPort,
                cidrIpv4: network.cidr, tags,
            }, { parent: this });
        }
        if (p.replicas === 1 && p.maxReplicas === 1) {
            const instance = new aws.ec2.Instance(name, {
                ami: args.imageId,
                instanceType: p.instanceType,
                subnetId: network.subnetIds.apply((ids) => ids[0]),
                vpcSecurityGroupIds: [securityGroup.id],
                associatePublicIpAddress: p.public,
                // IMDSv2 only: a unikernel rarely reads metadata, and when it does it should be the safe way.
                metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
                tags: tags.apply((t) => ({ ...t, Name: name })),
            }, { parent: this });
            this.instanceIds = instance.id.apply((id) => [id]);
            this.privateIps = instance.privateIp.apply((ip) => [ip]);
            this.publicIps = p.public ? instance.publicIp.apply((ip) => (ip ? [ip] : [])) : pulumi.output([]);
            this.urls = p.public ? instance.publicIp.apply((ip) => p.ports.filter((x) => x.protocol === "tcp").map((x) => `http://${ip}:${x.port}`)) : pulumi.output([]);
            this.autoScalingGroupName = pulumi.output(undefined);
            this.consoleCommand = instance.id.apply((id) => shellCommand(["aws", "ec2", "get-console-output", "--latest", "--output", "text", "--instance-id", id]));
            createStatusAlarms(name, instance.id, p.monitoring, tags, this);
        } else {
            const template = new aws.ec2.LaunchTemplate(`${name}-lt`, {
                imageId: args.imageId,
                instanceType: p.instanceType,
                networkInterfaces: [{ associatePublicIpAddress: String(p.public), securityGroups: [securityGroup.id] }],
                metadataOptions: { httpTokens: "required", httpEndpoint: "enabled" },
                tagSpecifications: [{ resourceType: "instance", tags: tags.apply((t) => ({ ...t, Name: name })) }],
                tags,
            }, { parent: this });
            const balancer = p.monitoring.loadBalancerPort !== undefined
                ? createHealthCheckedBalancer(name, p.monitoring.loadBalancerPort, p.public, network.vpcId, network.subnetIds, tags, this)
                : undefined;
            const group = new aws.autoscaling.Group(name, {
                vpcZoneIdentifiers: network.subnetIds,
                desiredCapacity: p.replicas,
                minSize: p.replicas,
                maxSize: p.maxReplicas,
                launchTemplate: { id: template.id, version: "$Latest" },
                // EC2 status checks always; with a balancer, its TCP check on the port decides too.
                healthCheckType: balancer ? "ELB" : "EC2",
                healthCheckGracePeriod: p.monitoring.healthCheckGraceSeconds,
                targetGroupArns: balancer ? [balancer.targetGroup.arn] : undefined,
                tags: [{ key: "unikernel:service", value: name, propagateAtLaunch: true }],
            }, { parent: this });
            this.instanceIds = pulumi.output([]);
            this.privateIps = pulumi.output([]);
            this.publicIps = pulumi.output([]);
            // Through the balancer, the one port it listens on.
            this.urls = balancer && p.public ? balancer.balancer.dnsName.apply((d) => [`http://${d}:${p.monitoring.loadBalancerPort}`]) : pulumi.output([]);
            this.autoScalingGroupName = group.name;
            this.consoleCommand = group.name.apply((g) => {
                // The names are quoted for the shell the user pastes this into; the inner command runs first.
                const first = shellCommand(["aws", "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", g, "--query", "AutoScalingGroups[0].Instances[0].InstanceId", "--output", "text"]);
                return `${shellCommand(["aws", "ec2", "get-console-output", "--latest", "--output", "text", "--instance-id"])} "$(${first})"`;
            });
        }
        this.securityGroupId = securityGroup.id;
        this.vpcId = network.vpcId;
        this.registerOutputs({
            instanceIds: this.instanceIds, autoScalingGroupName: this.autoScalingGroupName, privateIps: this.privateIps, publicIps: this.publicIps,
            urls: this.urls, securityGroupId: this.securityGroupId, vpcId: this.vpcId, consoleCommand: this.consoleCommand,
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
export function validateAwsServiceArgs(args: pulumi.Unwrap<AwsServiceArgs>, hasVpc: boolean, hasSubnets: boolean): { value?: ResolvedAwsService; problems: Problem[] } {
    const problems: Problem[] = [];
    checkPlacement({
        kernelFamily: args.kernelFamily, platform: args.platform, architecture: args.architecture, machineKey: "instanceType", machineType: args.instanceType,
        venue: ec2Venue(args.instanceType ?? ""), machineArchitecture: ec2Architecture(args.instanceType ?? ""), example: "t3.micro",
    }, problems);
    const { public: isPublic, replicas } = checkEnvironmentAndReplicas(args.environment, args.replicas, problems);
    const ports = validatePorts(args.ports ?? [], "ports", problems);
    const maxReplicas = args.maxReplicas ?? replicas;
    if (!Number.isInteger(maxReplicas) || maxReplicas < replicas) problems.push({ path: "maxReplicas", message: `got ${maxReplicas}; expected a whole number, at least \`replicas\` (${replicas})` });
    if (hasVpc !== hasSubnets) {
        problems.push({ path: hasVpc ? "subnetIds" : "vpcId", message: "`vpcId` and `subnetIds` go together: give both to use an existing network, or neither to get a new one" });
    }
    const monitoring = args.monitoring ?? {};
    const group = replicas > 1 || maxReplicas > replicas;
    if (group && (monitoring.recoverOnSystemFailure || monitoring.rebootOnInstanceFailure)) {
        problems.push({ path: monitoring.recoverOnSystemFailure ? "monitoring.recoverOnSystemFailure" : "monitoring.rebootOnInstanceFailure", message: "applies to a single instance; an Auto Scaling group replaces failed instances itself (EC2 health checks), and `monitoring.loadBalancerPort` adds a check on the service's port" });
    }
    if (monitoring.loadBalancerPort !== undefined) {
        if (!group) problems.push({ path: "monitoring.loadBalancerPort", message: "applies to Auto Scaling groups (replicas or maxReplicas above 1); a single instance uses the status-check alarms" });
        checkDeclaredTcpPort(monitoring.loadBalancerPort, ports, "monitoring.loadBalancerPort", problems);
    }
    if (monitoring.healthCheckGraceSeconds !== undefined && (!Number.isInteger(monitoring.healthCheckGraceSeconds) || monitoring.healthCheckGraceSeconds < 0)) {
        problems.push({ path: "monitoring.healthCheckGraceSeconds", message: `got ${monitoring.healthCheckGraceSeconds}; expected whole seconds, 0 or more` });
    }
    (args.egressCidrs ?? []).forEach((cidr, i) => checkCidr(cidr, `egressCidrs[${i}]`, problems));
    if (problems.length) return { problems };
    return { problems, value: { instanceType: args.instanceType, public: isPublic, ports, replicas, maxReplicas, monitoring, egressCidrs: args.egressCidrs } };
}

/** A VPC with one public and one private subnet in each of two zones; an internet gateway only for public services. */
function createNetwork(name: string, isPublic: boolean, tags: pulumi.Output<Record<string, string>>, parent: pulumi.Resource) {
    const cidr = "10.0.0.0/16";
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags }, { parent });
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent }).names;
    const subnets = [0, 1].map((i) => ({
        public: new aws.ec2.Subnet(`${name}-public-${i}`, { vpcId: vpc.id, cidrBlock: `10.0.${i}.0/24`, availabilityZone: zones.apply((z) => z[i % z.length]), mapPublicIpOnLaunch: false, tags }, { parent }),
        private: new aws.ec2.Subnet(`${name}-private-${i}`, { vpcId: vpc.id, cidrBlock: `10.0.${100 + i}.0/24`, availabilityZone: zones.apply((z) => z[i % z.length]), mapPublicIpOnLaunch: false, tags }, { parent }),
    }));
    if (isPublic) {
        // The route to the internet exists only when the service is public; a private VPC has no way out or in.
        const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent });
        const table = new aws.ec2.RouteTable(`${name}-public`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }], tags }, { parent });
        subnets.forEach((s, i) => new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.public.id, routeTableId: table.id }, { parent }));
    }
    const chosen = subnets.map((s) => (isPublic ? s.public : s.private).id);
    return { vpcId: vpc.id, cidr: pulumi.output(cidr), subnetIds: pulumi.all(chosen) };
}

/** Ingress only on declared ports from declared sources (public default: anywhere; private: the VPC). */
function createSecurityGroup(name: string, p: ResolvedAwsService, vpcId: pulumi.Output<string>, vpcCidr: pulumi.Output<string>, tags: pulumi.Output<Record<string, string>>, parent: pulumi.Resource) {
    const group = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId, description: `unikernel ${name}: declared ports only`, tags }, { parent });
    for (const port of p.ports) {
        const sources = port.sources ?? (p.public ? [pulumi.output("0.0.0.0/0")] : [vpcCidr]);
        sources.forEach((source, i) => new aws.vpc.SecurityGroupIngressRule(`${name}-${port.protocol}-${port.port}-${i}`, {
            securityGroupId: group.id, ipProtocol: port.protocol, fromPort: port.port, toPort: port.port, cidrIpv4: source, tags,
        }, { parent }));
    }
    // Outbound: a public service may reach anywhere; a private one only its VPC, unless told otherwise.
    const egress = p.egressCidrs?.map((c) => pulumi.output(c)) ?? (p.public ? [pulumi.output("0.0.0.0/0")] : [vpcCidr]);
    egress.forEach((cidr, i) => new aws.vpc.SecurityGroupEgressRule(i === 0 ? `${name}-egress` : `${name}-egress-${i}`, {
        securityGroupId: group.id, ipProtocol: "-1", cidrIpv4: cidr, tags,
    }, { parent }));
    return group;
}

/**
 * CloudWatch alarms on the instance's status checks with EC2's own actions: recover on a failed
 * system check (the host), reboot on a failed instance check (the guest). Two failed one-minute
 * periods trigger; notify topics hear about it too.
 */
function createStatusAlarms(name: string, instanceId: pulumi.Output<string>, monitoring: AwsMonitoringArgs, tags: pulumi.Output<Record<string, string>>, parent: pulumi.Resource): void {
    const checks = [
        ...(monitoring.recoverOnSystemFailure ? [{ suffix: "recover", metric: "StatusCheckFailed_System", action: "recover" }] : []),
        ...(monitoring.rebootOnInstanceFailure ? [{ suffix: "reboot", metric: "StatusCheckFailed_Instance", action: "reboot" }] : []),
    ];
    if (!checks.length) return;
    const region = aws.getRegionOutput({}, { parent }).region;
    for (const check of checks) {
        const actions = pulumi.all([region, monitoring.notifyTopicArns ?? []]).apply(([r, topics]) => [`arn:aws:automate:${r}:ec2:${check.action}`, ...topics]);
        new aws.cloudwatch.MetricAlarm(`${name}-${check.suffix}`, {
            alarmDescription: `unikernel ${name}: ${check.metric} -> ${check.action}`,
            namespace: "AWS/EC2", metricName: check.metric, dimensions: { InstanceId: instanceId },
            statistic: "Maximum", period: 60, evaluationPeriods: 2, threshold: 0, comparisonOperator: "GreaterThanThreshold",
            alarmActions: actions, okActions: monitoring.notifyTopicArns ?? [], tags,
        }, { parent });
    }
}

/** A network load balancer with a TCP health check on the port, for an Auto Scaling group. */
function createHealthCheckedBalancer(name: string, port: number, isPublic: boolean, vpcId: pulumi.Output<string>, subnetIds: pulumi.Output<string[]>,
    tags: pulumi.Output<Record<string, string>>, parent: pulumi.Resource) {
    const balancer = new aws.lb.LoadBalancer(`${name}-nlb`, { loadBalancerType: "network", internal: !isPublic, subnets: subnetIds, tags }, { parent });
    const targetGroup = new aws.lb.TargetGroup(`${name}-tg`, {
        vpcId, port, protocol: "TCP", targetType: "instance",
        healthCheck: { protocol: "TCP", port: String(port), interval: 10, healthyThreshold: 2, unhealthyThreshold: 2 },
        tags,
    }, { parent });
    new aws.lb.Listener(`${name}-listener`, { loadBalancerArn: balancer.arn, port, protocol: "TCP", defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }], tags }, { parent });
    return { balancer, targetGroup };
}
