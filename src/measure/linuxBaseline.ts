/**
 * The Linux baseline for benchmarks: the smallest honest Linux VM, made from Debian's own packages.
 * The kernel is Debian's cloud kernel (linux-image-cloud-amd64: a serial console built in, virtio as
 * modules), the userland one static busybox in an initramfs whose /init prints a line and powers
 * off; with "stay" on the command line it stays up idle like a service, with "serve" it also serves
 * HTTP on port 80 over virtio-net. Both .debs
 * come from the machine's apt sources (`apt-get download`, no root, no install) and are unpacked
 * into the cache, so a second use downloads nothing.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { StepFailure } from "../model";
import { privateCacheDir } from "../internal/cacheDir";
import { runTool } from "../internal/exec";
import { exists, writeAtomically } from "../internal/files";
import { shellCommand } from "../internal/shellQuote";

/** What boots the baseline. */
export interface LinuxBaseline {
    kernel: string;
    initrd: string;
    /** Kernel command line: serial console, quiet, no reboot on panic; add "stay" to keep it up. */
    cmdline: string;
    /** The line /init prints: the baseline's "ready". */
    readyLine: string;
    /** Debian package versions used, for the report. */
    versions: { kernel: string; busybox: string };
}

export const LINUX_READY_LINE = "Hello from the Linux baseline";

/** virtio-net and what it needs, in load order (the cloud kernel builds them as modules). */
const NET_MODULES = [
    "kernel/net/core/failover.ko",
    "kernel/drivers/net/net_failover.ko",
    "kernel/drivers/virtio/virtio_ring.ko",
    "kernel/drivers/virtio/virtio.ko",
    "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
    "kernel/drivers/virtio/virtio_pci_modern_dev.ko",
    "kernel/drivers/virtio/virtio_pci.ko",
    "kernel/drivers/net/virtio_net.ko",
];

// /init: mount what busybox needs, print the line, then power off; "stay" keeps it up idle, and
// "serve" also brings up virtio-net (QEMU user networking's 10.0.2.15) and serves HTTP on port 80
// with busybox httpd before printing the line: a guest whose port really answers.
const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
for word in $(/bin/busybox cat /proc/cmdline); do
  if [ "$word" = serve ]; then
    for m in /modules/*.ko; do /bin/busybox insmod "$m"; done
    /bin/busybox ip link set lo up
    /bin/busybox ip link set eth0 up
    /bin/busybox ip addr add 10.0.2.15/24 dev eth0
    /bin/busybox mkdir -p /www
    /bin/busybox echo "served by the Linux baseline" > /www/index.html
    /bin/busybox httpd -p 80 -h /www
  fi
done
/bin/busybox echo "${LINUX_READY_LINE}"
for word in $(/bin/busybox cat /proc/cmdline); do
  if [ "$word" = stay ] || [ "$word" = serve ]; then
    /bin/busybox echo "staying up"
    while true; do /bin/busybox sleep 3600; done
  fi
done
/bin/busybox poweroff -f
`;

/** Makes (or finds in the cache) the Linux baseline for x86_64. */
export async function linuxBaseline(log: (line: string) => void = () => undefined): Promise<LinuxBaseline> {
    const dir = await privateCacheDir("linux-baseline");
    // The manifest's name changes with what the initramfs holds, so an older cache is rebuilt.
    const manifest = path.join(dir, "baseline-v3.json");
    const cached = await fs.readFile(manifest, "utf8").then(
        (t) => JSON.parse(t) as LinuxBaseline,
        () => undefined,
    );
    if (cached && (await exists(cached.kernel)) && (await exists(cached.initrd))) {
        return cached;
    }
    const work = await fs.mkdtemp(path.join(dir, "work-"));
    try {
        // The metapackage names the current kernel package; download that one.
        const depends = await runTool("apt-cache", ["depends", "linux-image-cloud-amd64"]);
        const kernelPackage = /Depends:\s*(linux-image-[0-9][^\s]*-cloud-amd64)/.exec(depends.stdout)?.[1];
        if (!kernelPackage) {
            throw new StepFailure(
                "apt-cache knows no linux-image-cloud-amd64 here: run `apt-get update` (Debian's main archive is needed)",
            );
        }
        log(`downloading ${kernelPackage} and busybox-static from the apt sources`);
        await runTool("apt-get", ["download", "-q", kernelPackage, "busybox-static"], { cwd: work });
        const debs = await fs.readdir(work);
        const kernelDeb = debs.find((f) => f.startsWith(`${kernelPackage}_`));
        const busyboxDeb = debs.find((f) => f.startsWith("busybox-static_"));
        if (!kernelDeb || !busyboxDeb) {
            throw new StepFailure(
                `apt-get download gave ${debs.join(", ") || "nothing"}; expected ${kernelPackage} and busybox-static`,
            );
        }
        for (const deb of [kernelDeb, busyboxDeb]) {
            await runTool("dpkg-deb", ["-x", deb, "root"], { cwd: work });
        }
        const boot = path.join(work, "root", "boot");
        const vmlinuz = (await fs.readdir(boot)).find((f) => f.startsWith("vmlinuz-"));
        if (!vmlinuz) throw new StepFailure(`${kernelDeb} has no /boot/vmlinuz-*`);
        const kernel = path.join(dir, "vmlinuz");
        await fs.copyFile(path.join(boot, vmlinuz), kernel);
        const initrd = path.join(dir, "initramfs.cpio");
        const modules = path.join(
            work,
            "root",
            "lib",
            "modules",
            (await fs.readdir(path.join(work, "root", "lib", "modules")))[0],
        );
        await makeInitramfs(
            path.join(work, "root", "bin", "busybox"),
            NET_MODULES.map((m) => path.join(modules, m)),
            path.join(work, "initramfs"),
            initrd,
        );
        const version = (deb: string) => decodeURIComponent(deb.split("_")[1] ?? "unknown");
        const baseline: LinuxBaseline = {
            kernel,
            initrd,
            cmdline: "console=ttyS0 quiet panic=-1",
            readyLine: LINUX_READY_LINE,
            versions: {
                kernel: `${kernelPackage} ${version(kernelDeb)}`,
                busybox: `busybox-static ${version(busyboxDeb)}`,
            },
        };
        await writeAtomically(manifest, (tmp) => fs.writeFile(tmp, `${JSON.stringify(baseline, null, 2)}\n`));
        return baseline;
    } finally {
        await fs.rm(work, { recursive: true, force: true });
    }
}

/** An uncompressed newc cpio with /init, /bin/busybox, the network modules, and the directories /init uses. */
async function makeInitramfs(busybox: string, modules: string[], tree: string, out: string): Promise<void> {
    for (const d of ["bin", "proc", "sys", "dev", "tmp", "modules"])
        await fs.mkdir(path.join(tree, d), { recursive: true });
    await fs.copyFile(busybox, path.join(tree, "bin", "busybox"));
    await fs.chmod(path.join(tree, "bin", "busybox"), 0o755);
    await fs.writeFile(path.join(tree, "init"), INIT, { mode: 0o755 });
    // Numbered, so the shell glob in /init loads them in dependency order.
    const names = await Promise.all(
        modules.map(async (m, i) => {
            const name = `${String(i).padStart(2, "0")}-${path.basename(m)}`;
            await fs.copyFile(m, path.join(tree, "modules", name));
            return `modules/${name}`;
        }),
    );
    const files = ["init", "bin", "bin/busybox", "proc", "sys", "dev", "tmp", "modules", ...names];
    // cpio reads the file list on stdin; --owner keeps root-owned entries whoever runs it.
    await writeAtomically(out, (tmp) =>
        runTool(
            "sh",
            ["-c", `printf '%s\\n' ${files.join(" ")} | cpio --quiet -o -H newc --owner=0:0 > ${shellCommand([tmp])}`],
            { cwd: tree },
        ),
    );
}
