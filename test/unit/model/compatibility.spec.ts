import { strict as assert } from "assert";
import {
    KERNEL_CAPABILITIES,
    KERNEL_FAMILIES,
    PLATFORMS,
    VENUES,
    VENUE_REQUIREMENTS,
    assessDisk,
    assessVenue,
    ec2Architecture,
    ec2Venue,
    gceArchitecture,
    gceVenue,
} from "../../../src/model";

const unikraftQemu = { family: "unikraft" as const, platform: "qemu" as const, architecture: "x86_64" as const };
const nanosQemu = { family: "nanos" as const, platform: "qemu" as const, architecture: "x86_64" as const };

describe("assessVenue", () => {
    context("a Unikraft qemu/x86_64 kernel on an EC2 Nitro instance type", () => {
        const answer = assessVenue(unikraftQemu, ec2Venue("m5.large")!);

        it("is not bootable, because it has no ENA network driver", () => {
            assert.equal(answer.bootable, false);
            assert.deepEqual(answer.missingDrivers, ["ena"]);
            assert.deepEqual(answer.reasons, [
                "a unikraft qemu/x86_64 kernel has no ENA network driver (has only virtio), which EC2 Nitro instance types need",
            ]);
        });

        it("also names the missing NVMe driver when the app reads a disk", () => {
            const withDisk = assessVenue(unikraftQemu, "ec2-nitro", { network: true, block: true });
            assert.deepEqual(withDisk.missingDrivers, ["ena", "nvme"]);
            assert.match(withDisk.reasons[1], /has no NVMe disk driver \(has only virtio\)/);
        });

        it("suggests the Nanos engine and the places where it does boot", () => {
            assert.ok(
                answer.alternatives.includes("the ops engine (Nanos), whose kernels boot on EC2 Nitro instance types"),
                answer.alternatives.join("\n"),
            );
            assert.ok(answer.alternatives.includes(VENUE_REQUIREMENTS["gce-virtio"].title));
            assert.ok(answer.alternatives.includes(VENUE_REQUIREMENTS["kvm-host"].title));
            assert.ok(!answer.alternatives.includes(VENUE_REQUIREMENTS["gce-gvnic"].title));
        });
    });

    context("a Nanos kernel on the same Nitro type", () => {
        it("is bootable from its BIOS disk, with nothing missing", () => {
            assert.deepEqual(assessVenue(nanosQemu, "ec2-nitro", { network: true, block: true }), {
                bootable: true,
                bootProtocol: "bios-disk",
                reasons: [],
                missingDrivers: [],
                alternatives: [],
            });
        });
    });

    const table: [string, Parameters<typeof assessVenue>[0], Parameters<typeof assessVenue>[1], boolean, string][] = [
        ["Unikraft qemu on local QEMU", unikraftQemu, "local-qemu", true, "multiboot"],
        ["Unikraft qemu on a KVM host", unikraftQemu, "kvm-host", true, "multiboot"],
        ["Unikraft qemu on GCE N2 (virtio)", unikraftQemu, gceVenue("n2-standard-2")!, true, "multiboot"],
        [
            "Unikraft qemu on GCE C3 (gVNIC only)",
            unikraftQemu,
            gceVenue("c3-standard-4")!,
            false,
            "no gVNIC network driver",
        ],
        [
            "Unikraft qemu on EC2 Xen (t2)",
            unikraftQemu,
            ec2Venue("t2.micro")!,
            false,
            "no Xen PV or ENA network driver",
        ],
        [
            "Unikraft fc on a Firecracker host",
            { family: "unikraft", platform: "fc", architecture: "x86_64" },
            "firecracker-host",
            true,
            "lxboot",
        ],
        [
            "Unikraft fc on local QEMU",
            { family: "unikraft", platform: "fc", architecture: "x86_64" },
            "local-qemu",
            false,
            "boots only by lxboot",
        ],
        [
            "Unikraft qemu on a Firecracker host",
            unikraftQemu,
            "firecracker-host",
            false,
            "boots only by multiboot, efi-stub",
        ],
        [
            "Unikraft qemu/arm64 on GCE T2A needs gVNIC",
            { family: "unikraft", platform: "qemu", architecture: "arm64" },
            "gce-gvnic",
            false,
            "no gVNIC",
        ],
        [
            "Unikraft qemu/arm is not built for anything",
            { family: "unikraft", platform: "qemu", architecture: "arm" },
            "local-qemu",
            false,
            "is not built for arm",
        ],
        ["Nanos on GCE C3", nanosQemu, "gce-gvnic", true, "bios-disk"],
        [
            "Nanos on EC2 Xen",
            { family: "nanos", platform: "xen", architecture: "x86_64" },
            "ec2-xen",
            true,
            "bios-disk",
        ],
        [
            "Nanos arm64 on Nitro (Graviton) boots UEFI",
            { family: "nanos", platform: "qemu", architecture: "arm64" },
            "ec2-nitro",
            true,
            "uefi-disk",
        ],
        [
            "Nanos arm64 on EC2 Xen: no arm64 Xen types",
            { family: "nanos", platform: "qemu", architecture: "arm64" },
            "ec2-xen",
            false,
            "do not run arm64",
        ],
        [
            "Unikraft xen on EC2 Xen HVM: PV boot is not offered",
            { family: "unikraft", platform: "xen", architecture: "x86_64" },
            "ec2-xen",
            false,
            "boots only by xen-pv",
        ],
    ];
    for (const [title, kernel, venue, bootable, detail] of table) {
        it(`${title}: ${bootable ? "bootable" : "not bootable"}`, () => {
            const answer = assessVenue(kernel, venue);
            assert.equal(answer.bootable, bootable, answer.reasons.join("; "));
            if (bootable) {
                assert.equal(answer.bootProtocol, detail);
            } else {
                assert.ok(
                    answer.reasons.some((r) => r.includes(detail)),
                    `"${detail}" not in ${JSON.stringify(answer.reasons)}`,
                );
                assert.ok(
                    answer.alternatives.length > 0 || kernel.architecture === "arm",
                    "an unbootable kernel gets alternatives",
                );
            }
        });
    }

    it("lets the bare demo kernel boot locally when it needs no network", () => {
        const bare = { family: "bare" as const, platform: "qemu" as const, architecture: "x86_64" as const };
        assert.equal(assessVenue(bare, "local-qemu", { network: false, block: false }).bootable, true);
        assert.match(assessVenue(bare, "local-qemu").reasons[0], /has no virtio network driver \(has none\)/);
    });

    it("has a row for every family, platform and venue", () => {
        for (const family of KERNEL_FAMILIES) {
            for (const platform of PLATFORMS) {
                assert.ok(KERNEL_CAPABILITIES[family][platform].source, `${family}/${platform}`);
            }
        }
        for (const venue of VENUES) {
            assert.ok(VENUE_REQUIREMENTS[venue].source, venue);
        }
    });
});

describe("assessDisk", () => {
    it("refuses an fc (lxboot) kernel on a BIOS disk and says why", () => {
        const answer = assessDisk({ family: "unikraft", platform: "fc", architecture: "x86_64" }, "bios");
        assert.equal(answer.bootable, false);
        assert.deepEqual(answer.reasons, [
            "a unikraft fc/x86_64 kernel boots only by lxboot (lxboot: no Multiboot header, no PE header); a BIOS disk needs a Multiboot kernel (loaded by GRUB) or a disk with its own BIOS loader",
        ]);
        assert.deepEqual(answer.alternatives, [
            "build for qemu/x86_64 instead of fc/x86_64",
            "run the kernel directly on a Firecracker host",
        ]);
    });

    const table: [Parameters<typeof assessDisk>[0], "bios" | "uefi", boolean][] = [
        [unikraftQemu, "bios", true],
        [unikraftQemu, "uefi", true],
        [{ family: "unikraft", platform: "qemu", architecture: "arm64" }, "bios", false],
        [{ family: "unikraft", platform: "qemu", architecture: "arm64" }, "uefi", true],
        [{ family: "unikraft", platform: "fc", architecture: "x86_64" }, "uefi", false],
        [nanosQemu, "bios", true],
        [{ family: "bare", platform: "qemu", architecture: "x86_64" }, "uefi", false],
    ];
    for (const [kernel, mode, bootable] of table) {
        it(`${kernel.family} ${kernel.platform}/${kernel.architecture} on a ${mode} disk: ${bootable}`, () => {
            assert.equal(assessDisk(kernel, mode).bootable, bootable);
        });
    }

    it("suggests the other firmware when that one works", () => {
        assert.deepEqual(
            assessDisk({ family: "unikraft", platform: "qemu", architecture: "arm64" }, "bios").alternatives,
            ["a UEFI disk"],
        );
    });
});

describe("instance type classification", () => {
    const ec2: [string, string | undefined, string][] = [
        ["m5.large", "ec2-nitro", "x86_64"],
        ["t3.micro", "ec2-nitro", "x86_64"],
        ["t2.micro", "ec2-xen", "x86_64"],
        ["m4.xlarge", "ec2-xen", "x86_64"],
        ["i3.metal", "ec2-nitro", "x86_64"],
        ["c7g.large", "ec2-nitro", "arm64"],
        ["t4g.nano", "ec2-nitro", "arm64"],
        ["a1.medium", "ec2-nitro", "arm64"],
        ["m6gd.large", "ec2-nitro", "arm64"],
        ["nonsense", undefined, "x86_64"],
    ];
    for (const [type, venue, arch] of ec2) {
        it(`EC2 ${type} is ${venue ?? "not an instance type"} on ${arch}`, () => {
            assert.equal(ec2Venue(type), venue);
            assert.equal(ec2Architecture(type), arch);
        });
    }
    const gce: [string, string | undefined, string][] = [
        ["n2-standard-2", "gce-virtio", "x86_64"],
        ["e2-micro", "gce-virtio", "x86_64"],
        ["c3-standard-4", "gce-gvnic", "x86_64"],
        ["t2a-standard-1", "gce-gvnic", "arm64"],
        ["c4a-standard-2", "gce-gvnic", "arm64"],
        ["bogus", undefined, "x86_64"],
    ];
    for (const [type, venue, arch] of gce) {
        it(`GCE ${type} is ${venue ?? "not a machine type"} on ${arch}`, () => {
            assert.equal(gceVenue(type), venue);
            assert.equal(gceArchitecture(type), arch);
        });
    }
});
