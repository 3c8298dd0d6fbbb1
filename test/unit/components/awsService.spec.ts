/**
 * AwsService under mocks: network, security group, instances or group, load balancer, monitoring.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { uk, opts, construct, rejects, shape } from "../../helpers/componentHarness";
import { resolved, unwrap } from "../../helpers/mocks";
import type * as UK from "../../../src";

describe("AwsService", () => {
    const ports = [{ port: 80 }, { port: 53, protocol: uk.Protocol.Udp, sources: ["192.0.2.0/24"] }];

    it("public: a new VPC with an internet gateway, a public address, and only the declared ports open", async () => {
        const { component, children } = await construct(
            () =>
                new uk.AwsService(
                    "web",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.micro",
                        ports,
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), [
            "aws:ec2/vpc:Vpc web-vpc",
            "aws:ec2/subnet:Subnet web-public-0",
            "aws:ec2/subnet:Subnet web-private-0",
            "aws:ec2/subnet:Subnet web-public-1",
            "aws:ec2/subnet:Subnet web-private-1",
            "aws:ec2/internetGateway:InternetGateway web-igw",
            "aws:ec2/routeTable:RouteTable web-public",
            "aws:ec2/routeTableAssociation:RouteTableAssociation web-public-0",
            "aws:ec2/routeTableAssociation:RouteTableAssociation web-public-1",
            "aws:ec2/securityGroup:SecurityGroup web-sg",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule web-tcp-80-0",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule web-udp-53-0",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule web-egress",
            "aws:ec2/instance:Instance web",
        ]);
        const rules = await Promise.all(
            children.filter((c) => c.type.endsWith("SecurityGroupIngressRule")).map((c) => resolved(c.inputs)),
        );
        assert.deepEqual(
            rules.map((r) => [r.ipProtocol, r.fromPort, r.toPort, r.cidrIpv4]),
            [
                ["tcp", 80, 80, "0.0.0.0/0"],
                ["udp", 53, 53, "192.0.2.0/24"],
            ],
        );
        const instance = await resolved(children[children.length - 1].inputs);
        assert.equal(instance.associatePublicIpAddress, true);
        assert.equal(instance.metadataOptions.httpTokens, "required");
        assert.deepEqual(await unwrap(component.urls), ["http://203.0.113.10:80"]);
    });

    it("tags instances (and a launch template's instances) with the image's digest and provenance, the network not", async () => {
        const provenance = {
            sourceRevision: "a".repeat(40),
            sourceDirty: false,
            builtAt: "2026-11-30T00:00:00.000Z",
            engine: "make 4.3",
            package: "x".repeat(300),
        };
        for (const replicas of [1, 2]) {
            const { children } = await construct(
                () =>
                    new uk.AwsService(
                        `prov${replicas}`,
                        {
                            imageId: "ami-123",
                            imageDigest: "f".repeat(64),
                            provenance,
                            kernelFamily: uk.KernelFamily.Nanos,
                            instanceType: "t3.micro",
                            replicas,
                            ports: [{ port: 80 }],
                        },
                        opts,
                    ),
            );
            const machine = children.find((c) =>
                /ec2\/(instance:Instance|launchTemplate:LaunchTemplate)$/.test(c.type),
            )!;
            const inputs = await resolved(machine.inputs);
            const tags = replicas === 1 ? inputs.tags : inputs.tagSpecifications[0].tags;
            assert.equal(tags["unikernel:digest"], "f".repeat(64));
            assert.equal(tags["unikernel:source-revision"], "a".repeat(40));
            assert.equal(tags["unikernel:source-dirty"], "false");
            assert.equal(tags["unikernel:engine"], "make 4.3");
            assert.equal(tags["unikernel:package"], undefined, "a value over 256 characters is left out");
            const vpc = await resolved(children.find((c) => c.type === "aws:ec2/vpc:Vpc")!.inputs);
            assert.equal(vpc.tags["unikernel:digest"], undefined);
        }
    });

    it("private: no internet gateway, no public address, and no rule open to 0.0.0.0/0", async () => {
        const { component, children } = await construct(
            () =>
                new uk.AwsService(
                    "db",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "m5.large",
                        environment: uk.Environment.Private,
                        ports: [{ port: 5432 }],
                    },
                    opts,
                ),
        );
        assert.ok(!shape(children).some((s) => /InternetGateway|RouteTable/.test(s)));
        const inputs = await Promise.all(children.map((c) => resolved(c.inputs)));
        assert.ok(
            !JSON.stringify(inputs.filter((_, i) => children[i].type.endsWith("IngressRule"))).includes("0.0.0.0/0"),
        );
        const rule = inputs[children.findIndex((c) => c.type.endsWith("IngressRule"))];
        assert.equal(rule.cidrIpv4, "10.0.0.0/16");
        const instance = inputs[inputs.length - 1];
        assert.equal(instance.associatePublicIpAddress, false);
        assert.equal(instance.subnetId, "db-private-0-id");
        assert.deepEqual(await unwrap(component.publicIps), []);
        const egress = inputs.filter((_, i) => children[i].type.endsWith("EgressRule"));
        assert.deepEqual(
            egress.map((e) => e.cidrIpv4),
            ["10.0.0.0/16"],
            "a private service reaches its VPC only",
        );
    });

    it("egress: anywhere for public by default, or exactly the declared blocks", async () => {
        const egressOf = async (name: string, extra: Partial<UK.AwsServiceArgs>) => {
            const { children } = await construct(
                () =>
                    new uk.AwsService(
                        name,
                        { imageId: "ami-1", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", ...extra },
                        opts,
                    ),
            );
            return Promise.all(
                children
                    .filter((c) => c.type.endsWith("EgressRule"))
                    .map(async (c) => [c.name, (await resolved(c.inputs)).cidrIpv4]),
            );
        };
        assert.deepEqual(await egressOf("pub-eg", {}), [["pub-eg-egress", "0.0.0.0/0"]]);
        assert.deepEqual(
            await egressOf("priv-eg", {
                environment: uk.Environment.Private,
                egressCidrs: ["10.0.0.0/16", "192.0.2.0/24"],
            }),
            [
                ["priv-eg-egress", "10.0.0.0/16"],
                ["priv-eg-egress-1", "192.0.2.0/24"],
            ],
        );
    });

    it("warns, on the component, when SSH is open to the whole internet", async () => {
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => void warnings.push(message);
        try {
            await construct(
                () =>
                    new uk.AwsService(
                        "ssh-open",
                        {
                            imageId: "ami-1",
                            kernelFamily: uk.KernelFamily.Nanos,
                            instanceType: "t3.micro",
                            ports: [{ port: 22 }, { port: 80 }],
                        },
                        opts,
                    ),
            );
            await construct(
                () =>
                    new uk.AwsService(
                        "ssh-office",
                        {
                            imageId: "ami-1",
                            kernelFamily: uk.KernelFamily.Nanos,
                            instanceType: "t3.micro",
                            ports: [{ port: 22, sources: ["198.51.100.0/24"] }],
                        },
                        opts,
                    ),
            );
        } finally {
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
        }
        assert.deepEqual(warnings, [
            "port 22 (SSH) is open to the whole internet (0.0.0.0/0) by the public default; limit it with `ports[].sources`, e.g. your office's address block",
        ]);
    });

    it("several replicas: a launch template and an Auto Scaling group", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsService(
                    "asg",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.small",
                        replicas: 2,
                        maxReplicas: 4,
                        vpcId: "vpc-1",
                        subnetIds: ["subnet-a", "subnet-b"],
                    },
                    opts,
                ).securityGroupId,
        );
        assert.deepEqual(shape(children).slice(-2), [
            "aws:ec2/launchTemplate:LaunchTemplate asg-lt",
            "aws:autoscaling/group:Group asg",
        ]);
        const group = await resolved(children[children.length - 1].inputs);
        assert.deepEqual(
            [group.minSize, group.desiredCapacity, group.maxSize, group.healthCheckType],
            [2, 2, 4, "EC2"],
        );
        assert.deepEqual(group.vpcZoneIdentifiers, ["subnet-a", "subnet-b"]);
    });

    it("refuses a Unikraft image on a Nitro type, naming the missing drivers and the alternatives, before creating anything", () =>
        rejects(
            () =>
                new uk.AwsService(
                    "nitro",
                    {
                        imageId: "ami-1",
                        kernelFamily: uk.KernelFamily.Unikraft,
                        instanceType: "m5.large",
                        ports: [{ port: 80 }],
                    },
                    opts,
                ),
            ["instanceType"],
            /"m5\.large" is one of EC2 Nitro instance types: a unikraft qemu\/x86_64 kernel has no ENA network driver .*\(missing: ena\)\. Alternatives: the ops engine \(Nanos\).*GCE machine series with VirtIO/,
        ));

    it("requires structural inputs to be plain values, not Outputs", () =>
        rejects(
            () =>
                new uk.AwsService(
                    "out",
                    {
                        imageId: "ami-1",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: pulumi.output("t3.micro") as unknown as string,
                    },
                    opts,
                ),
            ["instanceType"],
            /must be a plain value, not an Output/,
        ));

    it("rejects an arm64 image on an x86 type, a bad port, a bad source and half a network", () =>
        rejects(
            () =>
                new uk.AwsService(
                    "mix",
                    {
                        imageId: "ami-1",
                        kernelFamily: uk.KernelFamily.Nanos,
                        architecture: uk.Architecture.Arm64,
                        instanceType: "t3.micro",
                        ports: [{ port: 70000 }, { port: 80, sources: ["everyone"] }],
                        vpcId: "vpc-1",
                    },
                    opts,
                ),
            ["instanceType", "ports[0].port", "ports[1].sources[0]", "subnetIds"],
        ));
});

describe("AwsService monitoring", () => {
    it("single instance: status-check alarms with the EC2 recover and reboot actions, and notify topics", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsService(
                    "mon",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.micro",
                        ports: [{ port: 80 }],
                        monitoring: {
                            recoverOnSystemFailure: true,
                            rebootOnInstanceFailure: true,
                            notifyTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops"],
                        },
                    },
                    opts,
                ),
        );
        const alarms = await Promise.all(
            children.filter((c) => c.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((c) => resolved(c.inputs)),
        );
        assert.deepEqual(
            alarms.map((a) => [a.metricName, a.alarmActions]),
            [
                [
                    "StatusCheckFailed_System",
                    ["arn:aws:automate:us-east-1:ec2:recover", "arn:aws:sns:us-east-1:123456789012:ops"],
                ],
                [
                    "StatusCheckFailed_Instance",
                    ["arn:aws:automate:us-east-1:ec2:reboot", "arn:aws:sns:us-east-1:123456789012:ops"],
                ],
            ],
        );
        for (const alarm of alarms) {
            assert.deepEqual(
                [alarm.namespace, alarm.statistic, alarm.comparisonOperator, alarm.threshold, alarm.evaluationPeriods],
                ["AWS/EC2", "Maximum", "GreaterThanThreshold", 0, 2],
            );
            assert.match(alarm.dimensions.InstanceId, /^i-|mon/);
        }
    });

    it("no monitoring asked: no alarms, EC2 health checks for groups", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsService(
                    "quiet",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.micro",
                        replicas: 2,
                    },
                    opts,
                ),
        );
        assert.ok(!children.some((c) => c.type.includes("cloudwatch")));
        assert.equal(
            (await resolved(children.find((c) => c.type === "aws:autoscaling/group:Group")!.inputs)).healthCheckType,
            "EC2",
        );
    });

    it("Auto Scaling group: a network load balancer whose TCP check on the port decides health (ELB), reachable from the VPC", async () => {
        const { component, children } = await construct(
            () =>
                new uk.AwsService(
                    "fleet",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.micro",
                        replicas: 2,
                        maxReplicas: 4,
                        ports: [{ port: 8080 }],
                        monitoring: { loadBalancerPort: 8080, healthCheckGraceSeconds: 90 },
                    },
                    opts,
                ),
        );
        const byType = (t: string) => children.filter((c) => c.type === t);
        const nlb = await resolved(byType("aws:lb/loadBalancer:LoadBalancer")[0].inputs);
        assert.deepEqual([nlb.loadBalancerType, nlb.internal], ["network", false]);
        const tg = await resolved(byType("aws:lb/targetGroup:TargetGroup")[0].inputs);
        assert.deepEqual(
            [tg.port, tg.protocol, tg.healthCheck.protocol, tg.healthCheck.port],
            [8080, "TCP", "TCP", "8080"],
        );
        const group = await resolved(byType("aws:autoscaling/group:Group")[0].inputs);
        assert.deepEqual(
            [group.healthCheckType, group.healthCheckGracePeriod, group.targetGroupArns.length],
            ["ELB", 90, 1],
        );
        const healthRule = await resolved(children.find((c) => c.name === "fleet-healthcheck")!.inputs);
        assert.deepEqual([healthRule.fromPort, healthRule.cidrIpv4], [8080, "10.0.0.0/16"]);
        assert.equal((await unwrap(component.urls)).length, 1);
    });

    it("private group: an internal balancer, and no extra rule (the VPC is already the default source)", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsService(
                    "inner",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.micro",
                        replicas: 2,
                        environment: uk.Environment.Private,
                        ports: [{ port: 5432 }],
                        monitoring: { loadBalancerPort: 5432 },
                    },
                    opts,
                ),
        );
        assert.equal(
            (await resolved(children.find((c) => c.type === "aws:lb/loadBalancer:LoadBalancer")!.inputs)).internal,
            true,
        );
        assert.ok(!children.some((c) => c.name === "inner-healthcheck"));
    });

    it("refuses alarms on a group, a balancer on one instance, and a port that is not declared", () =>
        rejects(
            () =>
                new uk.AwsService(
                    "bad",
                    {
                        imageId: "ami-123",
                        kernelFamily: uk.KernelFamily.Nanos,
                        instanceType: "t3.micro",
                        replicas: 3,
                        ports: [{ port: 80 }],
                        monitoring: {
                            recoverOnSystemFailure: true,
                            loadBalancerPort: 443,
                            healthCheckGraceSeconds: -1,
                        },
                    },
                    opts,
                ),
            ["monitoring.recoverOnSystemFailure", "monitoring.loadBalancerPort", "monitoring.healthCheckGraceSeconds"],
            /declared TCP ports \(80\)/,
        ));
});
