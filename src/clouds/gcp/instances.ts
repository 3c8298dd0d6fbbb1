/** The machines of a GCE service: one instance, or a managed instance group with optional autohealing. */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ResolvedPort } from "../../model";
import { shellCommand } from "../../internal/shellQuote";
import { GcpNetwork, createAutohealingCheck } from "./network";

/** What every machine of the service gets. */
export interface MachineSettings {
    image: pulumi.Input<string>;
    machineType: string;
    zone: string;
    public: boolean;
    ports: readonly ResolvedPort[];
    /** The network tag the firewall rules select. */
    tag: pulumi.Input<string>;
    labels: pulumi.Output<Record<string, string>>;
}

/** What the service's machines expose. */
export interface GcpMachines {
    instanceNames: pulumi.Output<string[]>;
    instanceGroupManager: pulumi.Output<string | undefined>;
    privateIps: pulumi.Output<string[]>;
    publicIps: pulumi.Output<string[]>;
    urls: pulumi.Output<string[]>;
    consoleCommand: pulumi.Output<string>;
}

/** Serial port logging on: the console can be read (and is, by `consoleCommand`). */
const METADATA = { "serial-port-logging-enable": "TRUE" };

function interfaces(s: MachineSettings, net: GcpNetwork) {
    return [{ subnetwork: net.subnetwork, accessConfigs: s.public ? [{}] : [] }];
}

/** One instance. */
export function createInstance(
    name: string,
    s: MachineSettings,
    net: GcpNetwork,
    parent: pulumi.Resource,
): GcpMachines {
    const instance = new gcp.compute.Instance(
        name,
        {
            machineType: s.machineType,
            zone: s.zone,
            tags: [s.tag],
            labels: s.labels,
            metadata: METADATA,
            bootDisk: { initializeParams: { image: s.image } },
            networkInterfaces: interfaces(s, net),
        },
        { parent },
    );
    const publicIps = instance.networkInterfaces.apply((n) =>
        n.flatMap((i) => (i.accessConfigs ?? []).map((a) => a.natIp).filter((ip): ip is string => Boolean(ip))),
    );
    return {
        instanceNames: instance.name.apply((n) => [n]),
        instanceGroupManager: pulumi.output(undefined),
        privateIps: instance.networkInterfaces.apply((n) => n.map((i) => i.networkIp)),
        publicIps,
        urls: publicIps.apply((ips) =>
            ips.flatMap((ip) => s.ports.filter((x) => x.protocol === "tcp").map((x) => `http://${ip}:${x.port}`)),
        ),
        consoleCommand: instance.name.apply((n) =>
            shellCommand(["gcloud", "compute", "instances", "get-serial-port-output", n, "--zone", s.zone]),
        ),
    };
}

/** How a group is sized and healed. */
export interface GroupSettings {
    replicas: number;
    /** A TCP health check on this port replaces instances that stop answering. */
    autohealingPort?: number;
    initialDelaySeconds?: number;
}

/** A managed instance group behind an instance template, autohealed on a TCP check when asked. */
export function createInstanceGroup(
    name: string,
    s: MachineSettings,
    net: GcpNetwork,
    group: GroupSettings,
    parent: pulumi.Resource,
): GcpMachines {
    const template = new gcp.compute.InstanceTemplate(
        `${name}-template`,
        {
            machineType: s.machineType,
            tags: [s.tag],
            labels: s.labels,
            metadata: METADATA,
            disks: [{ sourceImage: s.image, boot: true, autoDelete: true }],
            networkInterfaces: interfaces(s, net),
        },
        { parent },
    );
    const healthCheck =
        group.autohealingPort !== undefined
            ? createAutohealingCheck(name, s.tag, group.autohealingPort, net.network, parent)
            : undefined;
    const manager = new gcp.compute.InstanceGroupManager(
        name,
        {
            zone: s.zone,
            baseInstanceName: name,
            targetSize: group.replicas,
            versions: [{ instanceTemplate: template.selfLinkUnique, name: "primary" }],
            autoHealingPolicies: healthCheck
                ? { healthCheck: healthCheck.id, initialDelaySec: group.initialDelaySeconds ?? 60 }
                : undefined,
        },
        { parent },
    );
    return {
        instanceNames: pulumi.output([]),
        instanceGroupManager: manager.name,
        privateIps: pulumi.output([]),
        publicIps: pulumi.output([]),
        urls: pulumi.output([]),
        consoleCommand: manager.name.apply((g) => {
            // The names are quoted for the shell the user pastes this into; the inner command runs first.
            const first = shellCommand([
                "gcloud",
                "compute",
                "instance-groups",
                "managed",
                "list-instances",
                g,
                "--zone",
                s.zone,
                "--format",
                "value(name)",
                "--limit",
                "1",
            ]);
            return `gcloud compute instances get-serial-port-output "$(${first})" ${shellCommand(["--zone", s.zone])}`;
        }),
    };
}
