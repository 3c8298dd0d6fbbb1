/**
 * The compatibility table: which kernel boots where, and why not.
 *
 * Two tables typed over closed unions, so the compiler points at a missing row:
 *   - what a kernel offers: for each kernel family and platform, its boot protocols per
 *     architecture and its device drivers;
 *   - what a place demands: for each venue, the boot paths it can start and the drivers its
 *     virtual hardware needs.
 * {@link assessVenue} joins them and answers with reasons and alternatives, so a component can
 * fail at preview time ("no ENA or NVMe driver") instead of letting an instance hang at boot.
 * The shape follows the AMI table in pulumi-eks:nodejs/eks/nodes/ami.ts.
 */
import { Architecture } from "./architecture";
import { BootMode, MachineArchitecture } from "./bootMode";
import { KERNEL_FAMILIES, KernelFamily } from "./engine";
import { PLATFORMS, Platform } from "./platform";

/**
 * How a kernel gets control.
 * - `multiboot`: a Multiboot (1 or 2) ELF; GRUB loads it from a BIOS disk, QEMU's `-kernel` directly.
 * - `efi-stub`: the kernel is its own EFI application; UEFI firmware starts it from an ESP.
 * - `lxboot`: the Linux/Firecracker direct-boot protocol; only a VMM that loads the kernel itself
 *   can start it (no Multiboot header, no PE header: GRUB and UEFI firmware cannot).
 * - `pvh`: the Xen/KVM PVH entry, used by Firecracker and QEMU's `-kernel`.
 * - `xen-pv`: a Xen paravirtualized guest; only a Xen toolstack (or PV-GRUB) starts it.
 * - `bios-disk`: the artifact is a whole disk with its own BIOS boot loader (Nanos stage2).
 * - `uefi-disk`: the artifact is a whole disk with its own UEFI boot loader (Nanos's EFI loader).
 */
export type BootProtocol = "multiboot" | "efi-stub" | "lxboot" | "pvh" | "xen-pv" | "bios-disk" | "uefi-disk";

/**
 * Device driver families a kernel may have. Network and disk are what decide whether a cloud
 * instance is reachable and can read its root volume.
 */
export type Driver = "virtio" | "xen-pv" | "ena" | "nvme" | "gvnic" | "hyperv" | "vmware";

/** What one kernel family offers on one platform. */
export interface KernelCapabilities {
    /** Boot protocols the kernel supports, per architecture (empty: not built for it). */
    boot: Readonly<Record<Architecture, readonly BootProtocol[]>>;
    /** Network drivers the kernel has. */
    network: readonly Driver[];
    /** Block (disk) drivers the kernel has. */
    block: readonly Driver[];
    /** Where the facts come from. */
    source: string;
}

const NO_BOOT: readonly BootProtocol[] = [];

/**
 * What each kernel family offers per platform.
 * Unikraft facts: ARCHITECTURE.md "Field facts" (checked against unikraft/unikraft plat/kvm,
 * plat/xen and plat/common drivers: virtio-net/blk/9p over PCI or MMIO, Xen netfront/blkfront; no
 * ENA, NVMe or gVNIC driver exists in Unikraft core or its drivers tree).
 * Nanos facts: nanovms/nanos src/drivers (ena, nvme, gve, virtio, xen, hyperv/storvsc/netvsc,
 * vmware pvscsi/vmxnet3) and its stage2 BIOS and UEFI boot loaders (src/boot).
 */
export const KERNEL_CAPABILITIES: Readonly<Record<KernelFamily, Readonly<Record<Platform, KernelCapabilities>>>> = {
    unikraft: {
        // unikraft plat/kvm x86: Multiboot 1 header (GRUB, QEMU -kernel) plus an optional EFI stub
        // (CONFIG_KVM_BOOT_PROTO_EFI_STUB); arm64 boots as a Linux Image or EFI stub.
        qemu: {
            boot: { x86_64: ["multiboot", "efi-stub"], arm64: ["efi-stub"], arm: NO_BOOT },
            network: ["virtio"],
            block: ["virtio"],
            source: "unikraft plat/kvm (x86 multiboot.S, efi stub), drivers/virtio",
        },
        // unikraft plat/kvm with CONFIG_KVM_VMM_FIRECRACKER: lxboot, virtio-mmio devices.
        fc: {
            boot: { x86_64: ["lxboot"], arm64: ["lxboot"], arm: NO_BOOT },
            network: ["virtio"],
            block: ["virtio"],
            source: "unikraft plat/kvm firecracker (lxboot), drivers/virtio/mmio",
        },
        // unikraft plat/xen: PV/PVH guest with netfront and blkfront.
        xen: {
            boot: { x86_64: ["xen-pv"], arm64: ["xen-pv"], arm: ["xen-pv"] },
            network: ["xen-pv"],
            block: ["xen-pv"],
            source: "unikraft plat/xen (netfront, blkfront)",
        },
    },
    nanos: {
        // Nanos images are whole disks with stage2 (BIOS) or the EFI loader (ops `Uefi: true`).
        qemu: {
            boot: { x86_64: ["bios-disk", "uefi-disk"], arm64: ["uefi-disk"], arm: NO_BOOT },
            network: ["virtio", "ena", "gvnic", "xen-pv", "hyperv", "vmware"],
            block: ["virtio", "nvme", "xen-pv", "hyperv", "vmware"],
            source: "nanovms/nanos src/drivers, src/boot (stage2, uefi)",
        },
        // Nanos on Firecracker: the kernel ELF is started through its PVH note.
        fc: {
            boot: { x86_64: ["pvh"], arm64: NO_BOOT, arm: NO_BOOT },
            network: ["virtio"],
            block: ["virtio"],
            source: "nanovms/nanos platform/pc (PVH entry), virtio-mmio",
        },
        // Nanos on Xen HVM (EC2 Xen types) boots its BIOS disk and uses netfront/blkfront.
        xen: {
            boot: { x86_64: ["bios-disk"], arm64: NO_BOOT, arm: NO_BOOT },
            network: ["xen-pv", "ena"],
            block: ["xen-pv"],
            source: "nanovms/nanos src/xen",
        },
    },
    bare: {
        // A kernel we know only by its boot protocol (the demo kernel): no drivers assumed.
        qemu: {
            boot: { x86_64: ["multiboot"], arm64: ["efi-stub"], arm: NO_BOOT },
            network: [],
            block: [],
            source: "this package's demo kernel",
        },
        fc: {
            boot: { x86_64: ["lxboot"], arm64: ["lxboot"], arm: NO_BOOT },
            network: [],
            block: [],
            source: "Firecracker boot protocol",
        },
        xen: {
            boot: { x86_64: ["xen-pv"], arm64: NO_BOOT, arm: NO_BOOT },
            network: [],
            block: [],
            source: "Xen PV boot protocol",
        },
    },
};

/**
 * Places an image can be started.
 * - `local-qemu`: this machine, QEMU (KVM when present, TCG otherwise).
 * - `kvm-host`: a private Linux host with QEMU/KVM, over SSH.
 * - `firecracker-host`: a private Linux host with Firecracker, over SSH.
 * - `ec2-nitro`: EC2 Nitro instance types (ENA network, NVMe disks).
 * - `ec2-xen`: EC2 Xen instance types (t2, m4, c4, ...: Xen HVM, netfront/blkfront).
 * - `gce-virtio`: GCE machine series with VirtIO-Net and virtio-scsi (E2, N1, N2, N2D, C2, ...).
 * - `gce-gvnic`: GCE machine series that require gVNIC and NVMe (C3, C4, N4, H3, T2A, ...).
 */
export type Venue =
    "local-qemu" | "kvm-host" | "firecracker-host" | "ec2-nitro" | "ec2-xen" | "gce-virtio" | "gce-gvnic";

/** Every venue, in the order messages list them. */
export const VENUES: readonly Venue[] = [
    "local-qemu",
    "kvm-host",
    "firecracker-host",
    "ec2-nitro",
    "ec2-xen",
    "gce-virtio",
    "gce-gvnic",
];

/** What a venue needs from a kernel. */
export interface VenueRequirements {
    /** Human name for messages. */
    title: string;
    /** Boot protocols the venue can start, per architecture. Disk protocols need a disk made for them. */
    boots: Readonly<Record<Architecture, readonly BootProtocol[]>>;
    /** Network drivers the venue's virtual NIC speaks (the kernel needs one of them). */
    network: readonly Driver[];
    /** Block drivers for the venue's disks (needed only when the app reads a disk after boot). */
    block: readonly Driver[];
    /** Where the facts come from. */
    source: string;
}

/** Disk protocols: a firmware starts them, so a venue that boots disks boots these. */
const BIOS_DISK: readonly BootProtocol[] = ["multiboot", "bios-disk"]; // multiboot: through GRUB on the disk
const UEFI_DISK: readonly BootProtocol[] = ["efi-stub", "uefi-disk"];

/** What each venue demands. */
export const VENUE_REQUIREMENTS: Readonly<Record<Venue, VenueRequirements>> = {
    "local-qemu": {
        title: "QEMU on this machine",
        boots: { x86_64: [...BIOS_DISK, ...UEFI_DISK, "pvh"], arm64: [...UEFI_DISK], arm: NO_BOOT },
        network: ["virtio"],
        block: ["virtio"],
        source: "qemu-system -kernel (Multiboot, PVH), SeaBIOS, OVMF/AAVMF; virtio-net with user networking",
    },
    "kvm-host": {
        title: "a private KVM host (QEMU/KVM)",
        boots: { x86_64: [...BIOS_DISK, ...UEFI_DISK, "pvh"], arm64: [...UEFI_DISK], arm: NO_BOOT },
        network: ["virtio"],
        block: ["virtio"],
        source: "qemu-system with KVM: same devices as local QEMU",
    },
    "firecracker-host": {
        title: "a private Firecracker host",
        boots: { x86_64: ["lxboot", "pvh"], arm64: ["lxboot"], arm: NO_BOOT },
        network: ["virtio"],
        block: ["virtio"],
        source: "firecracker docs/api_requests: direct kernel boot only, virtio-mmio net/block",
    },
    "ec2-nitro": {
        title: "EC2 Nitro instance types",
        boots: { x86_64: [...BIOS_DISK, ...UEFI_DISK], arm64: [...UEFI_DISK], arm: NO_BOOT },
        network: ["ena"],
        block: ["nvme"],
        source: "AWS EC2 user guide: Nitro instances need ENA and NVMe drivers; Graviton boots UEFI only",
    },
    "ec2-xen": {
        title: "EC2 Xen instance types",
        boots: { x86_64: [...BIOS_DISK], arm64: NO_BOOT, arm: NO_BOOT },
        network: ["xen-pv", "ena"],
        block: ["xen-pv"],
        source: "AWS EC2 user guide: previous-generation Xen HVM types, netfront/blkfront (ENA on some)",
    },
    "gce-virtio": {
        title: "GCE machine series with VirtIO (E2, N1, N2, N2D, C2, C2D, T2D, M1, M2)",
        boots: { x86_64: [...BIOS_DISK, ...UEFI_DISK], arm64: NO_BOOT, arm: NO_BOOT },
        network: ["virtio", "gvnic"],
        block: ["virtio"],
        source: "GCE docs: machine series network interfaces and disk interfaces (SCSI)",
    },
    "gce-gvnic": {
        title: "GCE machine series that require gVNIC and NVMe (C3, C3D, C4, C4A, N4, H3, M3, Z3, T2A)",
        boots: { x86_64: [...BIOS_DISK, ...UEFI_DISK], arm64: [...UEFI_DISK], arm: NO_BOOT },
        network: ["gvnic"],
        block: ["nvme"],
        source: "GCE docs: third-generation series support gVNIC and NVMe only; Arm (T2A, C4A) boots UEFI",
    },
};

/** The kernel a question is about. */
export interface KernelDescription {
    family: KernelFamily;
    platform: Platform;
    architecture: Architecture;
}

/** What the running application needs from its devices. */
export interface DeviceNeeds {
    /** It serves or calls over the network (true for any service with ports). */
    network: boolean;
    /** It reads or writes a disk after boot (volumes, a disk rootfs). */
    block: boolean;
}

/** The answer for one kernel at one venue. */
export interface Assessment {
    /** True when the kernel boots there and has the drivers it needs. */
    bootable: boolean;
    /** The boot protocol that works, when one does. */
    bootProtocol?: BootProtocol;
    /** Why it cannot boot; empty when it can. */
    reasons: string[];
    /** Drivers the venue needs that the kernel lacks. */
    missingDrivers: Driver[];
    /** Other venues where this kernel does boot, and other engines to consider. */
    alternatives: string[];
}

/**
 * Answers whether a kernel boots at a venue, with reasons and alternatives.
 * @example assessVenue({ family: "unikraft", platform: "qemu", architecture: "x86_64" }, "ec2-nitro")
 *   // bootable: false, reasons: ["... has no ENA network driver ..."], alternatives: [...]
 */
export function assessVenue(
    kernel: KernelDescription,
    venue: Venue,
    needs: DeviceNeeds = { network: true, block: false },
): Assessment {
    const result = judge(kernel, venue, needs);
    if (result.bootable) {
        return { ...result, alternatives: [] };
    }
    const otherVenues = VENUES.filter((v) => v !== venue && judge(kernel, v, needs).bootable).map(
        (v) => VENUE_REQUIREMENTS[v].title,
    );
    const otherFamilies = KERNEL_FAMILIES.filter(
        (f) =>
            f !== kernel.family &&
            f !== "bare" &&
            PLATFORMS.some((platform) => judge({ ...kernel, family: f, platform }, venue, needs).bootable),
    ).map(
        (f) =>
            `the ${f === "nanos" ? "ops engine (Nanos)" : "kraft engine (Unikraft)"}, whose kernels boot on ${VENUE_REQUIREMENTS[venue].title}`,
    );
    const otherPlatforms = PLATFORMS.filter(
        (p) => p !== kernel.platform && judge({ ...kernel, platform: p }, venue, needs).bootable,
    ).map((p) => `the ${p}/${kernel.architecture} target`);
    return { ...result, alternatives: [...otherPlatforms, ...otherFamilies, ...otherVenues] };
}

/**
 * Answers whether a kernel can be put on a bootable disk for the given firmware, and why not.
 * An `fc` kernel uses lxboot: it has no Multiboot header for GRUB and no PE header for UEFI.
 */
export function assessDisk(kernel: KernelDescription, mode: BootMode): Assessment {
    const offered = KERNEL_CAPABILITIES[kernel.family][kernel.platform].boot[kernel.architecture];
    const protocol = diskProtocol(kernel, mode);
    if (protocol) {
        return { bootable: true, bootProtocol: protocol, reasons: [], missingDrivers: [], alternatives: [] };
    }
    const describe = offered.length ? `boots only by ${offered.join(", ")}` : `is not built for ${kernel.architecture}`;
    const why =
        mode === "bios"
            ? "a BIOS disk needs a Multiboot kernel (loaded by GRUB) or a disk with its own BIOS loader"
            : "a UEFI disk needs a kernel with an EFI stub (PE header), a GRUB-loadable kernel, or a disk with its own EFI loader";
    const modes = (["bios", "uefi"] as const).filter((m) => m !== mode && diskProtocol(kernel, m));
    const lxbootHint = offered.includes("lxboot") ? " (lxboot: no Multiboot header, no PE header)" : "";
    return {
        bootable: false,
        reasons: [
            `a ${kernel.family} ${kernel.platform}/${kernel.architecture} kernel ${describe}${lxbootHint}; ${why}`,
        ],
        missingDrivers: [],
        alternatives: [
            ...modes.map((m) => `a ${m.toUpperCase()} disk`),
            ...(kernel.platform === "qemu"
                ? []
                : [`build for qemu/${kernel.architecture} instead of ${kernel.platform}/${kernel.architecture}`]),
            ...(offered.includes("lxboot") ? ["run the kernel directly on a Firecracker host"] : []),
        ],
    };
}

/** The protocol by which firmware of `mode` starts the kernel from a disk, if any. */
function diskProtocol(kernel: KernelDescription, mode: BootMode): BootProtocol | undefined {
    const accepted = mode === "bios" ? BIOS_DISK : UEFI_DISK;
    return KERNEL_CAPABILITIES[kernel.family][kernel.platform].boot[kernel.architecture].find((p) =>
        accepted.includes(p),
    );
}

/** Boot and driver check without alternatives. */
function judge(kernel: KernelDescription, venue: Venue, needs: DeviceNeeds): Omit<Assessment, "alternatives"> {
    const caps = KERNEL_CAPABILITIES[kernel.family][kernel.platform];
    const req = VENUE_REQUIREMENTS[venue];
    const offered = caps.boot[kernel.architecture];
    const bootProtocol = offered.find((p) => req.boots[kernel.architecture].includes(p));
    const reasons: string[] = [];
    const missingDrivers: Driver[] = [];
    const name = `a ${kernel.family} ${kernel.platform}/${kernel.architecture} kernel`;
    if (!offered.length) {
        reasons.push(`${name} is not built for ${kernel.architecture}`);
    } else if (!bootProtocol) {
        const accepted = req.boots[kernel.architecture];
        reasons.push(
            `${name} boots only by ${offered.join(", ")}, but ${req.title} ${accepted.length ? `start ${accepted.join(", ")}` : `do not run ${kernel.architecture}`}`,
        );
    }
    const checkDevices = (kind: "network" | "block", label: string) => {
        if (!needs[kind] || caps[kind].some((d) => req[kind].includes(d))) {
            return;
        }
        missingDrivers.push(...req[kind].filter((d) => !missingDrivers.includes(d)));
        const has = caps[kind].length ? `has only ${caps[kind].join(", ")}` : "has none";
        reasons.push(
            `${name} has no ${req[kind].map(driverTitle).join(" or ")} ${label} driver (${has}), which ${req.title} need`,
        );
    };
    checkDevices("network", "network");
    checkDevices("block", "disk");
    return reasons.length
        ? { bootable: false, reasons, missingDrivers }
        : { bootable: true, bootProtocol, reasons, missingDrivers };
}

function driverTitle(driver: Driver): string {
    const titles: Record<Driver, string> = {
        virtio: "virtio",
        "xen-pv": "Xen PV",
        ena: "ENA",
        nvme: "NVMe",
        gvnic: "gVNIC",
        hyperv: "Hyper-V",
        vmware: "VMware",
    };
    return titles[driver];
}

/** EC2 instance families that run on Xen; every other current family is Nitro. */
const EC2_XEN_FAMILIES: readonly string[] = [
    "t1",
    "t2",
    "m1",
    "m2",
    "m3",
    "m4",
    "c1",
    "c3",
    "c4",
    "r3",
    "r4",
    "x1",
    "x1e",
    "i2",
    "i3",
    "d2",
    "g2",
    "g3",
    "p2",
    "p3",
    "f1",
    "h1",
    "cc2",
    "cr1",
    "hs1",
];

/**
 * The venue of an EC2 instance type: `m4.large` is Xen, `m5.large` Nitro. Bare-metal sizes
 * (`i3.metal`) are Nitro even in Xen families. Undefined when the text is not an instance type.
 */
export function ec2Venue(instanceType: string): Venue | undefined {
    const match = /^([a-z][a-z0-9-]*)\.([a-z0-9-]+)$/.exec(instanceType);
    if (!match) {
        return undefined;
    }
    return EC2_XEN_FAMILIES.includes(match[1]) && match[2] !== "metal" ? "ec2-xen" : "ec2-nitro";
}

/** The architecture of an EC2 instance type: Graviton families (`a1`, `*g`, `*gd`, `*gn`) are arm64. */
export function ec2Architecture(instanceType: string): MachineArchitecture {
    const family = instanceType.split(".")[0];
    return family === "a1" || /^[a-z]+\d+g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/** GCE machine series that need gVNIC and NVMe. */
const GCE_GVNIC_SERIES: readonly string[] = ["c3", "c3d", "c4", "c4a", "c4d", "n4", "h3", "m3", "z3", "a3", "t2a"];

/** The venue of a GCE machine type: `n2-standard-4` is virtio, `c3-standard-4` gVNIC. */
export function gceVenue(machineType: string): Venue | undefined {
    const match = /^([a-z][a-z0-9]*)-[a-z0-9-]+$/.exec(machineType);
    if (!match) {
        return undefined;
    }
    return GCE_GVNIC_SERIES.includes(match[1]) ? "gce-gvnic" : "gce-virtio";
}

/** The architecture of a GCE machine type: T2A and C4A are Arm. */
export function gceArchitecture(machineType: string): MachineArchitecture {
    return /^(t2a|c4a)-/.test(machineType) ? "arm64" : "x86_64";
}
