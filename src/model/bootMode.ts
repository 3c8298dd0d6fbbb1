/**
 * The machines the package boots (x86_64 and arm64) and the firmware they boot with: the one place
 * of the rule "BIOS by default on x86_64; UEFI on arm64, which has no BIOS".
 */
import { Parsed, describeValue, fail, ok, oneOf } from "./problem";

/** Firmware a bootable disk is made for. */
export type BootMode = "bios" | "uefi";

/** Every boot mode, in the order messages list them. */
export const BOOT_MODES: readonly BootMode[] = ["bios", "uefi"];

/**
 * An architecture something is booted on here: a disk, a QEMU run, a private host, a cloud image.
 * (`arm`, a Unikraft target architecture, is built but never booted by this package.)
 */
export type MachineArchitecture = "x86_64" | "arm64";

/** Every machine architecture, in the order messages list them. */
export const MACHINE_ARCHITECTURES: readonly MachineArchitecture[] = ["x86_64", "arm64"];

/** True for the architectures this package boots. */
export function isMachineArchitecture(value: unknown): value is MachineArchitecture {
    return MACHINE_ARCHITECTURES.some((a) => a === value);
}

/** Parses a machine architecture (canonical names only: the component enums and CLI choices give these). */
export function parseMachineArchitecture(value: unknown, path: string): Parsed<MachineArchitecture> {
    return isMachineArchitecture(value)
        ? ok(value)
        : fail({ path, message: `got ${describeValue(value)}; expected ${oneOf(MACHINE_ARCHITECTURES)}` });
}

/** The boot mode an architecture gets when none is asked for: BIOS on x86_64, UEFI on arm64. */
export function defaultBootMode(architecture: MachineArchitecture): BootMode {
    return architecture === "arm64" ? "uefi" : "bios";
}

/**
 * Resolves the boot mode: the one asked for, else the architecture's default; arm64 with BIOS is a
 * problem at `path` (arm64 machines and clouds have UEFI only). `armReason` says why for what is
 * being made ("arm64 AMIs (Graviton) boot UEFI only; ...").
 */
export function resolveBootMode(
    architecture: MachineArchitecture,
    requested: unknown,
    path = "bootMode",
    armReason = "arm64 boots by UEFI only; use uefi",
): Parsed<BootMode> {
    if (requested === undefined || requested === null) return ok(defaultBootMode(architecture));
    if (!BOOT_MODES.some((m) => m === requested)) {
        return fail({ path, message: `got ${describeValue(requested)}; expected ${oneOf(BOOT_MODES)}` });
    }
    const mode = requested as BootMode;
    if (architecture === "arm64" && mode === "bios") return fail({ path, message: `is bios, but ${armReason}` });
    return ok(mode);
}
