/**
 * The Linux baseline for benchmarks: the smallest honest Linux VM, made from Debian's own packages.
 * The kernel is Debian's cloud kernel (linux-image-cloud-amd64: virtio and a serial console, no
 * initrd needed for them), the userland one static busybox in an initramfs whose /init prints a
 * line and powers off, or, with "stay" on the command line, stays up idle like a service. Both .debs
 * come from the machine's apt sources (`apt-get download`, no root, no install) and are unpacked
 * into the cache, so a second use downloads nothing.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { cacheRoot } from "../internal/cacheDir";
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

// /init: mount what busybox needs, print the line, then power off, or stay up when asked.
const INIT = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "${LINUX_READY_LINE}"
for word in $(/bin/busybox cat /proc/cmdline); do
  if [ "$word" = stay ]; then
    /bin/busybox echo "staying up"
    while true; do /bin/busybox sleep 3600; done
  fi
done
/bin/busybox poweroff -f
`;

/** Makes (or finds in the cache) the Linux baseline for x86_64. */
export async function linuxBaseline(log: (line: string) => void = () => undefined): Promise<LinuxBaseline> {
    const dir = path.join(cacheRoot(), "linux-baseline");
    const manifest = path.join(dir, "baseline.json");
    const cached = await fs.readFile(manifest, "utf8").then((t) => JSON.parse(t) as LinuxBaseline, () => undefined);
    if (cached && (await exists(cached.kernel)) && (await exists(cached.initrd))) {
        return cached;
    }
    await fs.mkdir(dir, { recursive: true });
    const work = await fs.mkdtemp(path.join(dir, "work-"));
    try {
        // The metapackage names the current kernel package; download that one.
        const depends = await runTool("apt-cache", ["depends", "linux-image-cloud-amd64"]);
        const kernelPackage = /Depends:\s*(linux-image-[0-9][^\s]*-cloud-amd64)/.exec(depends.stdout)?.[1];
        if (!kernelPackage) {
            throw new Error("apt-cache knows no linux-image-cloud-amd64 here: run `apt-get update` (Debian's main archive is needed)");
        }
        log(`downloading ${kernelPackage} and busybox-static from the apt sources`);
        await runTool("apt-get", ["download", "-q", kernelPackage, "busybox-static"], { cwd: work });
        const debs = await fs.readdir(work);
        const kernelDeb = debs.find((f) => f.startsWith(`${kernelPackage}_`));
        const busyboxDeb = debs.find((f) => f.startsWith("busybox-static_"));
        if (!kernelDeb || !busyboxDeb) {
            throw new Error(`apt-get download gave ${debs.join(", ") || "nothing"}; expected ${kernelPackage} and busybox-static`);
        }
        for (const deb of [kernelDeb, busyboxDeb]) {
            await runTool("dpkg-deb", ["-x", deb, "root"], { cwd: work });
        }
        const boot = path.join(work, "root", "boot");
        const vmlinuz = (await fs.readdir(boot)).find((f) => f.startsWith("vmlinuz-"));
        if (!vmlinuz) throw new Error(`${kernelDeb} has no /boot/vmlinuz-*`);
        const kernel = path.join(dir, "vmlinuz");
        await fs.copyFile(path.join(boot, vmlinuz), kernel);
        const initrd = path.join(dir, "initramfs.cpio");
        await makeInitramfs(path.join(work, "root", "bin", "busybox"), path.join(work, "initramfs"), initrd);
        const version = (deb: string) => decodeURIComponent(deb.split("_")[1] ?? "unknown");
        const baseline: LinuxBaseline = {
            kernel, initrd, cmdline: "console=ttyS0 quiet panic=-1", readyLine: LINUX_READY_LINE,
            versions: { kernel: `${kernelPackage} ${version(kernelDeb)}`, busybox: `busybox-static ${version(busyboxDeb)}` },
        };
        await writeAtomically(manifest, (tmp) => fs.writeFile(tmp, `${JSON.stringify(baseline, null, 2)}\n`));
        return baseline;
    } finally {
        await fs.rm(work, { recursive: true, force: true });
    }
}

/** An uncompressed newc cpio with /init, /bin/busybox and the directories /init mounts on. */
async function makeInitramfs(busybox: string, tree: string, out: string): Promise<void> {
    for (const d of ["bin", "proc", "sys", "dev", "tmp"]) await fs.mkdir(path.join(tree, d), { recursive: true });
    await fs.copyFile(busybox, path.join(tree, "bin", "busybox"));
    await fs.chmod(path.join(tree, "bin", "busybox"), 0o755);
    await fs.writeFile(path.join(tree, "init"), INIT, { mode: 0o755 });
    const files = ["init", "bin", "bin/busybox", "proc", "sys", "dev", "tmp"];
    // cpio reads the file list on stdin; --owner keeps root-owned entries whoever runs it.
    await writeAtomically(out, (tmp) => runTool("sh", ["-c", `printf '%s\\n' ${files.join(" ")} | cpio --quiet -o -H newc --owner=0:0 > ${shellCommand([tmp])}`], { cwd: tree }));
}
