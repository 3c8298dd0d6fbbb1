// A public web service on EC2: a Nanos disk (built by `ops build` in CI), uploaded with the EBS
// direct APIs, registered as an AMI with ENA support, and run on a Nitro instance with only port 80
// open to the internet.
import * as pulumi from "@pulumi/pulumi";
import * as unikernel from "pulumi-unikernel";

const config = new pulumi.Config();
const diskPath = config.require("diskPath");

const image = new unikernel.UnikernelImage("web", {
    directory: config.get("directory") ?? ".",
    prebuiltDisk: diskPath,
    kernelFamily: unikernel.KernelFamily.Nanos,
});

const ami = new unikernel.AwsImage("web", {
    diskPath: image.diskPath,
    digest: image.digest,
    kernelFamily: unikernel.KernelFamily.Nanos,
});

const service = new unikernel.AwsService("web", {
    imageId: ami.imageId,
    kernelFamily: unikernel.KernelFamily.Nanos,
    instanceType: "t3.micro",
    environment: unikernel.Environment.Public,
    ports: [{ port: 80 }],
});

export const amiId = ami.imageId;
export const snapshotId = ami.snapshotId;
export const urls = service.urls;
export const publicIps = service.publicIps;
export const consoleCommand = service.consoleCommand;
