/**
 * The external tools the package runs, with the oldest versions it was tested with here and how to
 * get them. Debian package names are given because the set-up script installs exactly these.
 */
import { ToolRequirement } from "./toolCheck";

const debian = (pkg: string, link: string) =>
    `Install it with \`apt-get install ${pkg}\` (Debian/Ubuntu) or see ${link}`;

export const QEMU_IMG: ToolRequirement = {
    command: "qemu-img",
    versionArgs: ["--version"],
    versionPattern: /qemu-img version (\d+\.\d+(?:\.\d+)?)/,
    minimum: "5.2",
    install: debian("qemu-utils", "https://www.qemu.org/download/"),
};
export const QEMU_X86_64: ToolRequirement = {
    command: "qemu-system-x86_64",
    versionArgs: ["--version"],
    versionPattern: /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/,
    minimum: "5.2",
    install: debian("qemu-system-x86", "https://www.qemu.org/download/"),
};
export const QEMU_AARCH64: ToolRequirement = {
    command: "qemu-system-aarch64",
    versionArgs: ["--version"],
    versionPattern: /QEMU emulator version (\d+\.\d+(?:\.\d+)?)/,
    minimum: "5.2",
    install: debian("qemu-system-arm", "https://www.qemu.org/download/"),
};
export const GRUB_MKIMAGE: ToolRequirement = {
    command: "grub-mkimage",
    versionArgs: ["--version"],
    versionPattern: /\(GRUB\) (\d+\.\d+(?:\.\d+)?)/,
    minimum: "2.04",
    install: debian("grub-common grub-pc-bin grub-efi-amd64-bin", "https://www.gnu.org/software/grub/"),
};
export const MTOOLS: ToolRequirement = {
    command: "mformat",
    versionArgs: ["--version"],
    versionPattern: /mtools\)? (\d+\.\d+(?:\.\d+)?)/,
    minimum: "4.0.20",
    install: debian("mtools", "https://www.gnu.org/software/mtools/"),
};
export const SFDISK: ToolRequirement = {
    command: "sfdisk",
    versionArgs: ["--version"],
    versionPattern: /util-linux (\d+\.\d+(?:\.\d+)?)/,
    minimum: "2.32",
    install: debian("fdisk", "https://github.com/util-linux/util-linux"),
};
export const GNU_TAR: ToolRequirement = {
    command: "tar",
    versionArgs: ["--version"],
    versionPattern: /\(GNU tar\) (\d+\.\d+(?:\.\d+)?)/,
    minimum: "1.28",
    install: debian("tar", "https://www.gnu.org/software/tar/ (GNU tar is needed for --format=gnu and sparse files)"),
};
export const GNU_MAKE: ToolRequirement = {
    command: "make",
    versionArgs: ["--version"],
    versionPattern: /GNU Make (\d+\.\d+(?:\.\d+)?)/,
    minimum: "4.0",
    install: debian("make", "https://www.gnu.org/software/make/"),
};
export const KRAFT: ToolRequirement = {
    command: "kraft",
    versionArgs: ["version"],
    versionPattern: /(?:kraft|version)\D*(\d+\.\d+\.\d+)/,
    minimum: "0.9.0",
    install:
        "Install KraftKit: see https://unikraft.org/docs/cli/install (Debian: the kraftkit package from the Unikraft apt repository)",
};
export const OPS: ToolRequirement = {
    command: "ops",
    versionArgs: ["version"],
    versionPattern: /[Oo]ps version:?\s*v?(\d+\.\d+\.\d+)/,
    minimum: "0.1.40",
    install:
        "Install ops: see https://docs.ops.city/ops/getting_started (or build it with `go install github.com/nanovms/ops@latest`)",
};
export const SKOPEO: ToolRequirement = {
    command: "skopeo",
    versionArgs: ["--version"],
    versionPattern: /skopeo version (\d+\.\d+\.\d+)/,
    // --preserve-digests (a manifest reaches the registry byte for byte) arrived in 1.6.
    minimum: "1.6.0",
    install: debian("skopeo", "https://github.com/containers/skopeo/blob/main/install.md"),
};
export const STRACE: ToolRequirement = {
    command: "strace",
    versionArgs: ["-V"],
    versionPattern: /strace -- version (\d+\.\d+(?:\.\d+)?)/,
    minimum: "5.10",
    install: debian("strace", "https://strace.io/"),
};
