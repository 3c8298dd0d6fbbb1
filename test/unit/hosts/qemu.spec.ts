import { strict as assert } from "assert";
import { diskBlockdev, parsePortForward, qemuCommand, qemuOptionValue } from "../../../src/hosts/qemu";

describe("qemuCommand", () => {
    it("boots a kernel directly on q35 with no NIC when no ports are forwarded", () => {
        const { command, args } = qemuCommand({
            architecture: "x86_64",
            kernel: "/k",
            cmdline: "a b",
            memoryMiB: 64,
            accel: "tcg",
        });
        assert.equal(command, "qemu-system-x86_64");
        assert.deepEqual(args, [
            "-machine",
            "q35",
            "-accel",
            "tcg",
            "-m",
            "64",
            "-smp",
            "1",
            "-display",
            "none",
            "-monitor",
            "none",
            "-serial",
            "stdio",
            "-no-reboot",
            "-kernel",
            "/k",
            "-append",
            "a b",
            "-nic",
            "none",
        ]);
    });

    it("forwards declared ports on 127.0.0.1 only, over virtio-net without a PXE ROM", () => {
        const { args } = qemuCommand({
            architecture: "x86_64",
            disk: "/d.img",
            memoryMiB: 64,
            accel: "kvm",
            ports: [parsePortForward("8080:80"), parsePortForward("udp:5353:53")],
        });
        const netdev = args[args.indexOf("-netdev") + 1];
        assert.equal(netdev, "user,id=net0,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:127.0.0.1:5353-:53");
        assert.equal(args[args.indexOf("-device", args.indexOf("-netdev")) + 1], "virtio-net-pci,netdev=net0,romfile=");
        assert.ok(!args.includes("-nic"));
    });

    it("attaches disks on virtio-blk with an explicit format and no backing chain, and uses pflash OVMF for x86_64 UEFI", () => {
        const { args } = qemuCommand({
            architecture: "x86_64",
            disk: "/d.qcow2",
            diskFormat: "qcow2",
            boot: "uefi",
            firmware: { code: "/c.fd", vars: "/v.fd" },
            memoryMiB: 128,
            accel: "tcg",
        });
        assert.ok(args.includes("if=pflash,format=raw,unit=0,readonly=on,file=/c.fd"));
        assert.ok(args.includes("if=pflash,format=raw,unit=1,file=/v.fd"));
        assert.deepEqual(JSON.parse(args[args.indexOf("-blockdev") + 1]), {
            "node-name": "disk0",
            driver: "qcow2",
            file: { driver: "file", filename: "/d.qcow2" },
            backing: null,
        });
        assert.ok(args.includes("virtio-blk-pci,drive=disk0,bootindex=0"));
    });

    it("gives raw disks no backing option (raw has none) and reads a path with commas as one file name", () => {
        const { args } = qemuCommand({
            architecture: "x86_64",
            disk: "/a,b/format=qcow2,file=/etc/passwd",
            memoryMiB: 64,
            accel: "tcg",
        });
        assert.deepEqual(JSON.parse(args[args.indexOf("-blockdev") + 1]), {
            "node-name": "disk0",
            driver: "raw",
            file: { driver: "file", filename: "/a,b/format=qcow2,file=/etc/passwd" },
        });
        assert.ok(!args.some((a) => a.startsWith("if=none")), "no -drive option string carries the path");
    });

    it("doubles commas in option values (QEMU's escape), so a path cannot add options", () => {
        const { args } = qemuCommand({
            architecture: "x86_64",
            disk: "/d.img",
            boot: "uefi",
            firmware: { code: "/c.fd", vars: "/x,readonly=off,file=/etc/shadow" },
            memoryMiB: 64,
            accel: "tcg",
            consoleFile: { path: "/log,append=off", append: true },
        });
        assert.ok(args.includes("if=pflash,format=raw,unit=1,file=/x,,readonly=off,,file=/etc/shadow"), args.join(" "));
        assert.equal(args[args.indexOf("-chardev") + 1], "file,id=console0,path=/log,,append=off,append=on");
        assert.equal(args[args.indexOf("-serial") + 1], "chardev:console0");
        assert.equal(qemuOptionValue("a,,b"), "a,,,,b");
    });

    it("refuses values QEMU cannot carry: line breaks anywhere, commas in an initrd path (a module list)", () => {
        assert.throws(
            () => qemuCommand({ architecture: "x86_64", kernel: "/k", cmdline: "a\nb", memoryMiB: 64, accel: "tcg" }),
            /line feed/,
        );
        assert.throws(
            () => qemuCommand({ architecture: "x86_64", disk: "/d\n.img", memoryMiB: 64, accel: "tcg" }),
            /line feed/,
        );
        assert.throws(
            () => qemuCommand({ architecture: "x86_64", kernel: "/k", initrd: "/i,rd", memoryMiB: 64, accel: "tcg" }),
            /comma/,
        );
        assert.throws(() => diskBlockdev("/d\u2028", "raw"), /line separator/);
    });

    it("boots arm64 disks on virt with the firmware as -bios", () => {
        const { command, args } = qemuCommand({
            architecture: "arm64",
            disk: "/d.img",
            firmware: { code: "/QEMU_EFI.fd" },
            memoryMiB: 128,
            accel: "tcg",
        });
        assert.equal(command, "qemu-system-aarch64");
        assert.deepEqual(args.slice(0, 4), ["-machine", "virt", "-cpu", "cortex-a57"]);
        assert.equal(args[args.indexOf("-bios") + 1], "/QEMU_EFI.fd");
    });

    it("refuses both or neither of kernel and disk, and UEFI without firmware", () => {
        assert.throws(
            () => qemuCommand({ architecture: "x86_64", memoryMiB: 64, accel: "tcg" }),
            /either a kernel or a disk/,
        );
        assert.throws(
            () => qemuCommand({ architecture: "x86_64", kernel: "/k", disk: "/d", memoryMiB: 64, accel: "tcg" }),
            /either a kernel or a disk/,
        );
        assert.throws(
            () => qemuCommand({ architecture: "x86_64", disk: "/d", boot: "uefi", memoryMiB: 64, accel: "tcg" }),
            /needs firmware/,
        );
    });
});

describe("parsePortForward", () => {
    const good: [string, object][] = [
        ["80", { protocol: "tcp", host: 80, guest: 80 }],
        ["8080:80", { protocol: "tcp", host: 8080, guest: 80 }],
        ["udp:5353:53", { protocol: "udp", host: 5353, guest: 53 }],
    ];
    for (const [text, forward] of good) {
        it(`reads ${text}`, () => assert.deepEqual(parsePortForward(text), forward));
    }
    for (const text of ["0", "70000", "a:b", "sctp:1:2", "1:2:3"]) {
        it(`rejects ${text}`, () =>
            assert.throws(() => parsePortForward(text), /is not valid; expected GUEST, HOST:GUEST/));
    }
});
