"""The local example in Python, through the component provider's generated SDK.

The demo unikernel built with make, put on a BIOS disk, and run on this machine under QEMU;
`pulumi up` waits for its line on the serial console. `pulumi package add` generates the
`pulumi_unikernel` SDK from the provider's schema (see README.md).
"""
import os

import pulumi
import pulumi_unikernel as unikernel

config = pulumi.Config()

image = unikernel.UnikernelImage(
    "hello",
    # Absolute: the provider runs in its own directory, not this program's.
    directory=config.get("kernelDirectory") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hello-kernel"),
    engine=unikernel.Engine.MAKE,
    make_kernel_path="build/hello.elf",
    kernel_family=unikernel.KernelFamily.BARE,
    # "stay": the demo kernel keeps running like a service (it powers off without it).
    cmdline="python stay",
)

service = unikernel.LocalService(
    "hello",
    disk_path=image.disk_path,
    digest=image.digest,
    ready_pattern="Hello from the pulumi-unikernel demo kernel",
)

pulumi.export("digest", image.digest)
pulumi.export("diskPath", image.disk_path)
pulumi.export("consoleLog", service.console_log)
pulumi.export("pidfile", service.pidfile)
