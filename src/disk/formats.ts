/**
 * Disk formats clouds import: raw, qcow2, vmdk (streamOptimized, what EC2 ImportSnapshot takes), vhd
 * (fixed, 1 MiB aligned, as Azure and EC2 want it) and the GCE archive (a file named `disk.raw` in a
 * GNU-format gzip tar, sparse-aware, a whole number of GiB). Conversion is qemu-img and GNU tar;
 * every result is checked after it is written, and its digest recorded.
 */
import { createReadStream, promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { createGunzip } from "zlib";
import { runTool } from "../internal/exec";
import { writeAtomically } from "../internal/files";
import { sha256File } from "../internal/hashing";
import { DiskInputError } from "./diskInputError";

/** Output formats. */
export type DiskFormat = "raw" | "qcow2" | "vmdk" | "vhd" | "gce";

/** Every output format, in the order messages list them. */
export const DISK_FORMATS: readonly DiskFormat[] = ["raw", "qcow2", "vmdk", "vhd", "gce"];

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
const QEMU_FORMAT: Readonly<Record<Exclude<DiskFormat, "gce">, string>> = { raw: "raw", qcow2: "qcow2", vmdk: "vmdk", vhd: "vpc" };

/** Parses a format name. */
export function parseDiskFormat(value: string): DiskFormat {
    const format = DISK_FORMATS.find((f) => f === value);
    if (!format) {
        throw new DiskInputError(`unknown disk format "${value}"; expected one of ${DISK_FORMATS.join(", ")}`);
    }
    return format;
}

/** Reads a disk's format and virtual size from its content (not its name). */
export async function detectDiskFormat(file: string): Promise<{ format: Exclude<DiskFormat, "gce">; virtualSizeBytes: number }> {
    if (!(await fs.stat(file).then((s) => s.isFile(), () => false))) {
        throw new DiskInputError(`the disk ${file} does not exist or is not a file`);
    }
    if (await isGzip(file)) {
        throw new DiskInputError(`${file} is a gzip archive (a GCE image archive?); convert from the raw, qcow2, vmdk or vhd disk instead`);
    }
    // qemu-img probes a fixed VHD as raw: its only header is the footer in the last 512 bytes.
    const info = await qemuImgInfo(file, (await hasFixedVhdFooter(file)) ? "vpc" : undefined);
    const format = (Object.keys(QEMU_FORMAT) as Exclude<DiskFormat, "gce">[]).find((f) => QEMU_FORMAT[f] === info.format);
    if (!format) {
        throw new DiskInputError(`${file} is a ${info.format} disk; expected raw, qcow2, vmdk or vhd`);
    }
    return { format, virtualSizeBytes: info["virtual-size"] };
}

/** Converts a disk into `format` at `out`, checks the result, and returns its digest. */
export async function convertDisk(input: string, format: DiskFormat, out: string): Promise<ConvertResult> {
    const source = await detectDiskFormat(input);
    if (format === "gce") {
        return makeGceArchive(input, source, out);
    }
    if (format === "vhd" && source.virtualSizeBytes % MIB !== 0) {
        throw new DiskInputError(`a fixed VHD must be a whole number of MiB, and ${input} is ${source.virtualSizeBytes} bytes; resize it first`);
    }
    const options = format === "vmdk" ? ["-o", "subformat=streamOptimized"] : format === "vhd" ? ["-o", "subformat=fixed,force_size=on"] : [];
    await writeAtomically(out, async (temp) => {
        await runTool("qemu-img", ["convert", "-f", QEMU_FORMAT[source.format], "-O", QEMU_FORMAT[format], ...options, input, temp]);
    });
    const checks = await verifyImage(out, format, source.virtualSizeBytes);
    return { path: path.resolve(out), format, sha256: await sha256File(out), sizeBytes: (await fs.stat(out)).size, virtualSizeBytes: source.virtualSizeBytes, checks };
}

/** Checks a converted image: the format qemu-img sees, the virtual size, and the format's own consistency check. */
async function verifyImage(file: string, format: Exclude<DiskFormat, "gce">, virtualSizeBytes: number): Promise<string[]> {
    const info = await qemuImgInfo(file, QEMU_FORMAT[format]);
    const checks: string[] = [];
    if (info.format !== QEMU_FORMAT[format]) {
        throw new Error(`qemu-img reads ${file} as ${info.format}, not ${QEMU_FORMAT[format]}`);
    }
    checks.push(`qemu-img info: format ${info.format}`);
    if (info["virtual-size"] !== virtualSizeBytes) {
        throw new Error(`${file} holds ${info["virtual-size"]} bytes, not the ${virtualSizeBytes} of its source`);
    }
    checks.push(`virtual size ${virtualSizeBytes} bytes`);
    if (format === "qcow2" || format === "vmdk") {
        await runTool("qemu-img", ["check", "-f", QEMU_FORMAT[format], file]);
        checks.push("qemu-img check: no errors");
    }
    if (format === "vmdk" && info["format-specific"]?.data?.["create-type"] !== "streamOptimized") {
        throw new Error(`${file} is a ${String(info["format-specific"]?.data?.["create-type"])} VMDK, not streamOptimized`);
    }
    if (format === "vhd") {
        checks.push(await checkFixedVhdFooter(file));
    }
    return checks;
}

/** A fixed VHD ends with a 512-byte footer: cookie "conectix", disk type 2 (fixed) at 0x3c. */
async function checkFixedVhdFooter(file: string): Promise<string> {
    if (!(await hasFixedVhdFooter(file))) {
        throw new Error(`${file} does not end with a fixed-VHD footer`);
    }
    const { size } = await fs.stat(file);
    if ((size - 512) % MIB !== 0) {
        throw new Error(`${file} holds ${size - 512} bytes of data, not a whole number of MiB`);
    }
    return "fixed VHD footer, data a whole number of MiB";
}

async function hasFixedVhdFooter(file: string): Promise<boolean> {
    const handle = await fs.open(file, "r");
    try {
        const { size } = await handle.stat();
        if (size < 512) {
            return false;
        }
        const footer = Buffer.alloc(512);
        await handle.read(footer, 0, 512, size - 512);
        return footer.toString("latin1", 0, 8) === "conectix" && footer.readUInt32BE(0x3c) === 2;
    } finally {
        await handle.close();
    }
}

/**
 * The GCE image archive: `disk.raw` (a sparse copy, padded to a whole number of GiB, its backup GPT
 * moved to the new end) in a GNU-format gzip tar.
 */
async function makeGceArchive(input: string, source: { format: Exclude<DiskFormat, "gce">; virtualSizeBytes: number }, out: string): Promise<ConvertResult> {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), "unikernel-gce-"));
    try {
        const raw = path.join(work, "disk.raw");
        await runTool("qemu-img", ["convert", "-f", QEMU_FORMAT[source.format], "-O", "raw", input, raw]);
        const size = Math.ceil(source.virtualSizeBytes / GIB) * GIB;
        if (size !== source.virtualSizeBytes) {
            await fs.truncate(raw, size);
            if (await hasGpt(raw)) {
                await runTool("sfdisk", ["--no-reread", "--no-tell-kernel", "-q", "--relocate", "gpt-bak-std", raw]);
            }
        }
        await writeAtomically(out, async (temp) => {
            await runTool("tar", ["--format=gnu", "--sparse", "-czf", temp, "-C", work, "disk.raw"]);
        });
        const checks = await verifyGceArchive(out);
        return { path: path.resolve(out), format: "gce", sha256: await sha256File(out), sizeBytes: (await fs.stat(out)).size, virtualSizeBytes: size, checks };
    } finally {
        await fs.rm(work, { recursive: true, force: true });
    }
}

/** Lists the archive: exactly `disk.raw`, a whole number of GiB, in a GNU-format header. */
export async function verifyGceArchive(file: string): Promise<string[]> {
    const { stdout } = await runTool("tar", ["--list", "--verbose", "--gzip", "--file", file]);
    const entries = stdout.trim().split("\n").filter(Boolean);
    const names = entries.map((line) => line.split(/\s+/).pop());
    if (entries.length !== 1 || names[0] !== "disk.raw") {
        throw new Error(`${file} must hold exactly disk.raw; it holds ${names.join(", ") || "nothing"}`);
    }
    const size = Number(entries[0].split(/\s+/)[2]);
    if (!Number.isInteger(size) || size % GIB !== 0) {
        throw new Error(`disk.raw in ${file} is ${entries[0].split(/\s+/)[2]} bytes, not a whole number of GiB`);
    }
    const header = await firstGunzippedBytes(file, 512);
    const magic = header.toString("latin1", 257, 265);
    if (magic !== "ustar  \0") {
        throw new Error(`${file} is not a GNU-format tar (header magic ${JSON.stringify(magic)})`);
    }
    return ["tar lists only disk.raw", `disk.raw is ${size / GIB} GiB`, "GNU tar format"];
}

interface QemuImgInfo {
    format: string;
    "virtual-size": number;
    "format-specific"?: { data?: Record<string, unknown> };
}

async function qemuImgInfo(file: string, format?: string): Promise<QemuImgInfo> {
    const { stdout } = await runTool("qemu-img", ["info", "--output=json", ...(format ? ["-f", format] : []), file]);
    return JSON.parse(stdout) as QemuImgInfo;
}

async function isGzip(file: string): Promise<boolean> {
    const handle = await fs.open(file, "r");
    try {
        const head = Buffer.alloc(2);
        const { bytesRead } = await handle.read(head, 0, 2, 0);
        return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
    } finally {
        await handle.close();
    }
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
