// A private service on EC2: Nanos (which has ENA and NVMe drivers, so Nitro types work) on m5
// instances in private subnets, no public address, port 8080 open to the VPC only. The image goes
// through S3 and EC2 ImportSnapshot with a least-privilege vmimport role.
import * as pulumi from "@pulumi/pulumi";
import * as unikernel from "pulumi-unikernel";

const config = new pulumi.Config();

const image = new unikernel.UnikernelImage("api", {
    directory: config.get("directory") ?? ".",
    prebuiltDisk: config.require("diskPath"),
    kernelFamily: unikernel.KernelFamily.Nanos,
});

const ami = new unikernel.AwsImage("api", {
    diskPath: image.diskPath,
    digest: image.digest,
    kernelFamily: unikernel.KernelFamily.Nanos,
    uploadMethod: unikernel.AwsUploadMethod.S3Import,
});

const service = new unikernel.AwsService("api", {
    imageId: ami.imageId,
    kernelFamily: unikernel.KernelFamily.Nanos,
    instanceType: "m5.large",
    environment: unikernel.Environment.Private,
    ports: [{ port: 8080 }],
    replicas: 2,
    maxReplicas: 4,
});

export const amiId = ami.imageId;
export const autoScalingGroupName = service.autoScalingGroupName;
export const securityGroupId = service.securityGroupId;
export const vpcId = service.vpcId;
