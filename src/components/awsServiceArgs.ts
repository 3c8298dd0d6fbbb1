import * as pulumi from "@pulumi/pulumi";
import { Architecture, Environment, KernelFamily, Platform } from "./enums";
import { AwsMonitoringArgs, PortArgs, ProvenanceArgs } from "./types";

/** Inputs of {@link AwsService}. */
export interface AwsServiceArgs {
    /** The AMI (from `AwsImage.imageId`). */
    imageId: pulumi.Input<string>;
    /** Kernel family of the image: checked against the instance type's drivers before anything is created. */
    kernelFamily: KernelFamily;
    /** Unikraft platform of the image. @default qemu */
    platform?: Platform;
    /** Architecture of the image. @default x86_64 */
    architecture?: Architecture;
    /** EC2 instance type. Its hypervisor (Nitro or Xen) decides which drivers the kernel needs. */
    instanceType: string;
    /**
     * public: a public address, declared ports open to declared sources. private: no public address,
     * traffic only from the VPC (or declared sources).
     * @default public
     */
    environment?: Environment;
    /**
     * Ports the service listens on. Only these are opened, and only to their `sources`.
     * @default - [] (nothing is reachable)
     */
    ports?: PortArgs[];
    /**
     * Number of instances. Above 1 (or with `maxReplicas` above it) the service is an Auto Scaling
     * group with a launch template instead of one instance.
     * @default 1
     */
    replicas?: number;
    /** Upper bound for the Auto Scaling group. @default - `replicas` */
    maxReplicas?: number;
    /** An existing VPC. With it, give `subnetIds`. @default - a new VPC with a public and a private subnet per zone */
    vpcId?: pulumi.Input<string>;
    /** Subnets to place instances in (public subnets for `public`, private ones for `private`). */
    subnetIds?: pulumi.Input<pulumi.Input<string>[]>;
    /** Content digest of the image (UnikernelImage.digest), as a tag on every instance. */
    imageDigest?: pulumi.Input<string>;
    /**
     * Where the image came from (as for AwsImage/GcpImage `provenance`), as AWS tags `unikernel:digest`, `unikernel:source-revision`, ... on every
     * instance, within the cloud's rules (a value that does not fit is left out, never cut).
     * @default - none
     */
    provenance?: pulumi.Input<ProvenanceArgs>;
    /** Tags for everything created. */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Where the service may open connections to (IPv4 CIDR blocks, all protocols). A private
     * service reaches only its own VPC unless wider blocks are given here.
     * @default - public: ["0.0.0.0/0"]; private: the VPC's CIDR block only
     */
    egressCidrs?: string[];
    /** Opt-in health monitoring: CloudWatch alarms with recover/reboot actions, or a load-balancer health check for groups. */
    monitoring?: AwsMonitoringArgs;
}
