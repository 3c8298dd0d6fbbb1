/** The VPC an AWS service runs in: a new one, or the user's own. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** The network a service is placed in. */
export interface AwsNetwork {
    vpcId: pulumi.Output<string>;
    /** The VPC's address block: the default source and destination of a private service. */
    cidr: pulumi.Output<string>;
    /** Where instances go. */
    subnetIds: pulumi.Output<string[]>;
}

/** A VPC with one public and one private subnet in each of two zones; an internet gateway only for public services. */
export function createNetwork(
    name: string,
    isPublic: boolean,
    tags: pulumi.Output<Record<string, string>>,
    parent: pulumi.Resource,
): AwsNetwork {
    const cidr = "10.0.0.0/16";
    const vpc = new aws.ec2.Vpc(
        `${name}-vpc`,
        { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true, tags },
        { parent },
    );
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent }).names;
    const subnets = [0, 1].map((i) => ({
        public: new aws.ec2.Subnet(
            `${name}-public-${i}`,
            {
                vpcId: vpc.id,
                cidrBlock: `10.0.${i}.0/24`,
                availabilityZone: zones.apply((z) => z[i % z.length]),
                mapPublicIpOnLaunch: false,
                tags,
            },
            { parent },
        ),
        private: new aws.ec2.Subnet(
            `${name}-private-${i}`,
            {
                vpcId: vpc.id,
                cidrBlock: `10.0.${100 + i}.0/24`,
                availabilityZone: zones.apply((z) => z[i % z.length]),
                mapPublicIpOnLaunch: false,
                tags,
            },
            { parent },
        ),
    }));
    if (isPublic) {
        // The route to the internet exists only when the service is public; a private VPC has no way out or in.
        const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags }, { parent });
        const table = new aws.ec2.RouteTable(
            `${name}-public`,
            { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }], tags },
            { parent },
        );
        subnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(
                    `${name}-public-${i}`,
                    { subnetId: s.public.id, routeTableId: table.id },
                    { parent },
                ),
        );
    }
    const chosen = subnets.map((s) => (isPublic ? s.public : s.private).id);
    return { vpcId: vpc.id, cidr: pulumi.output(cidr), subnetIds: pulumi.all(chosen) };
}

/** The user's own VPC and subnets (its address block is looked up). */
export function existingNetwork(
    vpcId: pulumi.Input<string>,
    subnetIds: pulumi.Input<pulumi.Input<string>[]>,
    parent: pulumi.Resource,
): AwsNetwork {
    return {
        vpcId: pulumi.output(vpcId),
        cidr: aws.ec2.getVpcOutput({ id: vpcId }, { parent }).cidrBlock,
        subnetIds: pulumi.output(subnetIds),
    };
}
