/** Disk image formats: what the package reads, and what it writes for clouds and hypervisors. */
import { Parsed, describeValue, fail, ok, oneOf } from "./problem";

/**
 * A format the package writes: raw, qcow2, vmdk (streamOptimized, what EC2 imports), vhd (fixed,
 * what Azure and Hyper-V take) or gce (`disk.raw` in a gzip tar, what GCE imports).
 */
export type DiskFormat = "raw" | "qcow2" | "vmdk" | "vhd" | "gce";

/** Every output format, in the order messages list them. */
export const DISK_FORMATS: readonly DiskFormat[] = ["raw", "qcow2", "vmdk", "vhd", "gce"];

/** A format the package reads a disk in (its header says which; never its name). */
export type InputDiskFormat = Exclude<DiskFormat, "gce">;

/** Parses an output format name. */
export function parseDiskFormat(value: unknown, path: string): Parsed<DiskFormat> {
    const found = DISK_FORMATS.find((f) => f === value);
    return found ? ok(found) : fail({ path, message: `got ${describeValue(value)}; expected ${oneOf(DISK_FORMATS)}` });
}
