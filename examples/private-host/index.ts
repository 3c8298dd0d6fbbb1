// A private host of your own: the image is copied over SSH (host key verified) and run by systemd,
// or by a supervised background process where there is no systemd.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as unikernel from "pulumi-unikernel";

const config = new pulumi.Config();

const image = new unikernel.UnikernelImage("hello", {
    directory: config.get("kernelDirectory") ?? path.join(__dirname, "..", "hello-kernel"),
    engine: unikernel.Engine.Make,
    makeKernelPath: "build/hello.elf",
    kernelFamily: unikernel.KernelFamily.Bare,
    cmdline: "private-host stay",
});

const service = new unikernel.PrivateHostService("hello", {
    host: config.require("host"),
    sshPort: config.getNumber("sshPort") ?? 22,
    user: config.get("user") ?? "root",
    privateKey: config.requireSecret("privateKey"),
    hostKey: config.require("hostKey"),
    diskPath: image.diskPath,
    digest: image.digest,
    runMode: (config.get("runMode") as unikernel.HostRunMode | undefined) ?? unikernel.HostRunMode.Auto,
    stateDirectory: config.get("stateDirectory"),
    readyPattern: "Hello from the pulumi-unikernel demo kernel",
});

export const consoleLog = service.consoleLog;
export const consoleCommand = service.consoleCommand;
export const runMode = service.runMode;
export const remoteImagePath = service.remoteImagePath;
