import * as pulumi from "@pulumi/pulumi";
import { Architecture, BootMode } from "./enums";
import { PortArgs } from "./types";

/** Inputs of {@link LocalService}. */
export interface LocalServiceArgs {
    /** The bootable disk to run (from `UnikernelImage.diskPath`). Mutually exclusive with `kernelPath`. */
    diskPath?: pulumi.Input<string>;
    /** A kernel to boot directly (QEMU -kernel). Mutually exclusive with `diskPath`. */
    kernelPath?: pulumi.Input<string>;
    /** Command line for `kernelPath`. */
    cmdline?: pulumi.Input<string>;
    /** Identity of the image (`UnikernelImage.digest`): a change restarts the VM with the new image. */
    digest: pulumi.Input<string>;
    /**
     * CPU architecture of the image.
     * @default x86_64
     */
    architecture?: pulumi.Input<Architecture>;
    /** Firmware for `diskPath`. @default bios (uefi on arm64) */
    bootMode?: pulumi.Input<BootMode>;
    /** Guest memory in MiB. @default 64 */
    memoryMiB?: pulumi.Input<number>;
    /**
     * Ports forwarded from this machine to the guest, on 127.0.0.1 only (`sources` do not apply: a
     * local VM is never reachable from other machines).
     * @default []
     */
    ports?: pulumi.Input<pulumi.Input<PortArgs>[]>;
    /** A console line (regular expression) that means the service is ready; `up` waits for it. */
    readyPattern?: pulumi.Input<string>;
    /**
     * A declared TCP port that must answer (through the forward on 127.0.0.1) before the service
     * counts as ready, after `readyPattern` when both are given.
     */
    readyPort?: pulumi.Input<number>;
    /** Seconds to wait for `readyPattern` and `readyPort`. @default 120 */
    readyTimeoutSeconds?: pulumi.Input<number>;
}
