/**
 * The closed sets of a running service: where it is reachable from, its ports' protocols, the
 * hypervisor and run mode on a private host, and how a disk reaches EC2.
 */

/** `public`: reachable from the internet on declared ports only; `private`: no public address. */
export type Environment = "public" | "private";

/** Every environment. */
export const ENVIRONMENTS: readonly Environment[] = ["public", "private"];

/** A port's transport protocol. */
export type Protocol = "tcp" | "udp";

/** Every protocol. */
export const PROTOCOLS: readonly Protocol[] = ["tcp", "udp"];

/** The hypervisor on a private host. */
export type Hypervisor = "qemu" | "firecracker";

/** Every hypervisor. */
export const HYPERVISORS: readonly Hypervisor[] = ["qemu", "firecracker"];

/** How a private host keeps its VM running: systemd when the host has it, else a supervisor. */
export type HostRunMode = "auto" | "systemd" | "background";

/** Every run mode. */
export const HOST_RUN_MODES: readonly HostRunMode[] = ["auto", "systemd", "background"];

/** How a disk becomes an EBS snapshot: the EBS direct APIs, or an S3 import (ImportSnapshot). */
export type UploadMethod = "ebs-direct" | "s3-import";

/** Every upload method. */
export const UPLOAD_METHODS: readonly UploadMethod[] = ["ebs-direct", "s3-import"];
