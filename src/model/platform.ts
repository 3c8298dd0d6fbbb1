/**
 * Unikraft platforms and the one table of their aliases.
 *
 * Aliases are resolved here, once; code after parsing sees canonical names only
 * (as kraftkit does in machine/platform/platform.go).
 */
import { Parsed, describeValue, fail, ok, oneOf } from "./problem";

/** A Unikraft platform (the `plat` half of a target). Canonical names only. */
export type Platform = "qemu" | "fc" | "xen";

/** Every canonical platform, in the order messages list them. */
export const PLATFORMS: readonly Platform[] = ["qemu", "fc", "xen"];

/**
 * Every accepted spelling and what it means. `kvm` is Unikraft's historic name for the QEMU/KVM
 * platform (kraft still writes kernels as `<name>_qemu-<arch>` for it); `firecracker` is the long
 * name of `fc`.
 */
const PLATFORM_ALIASES: ReadonlyMap<string, Platform> = new Map<string, Platform>([
    ["qemu", "qemu"],
    ["kvm", "qemu"],
    ["fc", "fc"],
    ["firecracker", "fc"],
    ["xen", "xen"],
]);

/** Platforms that existed once and are gone, with the reason and the way forward. */
const REMOVED_PLATFORMS: ReadonlyMap<string, string> = new Map([
    ["linuxu", "linuxu was removed from Unikraft core in 0.17; build for qemu and run it under QEMU instead"],
]);

/** Parses a platform name or alias into its canonical name. */
export function parsePlatform(value: unknown, path: string): Parsed<Platform> {
    if (typeof value === "string") {
        const canonical = PLATFORM_ALIASES.get(value);
        if (canonical) {
            return ok(canonical);
        }
        const removed = REMOVED_PLATFORMS.get(value);
        if (removed) {
            return fail({ path, message: `got "${value}": ${removed}` });
        }
    }
    return fail({
        path,
        message: `got ${describeValue(value)}; expected ${oneOf(PLATFORMS)} (aliases: kvm for qemu, firecracker for fc)`,
    });
}
