import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Problem, gceArchitecture, gceVenue } from "../model";
import { shellCommand } from "../internal/shellQuote";
import { requirePlain, throwProblems } from "./inputErrors";
import { gceNetworkTag } from "./stackScope";
import { checkEnvironmentAndReplicas, checkPlacement } from "./placement";
import { ResolvedPort, checkCidr, checkDeclaredTcpPort, validatePorts, warnAboutOpenAdminPorts } from "./ports";
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
        requirePlain(args, ["kernelFamily", "platform", "architecture", "machineType", "zone", "environment", "ports", "replicas", "egressCidrs"],
            "it decides which resources are created and is checked before any is");
        const checked = validateGcpServiceArgs(args as pulumi.Unwrap<GcpServiceArgs>, args.subnetwork !== undefined, args.network !== undefined);
        throwProblems("GcpService", checked.problems);
        const p = checked.value!;
        warnAboutOpenAdminPorts(p.ports, p.public, this);
        // Firewall rules select instances by network tag: a tag of this component's own (its URN's
        // hash), so another stack's "web", or any VM someone tagged "web", is never opened by them.
        const tag = gceNetworkTag(name, this.urn);
        const labels = pulumi.output(args.labels ?? {}).apply((l): Record<string, string> => ({ ...l, "unikernel-service": name }));
        const region = p.zone.replace(/-[a-z]$/, "");
        let network: pulumi.Output<string>;
        let subnetwork: pulumi.Output<string>;
        let range: pulumi.Output<string>;
        if (args.subnetwork) {
            network = pulumi.output(args.network!);
            subnetwork = pulumi.output(args.subnetwork);
            range = gcp.compute.getSubnetworkOutput({ selfLink: args.subnetwork }, { parent: this }).ipCidrRange;
        } else {
            const net = new gcp.compute.Network(`${name}-net`, { autoCreateSubnetworks: false }, { parent: this });
            const sub = new gcp.compute.Subnetwork(`${name}-subnet`, { network: net.id, region, ipCidrRange: "10.10.0.0/24", privateIpGoogleAccess: true }, { parent: this });
            network = net.selfLink;
            subnetwork = sub.selfLink;
            range = pulumi.output("10.10.0.0/24");
        }
        for (const port of p.ports) {
            new gcp.compute.Firewall(`${name}-${port.protocol}-${port.port}`, {
                network,
                direction: "INGRESS",
                allows: [{ protocol: port.protocol, ports: [String(port.port)] }],
                sourceRanges: port.sources ? port.sources : p.public ? ["0.0.0.0/0"] : [range],
                targetTags: [tag],
            }, { parent: this });
        }
        if (!p.public || args.egressCidrs) {
            // Outbound for a private service: its subnetwork only (or the declared blocks), above a deny-all.
            new gcp.compute.Firewall(`${name}-egress-deny`, {
                network, direction: "EGRESS", priority: 65000, denies: [{ protocol: "all" }], destinationRanges: ["0.0.0.0/0"], targetTags: [tag],
            }, { parent: this });
            new gcp.compute.Firewall(`${name}-egress`, {
                network, direction: "EGRESS", priority: 1000, allows: [{ protocol: "all" }],
                destinationRanges: args.egressCidrs ? args.egressCidrs : [range], targetTags: [tag],
            }, { parent: this });
        }
        const networkInterfaces = [{ subnetwork, accessConfigs: p.public ? [{}] : [] }];
        const metadata = { "serial-port-logging-enable": "TRUE" };
        if (p.replicas === 1) {
            const instance = new gcp.compute.Instance(name, {
                machineType: p.machineType, zone: p.zone, tags: [tag], labels, metadata,
                bootDisk: { initializeParams: { image: args.image } },
                networkInterfaces,
            }, { parent: this });
            this.instanceNames = instance.name.apply((n) => [n]);
            this.instanceGroupManager = pulumi.output(undefined);
            this.privateIps = instance.networkInterfaces.apply((n) => n.map((i) => i.networkIp));
            this.publicIps = instance.networkInterfaces.apply((n) => n.flatMap((i) => (i.accessConfigs ?? []).map((a) => a.natIp).filter((ip): ip is string => Boolean(ip))));
            this.urls = this.publicIps.apply((ips) => ips.flatMap((ip) => p.ports.filter((x) => x.protocol === "tcp").map((x) => `http://${ip}:${x.port}`)));
            this.consoleCommand = instance.name.apply((n) => shellCommand(["gcloud", "compute", "instances", "get-serial-port-output", n, "--zone", p.zone]));
        } else {
            const template = new gcp.compute.InstanceTemplate(`${name}-template`, {
                machineType: p.machineType, tags: [tag], labels, metadata,
                disks: [{ sourceImage: args.image, boot: true, autoDelete: true }],
                networkInterfaces,
            }, { parent: this });
            const healthCheck = p.monitoring.autohealingPort !== undefined ? createAutohealingCheck(name, tag, p.monitoring.autohealingPort, network, this) : undefined;
            const group = new gcp.compute.InstanceGroupManager(name, {
                zone: p.zone, baseInstanceName: name, targetSize: p.replicas,
                versions: [{ instanceTemplate: template.selfLinkUnique, name: "primary" }],
                autoHealingPolicies: healthCheck ? { healthCheck: healthCheck.id, initialDelaySec: p.monitoring.initialDelaySeconds ?? 60 } : undefined,
            }, { parent: this });
            this.instanceNames = pulumi.output([]);
            this.instanceGroupManager = group.name;
            this.privateIps = pulumi.output([]);
            this.publicIps = pulumi.output([]);
            this.urls = pulumi.output([]);
            this.consoleCommand = group.name.apply((g) => {
                // The names are quoted for the shell the user pastes this into; the inner command runs first.
                const first = shellCommand(["gcloud", "compute", "instance-groups", "managed", "list-instances", g, "--zone", p.zone, "--format", "value(name)", "--limit", "1"]);
                return `gcloud compute instances get-serial-port-output "$(${first})" ${shellCommand(["--zone", p.zone])}`;
            });
        }
        this.registerOutputs({
            instanceNames: this.instanceNames, instanceGroupManager: this.instanceGroupManager, privateIps: this.privateIps,
            publicIps: this.publicIps, urls: this.urls, consoleCommand: this.consoleCommand,
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
export function validateGcpServiceArgs(args: pulumi.Unwrap<GcpServiceArgs>, hasSubnetwork: boolean, hasNetwork: boolean): { value?: ResolvedGcpService; problems: Problem[] } {
    const problems: Problem[] = [];
    checkPlacement({
        kernelFamily: args.kernelFamily, platform: args.platform, architecture: args.architecture, machineKey: "machineType", machineType: args.machineType,
        venue: gceVenue(args.machineType ?? ""), machineArchitecture: gceArchitecture(args.machineType ?? ""), example: "e2-small",
    }, problems);
    if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(args.zone ?? "")) problems.push({ path: "zone", message: `got "${args.zone}"; expected a zone such as "us-central1-a"` });
    const { public: isPublic, replicas } = checkEnvironmentAndReplicas(args.environment, args.replicas, problems);
    const ports = validatePorts(args.ports ?? [], "ports", problems);
    if (hasSubnetwork !== hasNetwork) {
        problems.push({ path: hasSubnetwork ? "network" : "subnetwork", message: "`network` and `subnetwork` go together: give both to use an existing network, or neither to get a new one" });
    }
    const monitoring = args.monitoring ?? {};
    if (monitoring.autohealingPort !== undefined) {
        if (replicas === 1) problems.push({ path: "monitoring.autohealingPort", message: "applies to managed instance groups (replicas above 1)" });
        checkDeclaredTcpPort(monitoring.autohealingPort, ports, "monitoring.autohealingPort", problems);
    }
    if (monitoring.initialDelaySeconds !== undefined && (!Number.isInteger(monitoring.initialDelaySeconds) || monitoring.initialDelaySeconds < 0)) {
        problems.push({ path: "monitoring.initialDelaySeconds", message: `got ${monitoring.initialDelaySeconds}; expected whole seconds, 0 or more` });
    }
    (args.egressCidrs ?? []).forEach((cidr, k) => checkCidr(cidr, `egressCidrs[${k}]`, problems));
    if (problems.length) return { problems };
    return { problems, value: { machineType: args.machineType, zone: args.zone, public: isPublic, ports, replicas, monitoring } };
}

/** Google's health-check source ranges (documented for TCP health checks). */
export const GOOGLE_HEALTH_CHECK_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];

/** A TCP health check on the port, and the firewall rule that lets Google's checkers reach it (only it). */
function createAutohealingCheck(name: string, tag: pulumi.Input<string>, port: number, network: pulumi.Input<string>, parent: pulumi.Resource) {
    new gcp.compute.Firewall(`${name}-healthcheck`, {
        network, direction: "INGRESS", allows: [{ protocol: "tcp", ports: [String(port)] }],
        sourceRanges: GOOGLE_HEALTH_CHECK_RANGES, targetTags: [tag],
    }, { parent });
    return new gcp.compute.HealthCheck(`${name}-health`, {
        checkIntervalSec: 10, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 3,
        tcpHealthCheck: { port },
    }, { parent });
}
