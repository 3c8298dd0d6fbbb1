// The zero-set-up example: build the demo unikernel, make a bootable disk, run it here under QEMU,
// and wait for its line on the serial console during `pulumi up`.
import * as path from "path";
import * as unikernel from "pulumi-unikernel";

const image = new unikernel.UnikernelImage("hello", {
    directory: path.join(__dirname, "..", "hello-kernel"),
    engine: unikernel.Engine.Make,
    makeKernelPath: "build/hello.elf",
    kernelFamily: unikernel.KernelFamily.Bare,
    cmdline: "quickstart",
});

const service = new unikernel.LocalService("hello", {
    diskPath: image.diskPath,
    imageDigest: image.digest,
    readyPattern: "Hello from the pulumi-unikernel demo kernel",
});

export const digest = image.digest;
export const diskPath = image.diskPath;
export const consoleLog = service.consoleLog;
export const bootMs = service.bootMs;
