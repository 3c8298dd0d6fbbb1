import * as pulumi from "@pulumi/pulumi";
import {
    Problem,
    ResolvedPort,
    checkCidr,
    checkDeclaredTcpPort,
    checkEnvironmentAndReplicas,
    checkPlacement,
    gceArchitecture,
    gceVenue,
    gcpProvenanceLabels,
    openAdminPortWarnings,
    validatePorts,
} from "../model";
import { createInstance, createInstanceGroup } from "../clouds/gcp/instances";
import { createFirewallRules, createNetwork, existingNetwork } from "../clouds/gcp/network";
import { requirePlain, throwProblems } from "./inputErrors";
import { gceNetworkTag } from "./stackScope";
import { GcpMonitoringArgs } from "./types";
import { GcpServiceArgs } from "./gcpServiceArgs";

export { GcpServiceArgs };

/**
 * Runs a GCE image as a service: one instance, or a managed instance group when there are several;
 * firewall rules for the declared ports only; serial port logging on, so the console can be read.
 * A kernel without the devices of the machine series (Unikraft has no gVNIC or NVMe driver, which
 * C3, C4, N4 and T2A require) is refused before anything is created.
 *
 * @example
 * ```ts
 * const svc = new GcpService("web", { image: img.imageSelfLink, kernelFamily: KernelFamily.Unikraft, machineType: "e2-small", zone: "us-central1-a", ports: [{ port: 8080 }] });
 * ```
 */
export class GcpService extends pulumi.ComponentResource {
    /** Instance names (single instance). */
    public readonly instanceNames: pulumi.Output<string[]>;
    /** Managed instance group, when the service is a group. */
    public readonly instanceGroupManager: pulumi.Output<string | undefined>;
    /** Internal addresses (single instance). */
    public readonly privateIps: pulumi.Output<string[]>;
    /** External addresses (single public instance). */
    public readonly publicIps: pulumi.Output<string[]>;
    /** `http://<external ip>:<port>` for each TCP port of a single public instance. */
    public readonly urls: pulumi.Output<string[]>;
    /** How to read the serial console. */
    public readonly consoleCommand: pulumi.Output<string>;

    /**
     * @param name The component name; the instance or group is `${name}`, the rest `${name}-<role>`.
     * @param args Image, machine type, zone, environment and ports.
     * @param opts Resource options.
     */
    constructor(name: string, args: GcpServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:GcpService", name, {}, opts);
        requirePlain(
            args,
            [
                "kernelFamily",
                "platform",
                "architecture",
                "machineType",
                "zone",
                "environment",
                "ports",
                "replicas",
                "egressCidrs",
            ],
            "it decides which resources are created and is checked before any is",
        );
        const checked = validateGcpServiceArgs(
            args as pulumi.Unwrap<GcpServiceArgs>,
            args.subnetwork !== undefined,
            args.network !== undefined,
        );
        throwProblems("GcpService", checked.problems);
        const p = checked.value!;
        for (const warning of openAdminPortWarnings(p.ports, p.public)) void pulumi.log.warn(warning, this);
        // Firewall rules select instances by network tag: a tag of this component's own (its URN's
        // hash), so another stack's "web", or any VM someone tagged "web", is never opened by them.
        const tag = gceNetworkTag(name, this.urn);
        const labels = pulumi
            .output(args.labels ?? {})
            .apply((l): Record<string, string> => ({ ...l, "unikernel-service": name }));
        const net = args.subnetwork
            ? existingNetwork(args.network!, args.subnetwork, this)
            : createNetwork(name, p.zone, this);
        createFirewallRules(name, tag, { public: p.public, ports: p.ports, egressCidrs: args.egressCidrs }, net, this);
        // Where the image came from, on the instances only (the network is not the image's).
        const machineLabels = pulumi
            .all([labels, pulumi.output(args.provenance ?? {}), pulumi.output(args.imageDigest)])
            .apply(([l, prov, digest]): Record<string, string> => ({
                ...gcpProvenanceLabels(prov),
                // As on GcpImage: the first 16 characters, when they are in the label alphabet.
                ...(digest && /^[a-z0-9_-]{16}/.test(digest) ? { "unikernel-digest": digest.slice(0, 16) } : {}),
                ...l,
            }));
        const machine = {
            image: args.image,
            machineType: p.machineType,
            zone: p.zone,
            public: p.public,
            ports: p.ports,
            tag,
            labels: machineLabels,
        };
        const machines =
            p.replicas === 1
                ? createInstance(name, machine, net, this)
                : createInstanceGroup(name, machine, net, { replicas: p.replicas, ...p.monitoring }, this);

        this.instanceNames = machines.instanceNames;
        this.instanceGroupManager = machines.instanceGroupManager;
        this.privateIps = machines.privateIps;
        this.publicIps = machines.publicIps;
        this.urls = machines.urls;
        this.consoleCommand = machines.consoleCommand;
        this.registerOutputs({
            instanceNames: this.instanceNames,
            instanceGroupManager: this.instanceGroupManager,
            privateIps: this.privateIps,
            publicIps: this.publicIps,
            urls: this.urls,
            consoleCommand: this.consoleCommand,
        });
    }
}

interface ResolvedGcpService {
    machineType: string;
    monitoring: GcpMonitoringArgs;
    zone: string;
    public: boolean;
    ports: ResolvedPort[];
    replicas: number;
}

/** Checks GcpService inputs, including the kernel against the machine series. @internal */
export function validateGcpServiceArgs(
    args: pulumi.Unwrap<GcpServiceArgs>,
    hasSubnetwork: boolean,
    hasNetwork: boolean,
): { value?: ResolvedGcpService; problems: Problem[] } {
    const problems: Problem[] = [];
    checkPlacement(
        {
            kernelFamily: args.kernelFamily,
            platform: args.platform,
            architecture: args.architecture,
            machineKey: "machineType",
            machineType: args.machineType,
            venue: gceVenue(args.machineType ?? ""),
            machineArchitecture: gceArchitecture(args.machineType ?? ""),
            example: "e2-small",
        },
        problems,
    );
    if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(args.zone ?? ""))
        problems.push({ path: "zone", message: `got "${args.zone}"; expected a zone such as "us-central1-a"` });
    const { public: isPublic, replicas } = checkEnvironmentAndReplicas(args.environment, args.replicas, problems);
    const ports = validatePorts(args.ports ?? [], "ports", problems);
    if (hasSubnetwork !== hasNetwork) {
        problems.push({
            path: hasSubnetwork ? "network" : "subnetwork",
            message:
                "`network` and `subnetwork` go together: give both to use an existing network, or neither to get a new one",
        });
    }
    const monitoring = args.monitoring ?? {};
    if (monitoring.autohealingPort !== undefined) {
        if (replicas === 1)
            problems.push({
                path: "monitoring.autohealingPort",
                message: "applies to managed instance groups (replicas above 1)",
            });
        checkDeclaredTcpPort(monitoring.autohealingPort, ports, "monitoring.autohealingPort", problems);
    }
    if (
        monitoring.initialDelaySeconds !== undefined &&
        (!Number.isInteger(monitoring.initialDelaySeconds) || monitoring.initialDelaySeconds < 0)
    ) {
        problems.push({
            path: "monitoring.initialDelaySeconds",
            message: `got ${monitoring.initialDelaySeconds}; expected whole seconds, 0 or more`,
        });
    }
    (args.egressCidrs ?? []).forEach((cidr, k) => checkCidr(cidr, `egressCidrs[${k}]`, problems));
    if (problems.length) return { problems };
    return {
        problems,
        value: { machineType: args.machineType, zone: args.zone, public: isPublic, ports, replicas, monitoring },
    };
}
