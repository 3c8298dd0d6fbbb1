/** The VPC network a GCE service runs in, and the firewall rules that select its instances by tag. */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedPort } from "../../model";

/** The network a service is placed in. */
export interface GcpNetwork {
    network: pulumi.Output<string>;
    subnetwork: pulumi.Output<string>;
    /** The subnetwork's address block: the default source and destination of a private service. */
    range: pulumi.Output<string>;
}

/** A custom-mode network with one subnetwork in the zone's region. */
export function createNetwork(name: string, zone: string, parent: pulumi.Resource): GcpNetwork {
    const region = zone.replace(/-[a-z]$/, "");
    const net = new gcp.compute.Network(`${name}-net`, { autoCreateSubnetworks: false }, { parent });
    const sub = new gcp.compute.Subnetwork(
        `${name}-subnet`,
        { network: net.id, region, ipCidrRange: "10.10.0.0/24", privateIpGoogleAccess: true },
        { parent },
    );
    return { network: net.selfLink, subnetwork: sub.selfLink, range: pulumi.output("10.10.0.0/24") };
}

/** The user's own network and subnetwork (its address block is looked up). */
export function existingNetwork(
    network: pulumi.Input<string>,
    subnetwork: pulumi.Input<string>,
    parent: pulumi.Resource,
): GcpNetwork {
    return {
        network: pulumi.output(network),
        subnetwork: pulumi.output(subnetwork),
        range: gcp.compute.getSubnetworkOutput({ selfLink: subnetwork }, { parent }).ipCidrRange,
    };
}

/** What the firewall rules open, for the instances carrying `tag`. */
export interface FirewallRules {
    public: boolean;
    ports: readonly ResolvedPort[];
    /** Declared egress blocks; undefined for the default (public: anywhere; private: the subnetwork). */
    egressCidrs?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * Ingress on the declared ports from the declared sources (public default: anywhere; private: the
 * subnetwork); for a private service (or declared egress), outbound to its subnetwork (or the
 * declared blocks) above a deny-all.
 */
export function createFirewallRules(
    name: string,
    tag: pulumi.Input<string>,
    rules: FirewallRules,
    net: GcpNetwork,
    parent: pulumi.Resource,
): void {
    for (const port of rules.ports) {
        new gcp.compute.Firewall(
            `${name}-${port.protocol}-${port.port}`,
            {
                network: net.network,
                direction: "INGRESS",
                allows: [{ protocol: port.protocol, ports: [String(port.port)] }],
                sourceRanges: port.sources ? [...port.sources] : rules.public ? ["0.0.0.0/0"] : [net.range],
                targetTags: [tag],
            },
            { parent },
        );
    }
    if (!rules.public || rules.egressCidrs) {
        new gcp.compute.Firewall(
            `${name}-egress-deny`,
            {
                network: net.network,
                direction: "EGRESS",
                priority: 65000,
                denies: [{ protocol: "all" }],
                destinationRanges: ["0.0.0.0/0"],
                targetTags: [tag],
            },
            { parent },
        );
        new gcp.compute.Firewall(
            `${name}-egress`,
            {
                network: net.network,
                direction: "EGRESS",
                priority: 1000,
                allows: [{ protocol: "all" }],
                destinationRanges: rules.egressCidrs ? rules.egressCidrs : [net.range],
                targetTags: [tag],
            },
            { parent },
        );
    }
}

/** Google's health-check source ranges (documented for TCP health checks). */
export const GOOGLE_HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

/** A TCP health check on the port, and the firewall rule that lets Google's checkers reach it (only it). */
export function createAutohealingCheck(
    name: string,
    tag: pulumi.Input<string>,
    port: number,
    network: pulumi.Input<string>,
    parent: pulumi.Resource,
): gcp.compute.HealthCheck {
    new gcp.compute.Firewall(
        `${name}-healthcheck`,
        {
            network,
            direction: "INGRESS",
            allows: [{ protocol: "tcp", ports: [String(port)] }],
            sourceRanges: GOOGLE_HEALTH_CHECK_RANGES,
            targetTags: [tag],
        },
        { parent },
    );
    return new gcp.compute.HealthCheck(
        `${name}-health`,
        {
            checkIntervalSec: 10,
            timeoutSec: 5,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
            tcpHealthCheck: { port },
        },
        { parent },
    );
}
