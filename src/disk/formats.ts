/**
 * Disk formats clouds import: raw, qcow2, vmdk (streamOptimized, what EC2 ImportSnapshot takes), vhd
 * (fixed, 1 MiB aligned, as Azure and EC2 want it) and the GCE archive (a file named `disk.raw` in a
 * GNU-format gzip tar, sparse-aware, a whole number of GiB). Conversion is qemu-img and GNU tar;
 * every result is checked after it is written, and its digest recorded.
 */
import { createReadStream, promises as fs } from "fs";
import * as path from "path";
import { createGunzip } from "zlib";
import { StepFailure } from "../model";
import { runTool } from "../internal/exec";
import { withWorkDir, writeAtomically } from "../internal/files";
import { sha256File } from "../internal/hashing";
import { DiskInputError } from "./diskInputError";
import { DiskFormat, InputDiskFormat } from "../model";
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
        if (format === "gce") {
            return makeGceArchive(source, out);
        }
        if (format === "vhd" && source.virtualSizeBytes % MIB !== 0) {
            throw new DiskInputError(
                `a fixed VHD must be a whole number of MiB, and ${input} is ${source.virtualSizeBytes} bytes; resize it first`,
            );
        }
        const options =
            format === "vmdk"
                ? ["-o", "subformat=streamOptimized"]
                : format === "vhd"
                  ? ["-o", "subformat=fixed,force_size=on"]
                  : [];
        return writeAtomically(out, async (temp) => {
            // The source through the descriptor that was checked, never by its name again.
            await runTool(
                "qemu-img",
                ["convert", "-f", source.qemuFormat, "-O", QEMU_FORMAT[format], ...options, source.toolPath, temp],
                { inheritFd: source.fd },
            );
            const checks = await verifyImage(temp, format, source.virtualSizeBytes);
            return {
                path: path.resolve(out),
                format,
                sha256: await sha256File(temp),
                sizeBytes: (await fs.stat(temp)).size,
                virtualSizeBytes: source.virtualSizeBytes,
                checks,
            };
        });
    });
}

/** Checks a converted image: what {@link inspectDisk} checks, the format asked for, and the virtual size. */
async function verifyImage(
    file: string,
    format: Exclude<DiskFormat, "gce">,
    virtualSizeBytes: number,
): Promise<string[]> {
    const result = await inspectDisk(file).catch((error: Error) => {
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
        const { stdout } = await runTool("qemu-img", ["info", "--output=json", "-f", "vmdk", file]);
        const createType = (JSON.parse(stdout) as { "format-specific"?: { data?: Record<string, unknown> } })[
            "format-specific"
        ]?.data?.["create-type"];
        if (createType !== "streamOptimized")
            throw new StepFailure(`the VMDK just written is ${String(createType)}, not streamOptimized`);
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
 * The GCE image archive: `disk.raw` (a sparse copy, padded to a whole number of GiB, its backup GPT
 * moved to the new end) in a GNU-format gzip tar.
 */
async function makeGceArchive(source: OpenDisk, out: string): Promise<ConvertResult> {
    return withWorkDir("gce", async (work) => {
        const raw = path.join(work, "disk.raw");
        await runTool("qemu-img", ["convert", "-f", source.qemuFormat, "-O", "raw", source.toolPath, raw], {
            inheritFd: source.fd,
        });
        const size = Math.ceil(source.virtualSizeBytes / GIB) * GIB;
        if (size !== source.virtualSizeBytes) {
            await fs.truncate(raw, size);
            if (await hasGpt(raw)) {
                await runTool("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", "--relocate", "gpt-bak-std", raw]);
            }
        }
        return writeAtomically(out, async (temp) => {
            await runTool("tar", ["--force-local", "--format=gnu", "--sparse", "-czf", temp, "-C", work, "disk.raw"]);
            const checks = await verifyGceArchive(temp);
            return {
                path: path.resolve(out),
                format: "gce" as const,
                sha256: await sha256File(temp),
                sizeBytes: (await fs.stat(temp)).size,
                virtualSizeBytes: size,
                checks,
            };
        });
    });
}

/** Lists the archive: exactly `disk.raw`, a whole number of GiB, in a GNU-format header. */
export async function verifyGceArchive(file: string): Promise<string[]> {
    const { stdout } = await runTool("tar", [
        "--force-local",
        "--list",
        "--verbose",
        "--gzip",
        "--file",
        path.resolve(file),
    ]);
    const entries = stdout.trim().split("\n").filter(Boolean);
    const names = entries.map((line) => line.split(/\s+/).pop());
    if (entries.length !== 1 || names[0] !== "disk.raw") {
        throw new StepFailure(`${file} must hold exactly disk.raw; it holds ${names.join(", ") || "nothing"}`);
    }
    const size = Number(entries[0].split(/\s+/)[2]);
    if (!Number.isInteger(size) || size % GIB !== 0) {
        throw new StepFailure(`disk.raw in ${file} is ${entries[0].split(/\s+/)[2]} bytes, not a whole number of GiB`);
    }
    const header = await firstGunzippedBytes(file, 512);
    const magic = header.toString("latin1", 257, 265);
    if (magic !== "ustar  \0") {
        throw new StepFailure(`${file} is not a GNU-format tar (header magic ${JSON.stringify(magic)})`);
    }
    return ["tar lists only disk.raw", `disk.raw is ${size / GIB} GiB`, "GNU tar format"];
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

function firstGunzippedBytes(file: string, count: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let total = 0;
        const stream = createReadStream(file).pipe(createGunzip());
        stream.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            total += chunk.length;
            if (total >= count) {
                stream.destroy();
                resolve(Buffer.concat(chunks).subarray(0, count));
            }
        });
        stream.on("error", reject);
        stream.on("end", () => resolve(Buffer.concat(chunks).subarray(0, count)));
    });
}
