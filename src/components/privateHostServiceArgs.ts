import * as pulumi from "@pulumi/pulumi";
import { Architecture, BootMode, HostRunMode, Hypervisor } from "./enums";
import { HostMetricsArgs, HostWatchdogArgs, PortArgs } from "./types";

/** Inputs of {@link PrivateHostService}. */
export interface PrivateHostServiceArgs {
    /** Address of the host (name or IP). */
    host: pulumi.Input<string>;
    /** SSH port. @default 22 */
    sshPort?: pulumi.Input<number>;
    /** SSH user; needs root or sudo-less rights to write /etc/systemd and /var/lib. @default root */
    user?: pulumi.Input<string>;
    /** SSH private key (PEM/OpenSSH). Keep it secret: pass `config.requireSecret(...)`. */
    privateKey: pulumi.Input<string>;
    /**
     * The host's SSH public key (`ssh-keyscan -t ed25519 <host>`, the key part): the connection is
     * refused when the host presents another. Required: a private host is only private if it is the
     * host you meant.
     */
    hostKey: pulumi.Input<string>;
    /** The bootable disk to run under QEMU (from `UnikernelImage.diskPath`). Mutually exclusive with `kernelPath`. */
    diskPath?: pulumi.Input<string>;
    /** A kernel to boot directly (QEMU -kernel, or Firecracker). Mutually exclusive with `diskPath`. */
    kernelPath?: pulumi.Input<string>;
    /** Command line for `kernelPath`. */
    cmdline?: pulumi.Input<string>;
    /** Identity of the image (`UnikernelImage.digest`): names the copy on the host and triggers a redeploy. */
    digest: pulumi.Input<string>;
    /**
     * The hypervisor on the host: QEMU (disks or kernels) or Firecracker (kernels only).
     * @default qemu
     */
    hypervisor?: pulumi.Input<Hypervisor>;
    /**
     * CPU architecture of the image.
     * @default x86_64
     */
    architecture?: pulumi.Input<Architecture>;
    /** Firmware for a disk image. @default bios (uefi on arm64) */
    bootMode?: pulumi.Input<BootMode>;
    /** Guest memory in MiB. @default 64 */
    memoryMiB?: pulumi.Input<number>;
    /** Ports forwarded from the host to the guest (QEMU user networking). @default [] */
    ports?: pulumi.Input<pulumi.Input<PortArgs>[]>;
    /**
     * systemd unit, supervised background process, or whichever the host supports.
     * @default auto
     */
    runMode?: pulumi.Input<HostRunMode>;
    /** A console line (extended regex) that means ready; `up` waits for it and fails with the console tail. */
    readyPattern?: pulumi.Input<string>;
    /**
     * A declared TCP port the guest must answer on (a probe from the host) before `up` counts the
     * service as ready, after `readyPattern` when both are given. Needs bash on the host.
     */
    readyPort?: pulumi.Input<number>;
    /** Seconds to wait for `readyPattern` and `readyPort`. @default 120 */
    readyTimeoutSeconds?: pulumi.Input<number>;
    /**
     * Keeps checking a port after `up`: a watchdog (its own systemd unit, or a supervised process)
     * restarts the VM when the port stops answering. Needs bash on the host.
     */
    watchdog?: HostWatchdogArgs;
    /**
     * Agentless metrics on the host: a small writer (its own systemd unit, or a supervised process)
     * puts the VM's counters in Prometheus text into `<textfileDirectory>/unikernel_<serviceName>.prom`
     * every interval, for node_exporter's textfile collector: up, VM starts, watchdog restarts and
     * missed probes, QEMU's and each vCPU's CPU time, resident memory, host disk bytes, console size.
     */
    metrics?: HostMetricsArgs;
    /**
     * State directory on the host: an absolute path, no `.` or `..` segments, no line breaks, not
     * a system directory (`/`, `/etc`, `/tmp`, `/var/lib`, ... or below `/proc`, `/sys`, `/dev`).
     * The install stops unless it is a real directory (not a link) of the SSH user that no other
     * user can write to: the service's scripts run from it.
     * @default - `/var/lib/unikernel/<serviceName>`
     */
    stateDirectory?: pulumi.Input<string>;
}
