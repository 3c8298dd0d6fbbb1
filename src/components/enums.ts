/**
 * Closed sets used in component Args. TypeScript enums, not string unions: the component-provider
 * schema (and so Python, Go and YAML) understands enums and rejects inline unions.
 */

/** The tool that builds the application. */
export enum Engine {
    /** KraftKit (`kraft build`), Unikraft applications. */
    Kraft = "kraft",
    /** NanoVMs ops (`ops build`), Nanos images. */
    Ops = "ops",
    /** Any Makefile that yields a kernel. */
    Make = "make",
    /** A kernel or disk built elsewhere. */
    Prebuilt = "prebuilt",
}

/** What kind of kernel an image holds: decides its boot protocols and drivers. */
export enum KernelFamily {
    Unikraft = "unikraft",
    Nanos = "nanos",
    /** Known only by its boot protocol; no network or disk drivers assumed. */
    Bare = "bare",
}

/** Unikraft platform. */
export enum Platform {
    Qemu = "qemu",
    Firecracker = "fc",
    Xen = "xen",
}

/** CPU architecture. */
export enum Architecture {
    X86_64 = "x86_64",
    Arm64 = "arm64",
}

/** Firmware an image boots with. */
export enum BootMode {
    Bios = "bios",
    Uefi = "uefi",
}

/** Disk formats clouds import. */
export enum DiskFormat {
    Raw = "raw",
    Qcow2 = "qcow2",
    Vmdk = "vmdk",
    Vhd = "vhd",
    Gce = "gce",
}

/** Where a service is reachable from. */
export enum Environment {
    /** A public address; declared ports open to declared sources only. */
    Public = "public",
    /** No public address; traffic only from the VPC/network or declared sources. */
    Private = "private",
}

/** Transport protocol of a port. */
export enum Protocol {
    Tcp = "tcp",
    Udp = "udp",
}

/** How a disk becomes an EBS snapshot. */
export enum AwsUploadMethod {
    /** EBS direct APIs: only non-zero 512 KiB blocks are sent; no bucket, no role. */
    EbsDirect = "ebs-direct",
    /** A streamOptimized VMDK in a private S3 bucket, imported with a `vmimport` role. */
    S3Import = "s3-import",
}

/** The hypervisor on a private host. */
export enum Hypervisor {
    Qemu = "qemu",
    Firecracker = "firecracker",
}

/** How a private host keeps the VM running. */
export enum HostRunMode {
    /** systemd when the host runs it, otherwise a supervised background process. */
    Auto = "auto",
    /** A systemd unit with Restart=on-failure. */
    Systemd = "systemd",
    /** A supervisor loop in the background with a pidfile (hosts without systemd, such as containers). */
    Background = "background",
}

/** What a system call the unikernel lacks does to an image (UnikernelImage.syscallCheck). */
export enum SyscallCheckMode {
    /** The image's outputs fail: nothing that uses them is deployed. */
    Fail = "fail",
    /** A warning on the component; the image is used. */
    Warn = "warn",
}
