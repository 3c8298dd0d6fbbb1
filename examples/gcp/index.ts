// Unikraft on GCE: a qemu/x86_64 kernel (built by `kraft build` in CI) on a BIOS disk, imported as
// a GCE image and run on an E2 machine, whose virtio NIC Unikraft drives. (C3/C4/N4 need gVNIC and
// NVMe, which Unikraft does not have: GcpService refuses them at preview.)
import * as pulumi from "@pulumi/pulumi";
import * as unikernel from "pulumi-unikernel";

const config = new pulumi.Config();

const image = new unikernel.UnikernelImage("app", {
    directory: config.get("directory") ?? ".",
    prebuiltKernel: config.require("kernelPath"),
    kernelFamily: unikernel.KernelFamily.Unikraft,
    target: { platform: unikernel.Platform.Qemu, architecture: unikernel.Architecture.X86_64 },
    cmdline: "-- /app --port 8080",
});

const gceImage = new unikernel.GcpImage("app", {
    diskPath: image.diskPath,
    digest: image.digest,
    kernelFamily: unikernel.KernelFamily.Unikraft,
    family: "unikernel-app",
});

const service = new unikernel.GcpService("app", {
    image: gceImage.imageSelfLink,
    kernelFamily: unikernel.KernelFamily.Unikraft,
    machineType: "e2-small",
    zone: "us-central1-a",
    ports: [{ port: 8080 }],
});

export const imageName = gceImage.imageName;
export const guestOsFeatures = gceImage.guestOsFeatures;
export const urls = service.urls;
export const consoleCommand = service.consoleCommand;
