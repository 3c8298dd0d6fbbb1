import * as pulumi from "@pulumi/pulumi";
import { Architecture, Environment, KernelFamily, Platform } from "./enums";
import { GcpMonitoringArgs, PortArgs, ProvenanceArgs } from "./types";

/** Inputs of {@link GcpService}. */
export interface GcpServiceArgs {
    /** The image (from `GcpImage.imageSelfLink`). */
    image: pulumi.Input<string>;
    /** Kernel family of the image: checked against the machine series' devices before anything is created. */
    kernelFamily: KernelFamily;
    /** Unikraft platform of the image. @default qemu */
    platform?: Platform;
    /**
     * CPU architecture of the image.
     * @default x86_64
     */
    architecture?: Architecture;
    /** Machine type, e.g. `e2-small`. Its series decides the NIC (virtio or gVNIC) and disk interface. */
    machineType: string;
    /** Zone to run in, e.g. `us-central1-a`. */
    zone: string;
    /**
     * public: an external address, declared ports open to declared sources. private: no external
     * address, traffic only from the subnetwork (or declared sources).
     * @default public
     */
    environment?: Environment;
    /** Ports the service listens on; firewall rules open only these, only to their sources. @default [] */
    ports?: PortArgs[];
    /** Number of instances; above 1 a managed instance group with an instance template. @default 1 */
    replicas?: number;
    /** An existing subnetwork (self link). @default - a new network and subnetwork */
    subnetwork?: pulumi.Input<string>;
    /** The network of `subnetwork` (for the firewall rules). Required with `subnetwork`. */
    network?: pulumi.Input<string>;
    /** Content digest of the image (UnikernelImage.digest), as a label on every instance. */
    imageDigest?: pulumi.Input<string>;
    /**
     * Where the image came from (as for AwsImage/GcpImage `provenance`), as GCE labels `unikernel-digest` (first 16 characters), `unikernel-source-revision`, ... on every
     * instance, within the cloud's rules (a value that does not fit is left out, never cut).
     * @default - none
     */
    provenance?: pulumi.Input<ProvenanceArgs>;
    /** Labels for everything created. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Where the service may open connections to (IPv4 CIDR blocks). A private service reaches only
     * its subnetwork (an egress deny-all rule below an allow rule for these blocks) unless wider
     * blocks are given here; Google's metadata server stays reachable either way.
     * @default - public: anywhere (GCE's implied egress rule); private: the subnetwork's range only
     */
    egressCidrs?: string[];
    /** Opt-in health monitoring: autohealing of managed instance groups by a health check on a port. */
    monitoring?: GcpMonitoringArgs;
}
