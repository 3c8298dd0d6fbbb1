/**
 * QEMU command lines for running a unikernel, as a pure function of what to run. The same argv
 * serves this machine and private KVM hosts (where it goes into a systemd unit).
 *
 * Choices and why:
 * - x86_64 always uses `-machine q35`: UEFI needs it (on `pc`, OVMF moves the ACPI power-off port and
 *   Unikraft's power-off does not stop the VM), and one machine type keeps BIOS and UEFI comparable.
 * - Disks are virtio-blk: Nanos hangs on q35's default SATA controller.
 * - No NIC unless ports are forwarded (`-nic none`): the default NIC's PXE ROM costs boot time.
 *   Forwarded ports bind to 127.0.0.1 unless told otherwise: a local VM is not a public service.
 * - `-no-reboot`: a crashing kernel ends the run instead of rebooting forever.
 * - Disks are attached with `-blockdev` in QEMU's JSON syntax: an explicit format (never probed
 *   from the content), the file driver (so a path is never read as `nbd:` or `json:`), no backing
 *   chain for formats that have one, and a file name that needs no comma escaping.
 * - Every path inside a comma-separated option (`-drive`, `-chardev`) has its commas doubled, which
 *   is how QEMU escapes them; a path with a line break never gets here (refused at input).
 */
import { BootMode, MachineArchitecture, Protocol, findUnsafeCharacter } from "../model";

/** A forwarded port: host side on `hostAddress:host`, guest side on `guest`. */
export interface PortForward {
    protocol: Protocol;
    host: number;
    guest: number;
    /** Host address to bind. Default 127.0.0.1. */
    hostAddress?: string;
}

/** Firmware files for UEFI boots. */
export interface UefiFirmware {
    /** Read-only code image (OVMF_CODE / QEMU_EFI). */
    code: string;
    /** A writable copy of the variable store, one per VM (x86_64 only). */
    vars?: string;
}

/** What to run and how. */
export interface QemuOptions {
    architecture: MachineArchitecture;
    /** Direct kernel boot. Mutually exclusive with `disk`. */
    kernel?: string;
    initrd?: string;
    cmdline?: string;
    /** Disk boot. Mutually exclusive with `kernel`. */
    disk?: string;
    /** qemu-img format name of the disk (raw, qcow2, vmdk, vpc). Default raw. */
    diskFormat?: string;
    /** Firmware for disk boots. Default bios on x86_64; arm64 is always uefi. */
    boot?: BootMode;
    firmware?: UefiFirmware;
    memoryMiB: number;
    cpus?: number;
    accel: "kvm" | "tcg";
    ports?: PortForward[];
    /** Serial console to a file (appended to when `append`), instead of QEMU's stdio. */
    consoleFile?: { path: string; append?: boolean };
}

/** qemu-img format names whose images can name a backing file: attached with `"backing": null`. */
const FORMATS_WITH_BACKING = new Set(["qcow2", "qed", "vmdk"]);

/**
 * A value inside a comma-separated QEMU option (`file=...`, `path=...`): commas doubled, as QEMU's
 * option parser reads `,,` as one literal comma. Throws on line breaks and control characters.
 */
export function qemuOptionValue(value: string): string {
    const unsafe = findUnsafeCharacter(value);
    if (unsafe) {
        throw new Error(`cannot pass ${JSON.stringify(value)} to QEMU: it holds ${unsafe.description}`);
    }
    return value.replace(/,/g, ",,");
}

/** The `-blockdev` JSON of a disk: explicit format over the file driver, no backing chain. */
export function diskBlockdev(file: string, format: string, nodeName = "disk0"): string {
    qemuOptionValue(file); // refuses line breaks; JSON needs no comma escaping
    return JSON.stringify({
        "node-name": nodeName,
        driver: format,
        file: { driver: "file", filename: file },
        ...(FORMATS_WITH_BACKING.has(format) ? { backing: null } : {}),
    });
}

/** Returns the QEMU binary and its arguments. Console on stdio; no monitor, no display. */
export function qemuCommand(options: QemuOptions): { command: string; args: string[] } {
    if (Boolean(options.kernel) === Boolean(options.disk)) {
        throw new Error("give either a kernel or a disk to run");
    }
    const arm = options.architecture === "arm64";
    const args: string[] = [];
    if (arm) {
        args.push("-machine", "virt", "-cpu", options.accel === "kvm" ? "host" : "cortex-a57");
    } else {
        args.push("-machine", "q35");
    }
    args.push("-accel", options.accel, "-m", String(options.memoryMiB), "-smp", String(options.cpus ?? 1));
    args.push("-display", "none", "-monitor", "none");
    if (options.consoleFile) {
        const file = qemuOptionValue(options.consoleFile.path);
        args.push(
            "-chardev",
            `file,id=console0,path=${file}${options.consoleFile.append ? ",append=on" : ""}`,
            "-serial",
            "chardev:console0",
        );
    } else {
        args.push("-serial", "stdio");
    }
    args.push("-no-reboot");
    if (options.kernel) {
        args.push("-kernel", options.kernel);
        if (options.initrd) {
            // QEMU splits -initrd at commas into Multiboot modules, and at a blank into a module and its
            // arguments; there is no escape for one file.
            if (/[,\s]/.test(options.initrd))
                throw new Error(
                    `the initrd path ${JSON.stringify(options.initrd)} holds a comma or a blank, which QEMU reads as a list of modules`,
                );
            args.push("-initrd", options.initrd);
        }
        if (options.cmdline) {
            qemuOptionValue(options.cmdline); // refuses line breaks
            args.push("-append", options.cmdline);
        }
    }
    const boot = arm ? "uefi" : (options.boot ?? "bios");
    if (options.disk) {
        if (boot === "uefi") {
            if (!options.firmware) {
                throw new Error("a UEFI boot needs firmware (OVMF or QEMU_EFI)");
            }
            if (arm) {
                // Debian's QEMU_EFI.fd is a 2 MiB -bios image, not a 64 MiB pflash image.
                args.push("-bios", options.firmware.code);
            } else {
                args.push(
                    "-drive",
                    `if=pflash,format=raw,unit=0,readonly=on,file=${qemuOptionValue(options.firmware.code)}`,
                );
                if (options.firmware.vars) {
                    args.push("-drive", `if=pflash,format=raw,unit=1,file=${qemuOptionValue(options.firmware.vars)}`);
                }
            }
        }
        args.push(
            "-blockdev",
            diskBlockdev(options.disk, options.diskFormat ?? "raw"),
            "-device",
            "virtio-blk-pci,drive=disk0,bootindex=0",
        );
    }
    const ports = options.ports ?? [];
    if (ports.length) {
        const forwards = ports
            .map((p) => `hostfwd=${p.protocol}:${p.hostAddress ?? "127.0.0.1"}:${p.host}-:${p.guest}`)
            .join(",");
        args.push("-netdev", `user,id=net0,${forwards}`, "-device", "virtio-net-pci,netdev=net0,romfile=");
    } else {
        args.push("-nic", "none");
    }
    return { command: arm ? "qemu-system-aarch64" : "qemu-system-x86_64", args };
}

/** Where Debian keeps UEFI firmware for each architecture. */
export const FIRMWARE_CANDIDATES: Readonly<Record<MachineArchitecture, readonly { code: string; vars?: string }[]>> = {
    x86_64: [
        { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" },
        { code: "/usr/share/OVMF/OVMF_CODE.fd", vars: "/usr/share/OVMF/OVMF_VARS.fd" },
        { code: "/usr/share/ovmf/OVMF.fd" },
    ],
    arm64: [{ code: "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd" }, { code: "/usr/share/AAVMF/AAVMF_CODE.fd" }],
};

/** Parses `8080:80`, `80`, `udp:5353:53` into a forward. */
export function parsePortForward(text: string): PortForward {
    const m = /^(?:(tcp|udp):)?(?:(\d{1,5}):)?(\d{1,5})$/.exec(text.trim());
    const host = m ? Number(m[2] ?? m[3]) : NaN;
    const guest = m ? Number(m[3]) : NaN;
    if (!m || host < 1 || host > 65535 || guest < 1 || guest > 65535) {
        throw new Error(`port "${text}" is not valid; expected GUEST, HOST:GUEST or udp:HOST:GUEST with ports 1-65535`);
    }
    return { protocol: (m[1] as Protocol | undefined) ?? "tcp", host, guest };
}
