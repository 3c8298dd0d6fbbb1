/**
 * The image a service runs, as LocalService and PrivateHostService both take it: exactly one of
 * `diskPath` (booted through its firmware) and `kernelPath` (booted directly), and the `digest`
 * that names it. One reader, so both components say the same thing about the same mistake.
 */
import { Problem, checkSafeText } from "../model";

/** The image inputs, unwrapped. */
export interface BootImageInput {
    diskPath?: string;
    kernelPath?: string;
    cmdline?: string;
    digest?: string;
}

/** The image, checked. */
export interface BootImage {
    kind: "disk" | "kernel";
    path: string;
    digest: string;
    cmdline?: string;
}

/** Digests name files and trigger replacements: what UnikernelImage.digest gives (sha256:<hex>) and similar ids. */
const DIGEST = /^[A-Za-z0-9:._-]{1,128}$/;

/**
 * Checks the image inputs; `where` says what the paths are written into (QEMU's options, a copy
 * command), for the message when one cannot be written there safely.
 */
export function checkBootImage(args: BootImageInput, where: string, problems: Problem[]): BootImage | undefined {
    const before = problems.length;
    if (Boolean(args.diskPath) === Boolean(args.kernelPath)) {
        problems.push({
            path: args.diskPath ? "kernelPath" : "diskPath",
            message:
                "set exactly one of `diskPath` and `kernelPath`: the disk to boot through its firmware (UnikernelImage.diskPath), or the kernel to boot directly (UnikernelImage.kernelPath)",
        });
    }
    for (const [key, into] of [
        ["diskPath", where],
        ["kernelPath", where],
        ["cmdline", "a kernel command line"],
    ] as const) {
        const value = args[key];
        const problem = typeof value === "string" ? checkSafeText(value, key, into) : undefined;
        if (problem) problems.push(problem);
    }
    if (!args.digest) {
        problems.push({
            path: "digest",
            message:
                "missing; give the image's digest (UnikernelImage.digest), so a new image replaces the running one",
        });
    } else if (!DIGEST.test(args.digest)) {
        problems.push({
            path: "digest",
            message: `got ${JSON.stringify(String(args.digest).slice(0, 80))}; expected a digest such as UnikernelImage.digest (letters, digits, ":", ".", "_", "-"; at most 128)`,
        });
    }
    if (problems.length > before) return undefined;
    const kind = args.kernelPath ? "kernel" : "disk";
    return {
        kind,
        path: (args.kernelPath ?? args.diskPath) as string,
        digest: args.digest as string,
        cmdline: args.cmdline,
    };
}
