/**
 * Disk formats clouds import: raw, qcow2, vmdk (streamOptimized, what EC2 ImportSnapshot takes), vhd
 * (fixed, 1 MiB aligned, as Azure and EC2 want it) and the GCE archive (a file named `disk.raw` in a
 * GNU-format gzip tar, sparse-aware, a whole number of GiB). Conversion is qemu-img and GNU tar;
 * every result is checked after it is written, and its digest recorded.
 *
 * A disk that is not a whole number of MiB (VHD) or GiB (GCE) is padded with zeros at the end, as
 * Azure's and GCE's import rules ask, with a note in the result; a GPT's backup header moves to the
 * new end. The result is checked (in process, reading only its headers and tables) while it is
 * hashed, so a conversion costs about the tool plus one read of what it wrote.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { StepFailure } from "../model";
import { runTool } from "../internal/exec";
import { withWorkDir, writeAtomically } from "../internal/files";
import { sha256File } from "../internal/hashing";
import { DiskFormat, InputDiskFormat } from "../model";
import { readGceArchive } from "./gceArchive";
import { OpenDisk, inspectDisk, withInspectedDisk } from "./inspectDisk";

/** What a conversion produced and how it was checked. */
export interface ConvertResult {
    path: string;
    format: DiskFormat;
    sha256: string;
    /** Size of the file on disk. */
    sizeBytes: number;
    /** Size of the disk it holds. */
    virtualSizeBytes: number;
    /** The checks that passed, in words (`qemu-img check: no errors`, `tar lists only disk.raw`). */
    checks: string[];
    /** What was changed on the way, in words (`padded from ... to ... bytes: ...`); absent when nothing was. */
    notes?: string[];
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** qemu-img's name for each format it writes. */
const QEMU_FORMAT: Readonly<Record<Exclude<DiskFormat, "gce">, string>> = {
    raw: "raw",
    qcow2: "qcow2",
    vmdk: "vmdk",
    vhd: "vpc",
};

/** Reads a disk's format and virtual size from its content (never its name), after every check of {@link inspectDisk}. */
export async function detectDiskFormat(file: string): Promise<{ format: InputDiskFormat; virtualSizeBytes: number }> {
    const disk = await inspectDisk(file);
    return { format: disk.format, virtualSizeBytes: disk.virtualSizeBytes };
}

/**
 * Converts a disk into `format` at `out`, checks the result, and returns its digest. The input is
 * inspected first (no backing files, no external extents, not cut short); the result is checked and
 * hashed before it is renamed into place, so the digest reported is the digest of what was written.
 */
export async function convertDisk(input: string, format: DiskFormat, out: string): Promise<ConvertResult> {
    return withInspectedDisk(input, async (source) => {
        const padding = paddingOf(format, source.virtualSizeBytes);
        if (format === "gce") {
            return makeGceArchive(source, out, padding);
        }
        if (padding) {
            return withWorkDir("pad", async (work) => {
                const raw = await paddedRawCopy(source, work, padding.sizeBytes);
                return writeConverted({ toolPath: raw, qemuFormat: "raw" }, format, out, padding);
            });
        }
        return writeConverted(source, format, out, undefined);
    });
}

/** How a disk grows to the size a format must have: a fixed VHD whole MiB, a GCE disk whole GiB. */
interface Padding {
    sizeBytes: number;
    note: string;
}

function paddingOf(format: DiskFormat, virtualSizeBytes: number): Padding | undefined {
    const unit = format === "vhd" ? MIB : format === "gce" ? GIB : undefined;
    if (unit === undefined || virtualSizeBytes % unit === 0) return undefined;
    const sizeBytes = Math.ceil(virtualSizeBytes / unit) * unit;
    const rule =
        format === "vhd"
            ? "a fixed VHD must be a whole number of MiB (Azure's rule)"
            : "a GCE image must be a whole number of GiB";
    return {
        sizeBytes,
        note: `padded from ${virtualSizeBytes} to ${sizeBytes} bytes with zeros at the end: ${rule}`,
    };
}

/**
 * A sparse raw copy of `source` in `work` (its data read, its runs of zeros left as holes), grown to
 * `sizeBytes`; a GPT's backup header (which must be the last sector) is moved to the new end.
 * A raw source is copied by `cp --sparse=always`, which starts faster than qemu-img and does the same.
 */
async function paddedRawCopy(source: OpenDisk, work: string, sizeBytes: number): Promise<string> {
    const raw = path.join(work, "disk.raw");
    // Through the descriptor that was checked, never by its name again.
    if (source.format === "raw") {
        await runTool("cp", ["--sparse=always", source.toolPath, raw], { inheritFd: source.fd });
    } else {
        await runTool("qemu-img", ["convert", "-f", source.qemuFormat, "-O", "raw", source.toolPath, raw], {
            inheritFd: source.fd,
        });
    }
    if (sizeBytes !== source.virtualSizeBytes) {
        await fs.truncate(raw, sizeBytes);
        if (await hasGpt(raw)) {
            await runTool("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", "--relocate", "gpt-bak-std", raw]);
        }
    }
    return raw;
}

/** Converts with qemu-img into `out`, then checks and hashes the result at once before it is renamed into place. */
async function writeConverted(
    source: { toolPath: string; qemuFormat: string; fd?: number; virtualSizeBytes?: number },
    format: Exclude<DiskFormat, "gce">,
    out: string,
    padding: Padding | undefined,
): Promise<ConvertResult> {
    const options =
        format === "vmdk"
            ? ["-o", "subformat=streamOptimized"]
            : format === "vhd"
              ? ["-o", "subformat=fixed,force_size=on"]
              : [];
    const virtualSizeBytes = padding?.sizeBytes ?? source.virtualSizeBytes!;
    return writeAtomically(out, async (temp) => {
        // The source through the descriptor that was checked, never by its name again.
        await runTool(
            "qemu-img",
            ["convert", "-f", source.qemuFormat, "-O", QEMU_FORMAT[format], ...options, source.toolPath, temp],
            source.fd === undefined ? {} : { inheritFd: source.fd },
        );
        const [checks, sha256] = await Promise.all([verifyImage(temp, format, virtualSizeBytes), sha256File(temp)]);
        return {
            path: path.resolve(out),
            format,
            sha256,
            sizeBytes: (await fs.stat(temp)).size,
            virtualSizeBytes,
            checks,
            ...(padding ? { notes: [padding.note] } : {}),
        };
    });
}

/** Checks a converted image: what {@link inspectDisk} checks, the format asked for, and the virtual size. */
async function verifyImage(
    file: string,
    format: Exclude<DiskFormat, "gce">,
    virtualSizeBytes: number,
): Promise<string[]> {
    const result = await inspectDisk(file, { justWritten: true }).catch((error: Error) => {
        throw new StepFailure(`the ${format} image just written fails its check: ${error.message}`);
    });
    if (result.format !== format) {
        throw new StepFailure(`the image just written reads as ${result.format}, not ${format}`);
    }
    if (result.virtualSizeBytes !== virtualSizeBytes) {
        throw new StepFailure(
            `the image just written holds ${result.virtualSizeBytes} bytes, not the ${virtualSizeBytes} of its source`,
        );
    }
    const checks = [...result.checks, `virtual size ${virtualSizeBytes} bytes`];
    if (format === "vmdk") {
        if (result.vmdkCreateType !== "streamOptimized")
            throw new StepFailure(`the VMDK just written is ${String(result.vmdkCreateType)}, not streamOptimized`);
        checks.push("streamOptimized VMDK");
    }
    if (format === "vhd" && (result.fileSizeBytes - 512) % MIB !== 0) {
        throw new StepFailure(
            `the VHD just written holds ${result.fileSizeBytes - 512} bytes of data, not a whole number of MiB`,
        );
    }
    return checks;
}

/**
 * The GCE image archive (./gceArchive.ts), from a sparse raw copy: qemu-img reads only the source's
 * data and leaves its runs of zeros as holes (as `cp --sparse=always` does), so tar stores only data.
 */
async function makeGceArchive(source: OpenDisk, out: string, padding: Padding | undefined): Promise<ConvertResult> {
    return withWorkDir("gce", async (work) => {
        const size = padding?.sizeBytes ?? source.virtualSizeBytes;
        await paddedRawCopy(source, work, size);
        return writeAtomically(out, async (temp) => {
            await runTool("tar", ["--force-local", "--format=gnu", "--sparse", "-czf", temp, "-C", work, "disk.raw"]);
            const archive = await readGceArchive(temp);
            return {
                path: path.resolve(out),
                format: "gce" as const,
                sha256: archive.sha256,
                sizeBytes: (await fs.stat(temp)).size,
                virtualSizeBytes: size,
                checks: archive.checks,
                ...(padding ? { notes: [padding.note] } : {}),
            };
        });
    });
}

async function hasGpt(file: string): Promise<boolean> {
    const handle = await fs.open(file, "r");
    try {
        const header = Buffer.alloc(8);
        await handle.read(header, 0, 8, 512);
        return header.toString("latin1") === "EFI PART";
    } finally {
        await handle.close();
    }
}
