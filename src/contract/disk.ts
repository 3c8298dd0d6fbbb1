/** `unikernel disk`: a kernel to a bootable raw disk. */
import { BootMode, KernelFamily, MachineArchitecture, Target, targetId } from "../model";
import type { DiskResult } from "../disk/bootableDisk";
import { parseResult } from "./command";

/** What a component asks `disk` for. */
export interface DiskCommand {
    kernel: string;
    initrd?: string;
    cmdline: string;
    boot: BootMode;
    architecture: MachineArchitecture;
    sizeGiB?: number;
    /** What the kernel was built for, checked against the compatibility table with `family`. */
    target: Target;
    family: KernelFamily;
    out: string;
}

/** The argv of `unikernel disk`, ending in `--json`. */
export function diskArgv(c: DiskCommand): string[] {
    return [
        "disk",
        "--kernel",
        c.kernel,
        ...(c.initrd ? ["--initrd", c.initrd] : []),
        "--cmdline",
        c.cmdline,
        "--boot",
        c.boot,
        "--arch",
        c.architecture,
        ...(c.sizeGiB ? ["--size", String(c.sizeGiB)] : []),
        "--target",
        targetId(c.target),
        "--family",
        c.family,
        "--out",
        c.out,
        "--json",
    ];
}

/** What `disk --json` prints and a component reads (the CLI prints the whole {@link DiskResult}). */
export type DiskCommandResult = Pick<DiskResult, "path" | "sha256" | "sizeBytes">;

/** Parses `disk --json` output. */
export function parseDiskResult(stdout: string): DiskCommandResult {
    return parseResult<DiskCommandResult>("disk", stdout, { path: "string", sha256: "string", sizeBytes: "number" });
}
