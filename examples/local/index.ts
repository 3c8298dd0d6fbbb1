// The zero-set-up example: build the demo unikernel, make a bootable disk, run it here under QEMU,
// and wait for its line on the serial console during `pulumi up`.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as unikernel from "pulumi-unikernel";

const config = new pulumi.Config();

const image = new unikernel.UnikernelImage("hello", {
    directory: config.get("kernelDirectory") ?? path.join(__dirname, "..", "hello-kernel"),
    engine: unikernel.Engine.Make,
    makeKernelPath: "build/hello.elf",
    kernelFamily: unikernel.KernelFamily.Bare,
    // "stay": the demo kernel keeps running like a service (it powers off without it).
    cmdline: "quickstart stay",
});

const service = new unikernel.LocalService("hello", {
    diskPath: image.diskPath,
    digest: image.digest,
    readyPattern: "Hello from the pulumi-unikernel demo kernel",
});

export const digest = image.digest;
export const diskPath = image.diskPath;
export const consoleLog = service.consoleLog;
// Kept per stack (and per component): another stack's "hello" has its own pidfile and console.
export const pidfile = service.pidfile;
export const bootMs = service.bootMs;
