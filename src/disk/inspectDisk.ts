/**
 * Every disk image is checked before a tool reads it for conversion, upload or boot.
 *
 * Disk formats can name other files: a qcow2 backing file or external data file, a VMDK descriptor's
 * extents, a differencing VHD's parent. Followed blindly, `convert --format gce` of a crafted VMDK
 * puts /etc/passwd into `disk.raw`, which is then uploaded to a cloud. So the format is decided from
 * the file's own magic bytes (never probed by a tool), `qemu-img info` runs with that explicit
 * format, and an image that names any other file is refused. Then the content is checked for
 * truncation: `qemu-img check` for qcow2 and VMDK, the footer's size and checksum for a fixed VHD,
 * and for a raw disk the partition table must lie inside the file.
 *
 * A raw disk has no header that could name anything, and its size is the file's: it is checked
 * without starting qemu-img at all (each start costs more than the rest of the check).
 */
import { constants as fsConstants, promises as fs } from "fs";
import * as path from "path";
import { InputDiskFormat } from "../model";
import { ToolFailure, runTool } from "../internal/exec";
import { DiskInputError } from "./diskInputError";

/** qemu-img's name for each input format. */
export const QEMU_FORMAT_OF: Readonly<Record<InputDiskFormat, string>> = {
    raw: "raw",
    qcow2: "qcow2",
    vmdk: "vmdk",
    vhd: "vpc",
};

/** The largest virtual disk accepted: far above any unikernel image, far below a mistake that fills a disk. */
export const MAX_VIRTUAL_BYTES = 2 * 1024 ** 4;

/** A disk file that passed every check. */
export interface InspectedDisk {
    /** Absolute path. */
    file: string;
    format: InputDiskFormat;
    /** The name qemu-img and QEMU use for the format. */
    qemuFormat: string;
    virtualSizeBytes: number;
    fileSizeBytes: number;
    /** The checks that passed, in words. */
    checks: string[];
    /** A VMDK's layout, as its descriptor says (`streamOptimized`, `monolithicSparse`). */
    vmdkCreateType?: string;
}

/** Options of {@link inspectDisk}. */
export interface InspectOptions {
    /**
     * The file is one qemu-img just wrote for this process (a conversion's result, read back from the
     * page cache it was written to). Its header is read here instead of by `qemu-img info`, and instead
     * of `qemu-img check` its own tables are checked to lie inside the file (what `check` finds in a
     * fresh image: one cut short); starting those two tools cost more than the conversion. Never for
     * a file from outside, which qemu-img reads and checks in full.
     */
    justWritten?: boolean;
}

/** VMDK layouts whose only extent is the file itself. */
const SINGLE_FILE_VMDK = new Set(["monolithicSparse", "streamOptimized"]);

/** Formats recognized by their magic and refused, with what they are. */
const REFUSED_MAGIC: readonly { at: number; bytes: string; what: string }[] = [
    { at: 0, bytes: "# Disk DescriptorFile", what: "a VMDK descriptor, which names its data in other files (extents)" },
    { at: 0, bytes: "COWD", what: "a VMware 3 / ESX sparse extent" },
    { at: 0, bytes: "vhdxfile", what: "a VHDX disk" },
    { at: 0, bytes: "QED\0", what: "a QED disk" },
    { at: 0, bytes: "LUKS\xba\xbe", what: "a LUKS-encrypted volume" },
    { at: 0, bytes: "WithoutFreeSpace", what: "a Parallels disk" },
    { at: 0, bytes: "WithouFreSpacExt", what: "a Parallels disk" },
    { at: 64, bytes: "\x7f\x10\xda\xbe", what: "a VirtualBox VDI disk" },
];

/** A checked disk that is still open: tools read it as `toolPath`, through this very descriptor. */
export interface OpenDisk extends InspectedDisk {
    /** The descriptor to hand to tools (`runTool(..., { inheritFd })`): it becomes their fd 3. */
    fd: number;
    /** What tools open: the inherited descriptor, never the name (which could be swapped meanwhile). */
    toolPath: string;
}

/** The path by which a tool reaches the file open on its fd 3. */
const TOOL_PATH = "/proc/self/fd/3";

/** Checks a disk file and returns its format and size; throws a {@link DiskInputError} saying what is wrong. */
export async function inspectDisk(file: string, options: InspectOptions = {}): Promise<InspectedDisk> {
    return withInspectedDisk(file, ({ fd: _fd, toolPath: _toolPath, ...disk }) => Promise.resolve(disk), options);
}

/**
 * Opens a disk once, checks it, and runs `body` with it still open. Every read of the check and
 * every tool `body` runs on it (given `inheritFd: disk.fd` and `disk.toolPath`) see the same file:
 * a file swapped in under the same name after the check (one with a backing file, say) is never
 * the one converted or uploaded.
 */
export async function withInspectedDisk<T>(
    file: string,
    body: (disk: OpenDisk) => Promise<T>,
    options: InspectOptions = {},
): Promise<T> {
    const absolute = path.resolve(file);
    const handle = await fs
        .open(absolute, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK)
        .catch((error: NodeJS.ErrnoException) => {
            throw new DiskInputError(
                `the disk ${file} cannot be read: ${error.code === "ENOENT" ? "no such file" : error.code === "ELOOP" ? "a symbolic link loop" : (error.code ?? error.message)}`,
            );
        });
    try {
        const disk = await checkOpenDisk(file, absolute, handle, options);
        return await body(disk);
    } finally {
        await handle.close();
    }
}

async function checkOpenDisk(
    file: string,
    absolute: string,
    handle: fs.FileHandle,
    options: InspectOptions,
): Promise<OpenDisk> {
    const stat = await handle.stat();
    if (!stat.isFile()) {
        throw new DiskInputError(
            `the disk ${file} is not a regular file (${stat.isDirectory() ? "a directory" : "a device, socket or pipe"})`,
        );
    }
    if (stat.size === 0) {
        throw new DiskInputError(`the disk ${file} is empty`);
    }
    const fd = handle.fd;
    const { head, tail } = await readEnds(handle, stat.size);
    const format = sniffFormat(file, head, tail);
    const qemuFormat = QEMU_FORMAT_OF[format];
    if (format === "raw" && stat.size % 512 !== 0) {
        // qemu-img would round the size up and read the missing bytes as zeros.
        throw new DiskInputError(
            `the disk ${file} is ${stat.size} bytes, not a whole number of 512-byte sectors; a disk cut short is refused`,
        );
    }
    // The footer first: qemu-img's own message for a damaged one says less.
    const footerCheck = format === "vhd" ? checkFixedVhdFooter(file, tail, stat.size) : undefined;
    // A VMDK's own header, before qemu-img opens anything it could name.
    const vmdk = format === "vmdk" ? await checkVmdkHeader(file, handle, head) : undefined;
    const info: QemuImgInfo =
        format === "raw"
            ? { format: "raw", "virtual-size": stat.size }
            : options.justWritten
              ? writtenHeaderInfo(format, head, tail, vmdk)
              : await qemuImgInfo(fd, qemuFormat, file);
    const checks = [`format ${format} (from its header)`];
    if (info["backing-filename"] !== undefined || info["full-backing-filename"] !== undefined) {
        throw new DiskInputError(
            `the disk ${file} is a ${format} image with a backing file (${info["backing-filename"] ?? info["full-backing-filename"]}); ` +
                `a backing chain reads other files, so it is refused: flatten it first with \`qemu-img convert -O ${qemuFormat} ${file} flat.${format}\``,
        );
    }
    checks.push("no backing file");
    const data = info["format-specific"]?.data ?? {};
    if (format === "qcow2") {
        if (data["data-file"] !== undefined) {
            throw new DiskInputError(
                `the disk ${file} is a qcow2 image whose data lives in another file (${JSON.stringify(data["data-file"])}); refused: convert it to a self-contained image first`,
            );
        }
        if (data.corrupt === true) {
            throw new DiskInputError(
                `the disk ${file} is a qcow2 image marked corrupt; repair it with \`qemu-img check -r all\` or rebuild it`,
            );
        }
    }
    if (format === "vmdk") {
        // From the descriptor in the file (checkVmdkHeader) for a file just written, else from qemu-img.
        if (!options.justWritten) checkSingleFileVmdk(file, data);
        checks.push("one extent, in the file itself");
    }
    const virtualSizeBytes = info["virtual-size"];
    if (!Number.isSafeInteger(virtualSizeBytes) || virtualSizeBytes <= 0 || virtualSizeBytes > MAX_VIRTUAL_BYTES) {
        throw new DiskInputError(
            `the disk ${file} claims a virtual size of ${virtualSizeBytes} bytes; expected 1 byte to 2 TiB`,
        );
    }
    if (format === "raw" && virtualSizeBytes !== stat.size) {
        throw new DiskInputError(`the disk ${file} reads as ${virtualSizeBytes} bytes but the file has ${stat.size}`);
    }
    if (virtualSizeBytes % 512 !== 0) {
        throw new DiskInputError(
            `the disk ${file} is ${virtualSizeBytes} bytes, not a whole number of 512-byte sectors; a disk cut short is refused`,
        );
    }
    switch (format) {
        case "qcow2":
        case "vmdk": {
            checks.push(
                options.justWritten
                    ? await checkWrittenLayout(file, handle, format, head, stat.size)
                    : await checkImage(fd, qemuFormat, file),
            );
            break;
        }
        case "vhd":
            checks.push(footerCheck!);
            break;
        case "raw":
            checks.push(await checkRawPartitions(file, handle, stat.size));
            break;
        default: {
            const unreachable: never = format;
            throw new Error(`unhandled format ${String(unreachable)}`);
        }
    }
    return {
        file: absolute,
        format,
        qemuFormat,
        virtualSizeBytes,
        fileSizeBytes: stat.size,
        checks,
        ...(format === "vmdk" ? { vmdkCreateType: String(data["create-type"]) } : {}),
        fd,
        toolPath: TOOL_PATH,
    };
}

/** Reads the first 4 KiB and the last 512 bytes. */
async function readEnds(handle: fs.FileHandle, size: number): Promise<{ head: Buffer; tail: Buffer }> {
    const head = Buffer.alloc(Math.min(4096, size));
    await handle.read(head, 0, head.length, 0);
    const tail = Buffer.alloc(Math.min(512, size));
    await handle.read(tail, 0, tail.length, size - tail.length);
    return { head, tail };
}

/** Decides the format from magic bytes; refuses formats that can name other files or are not supported. */
export function sniffFormat(file: string, head: Buffer, tail: Buffer): InputDiskFormat {
    const at = (offset: number, text: string) =>
        head.length >= offset + text.length && head.toString("latin1", offset, offset + text.length) === text;
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
        throw new DiskInputError(
            `${file} is a gzip archive (a GCE image archive?); give the raw, qcow2, vmdk or vhd disk instead`,
        );
    }
    for (const refused of REFUSED_MAGIC) {
        if (at(refused.at, refused.bytes)) {
            throw new DiskInputError(
                `${file} is ${refused.what}; accepted are raw, qcow2, single-file vmdk and fixed vhd: convert it first with \`qemu-img convert -O raw\``,
            );
        }
    }
    if (at(0, "QFI\xfb")) return "qcow2";
    if (at(0, "KDMV")) return "vmdk";
    if (at(0, "conectix")) {
        const type = head.length >= 0x40 ? head.readUInt32BE(0x3c) : 0;
        throw new DiskInputError(
            `${file} is a ${type === 4 ? "differencing VHD, which reads its parent from another file" : "dynamic VHD"}; ` +
                "accepted are raw, qcow2, single-file vmdk and fixed vhd: convert it first with `qemu-img convert -O raw`",
        );
    }
    if (tail.length === 512 && tail.toString("latin1", 0, 8) === "conectix") return "vhd";
    return "raw";
}

interface QemuImgInfo {
    format: string;
    "virtual-size": number;
    "backing-filename"?: string;
    "full-backing-filename"?: string;
    "format-specific"?: { data?: Record<string, unknown> };
}

/**
 * A sparse VMDK (`KDMV`) header whose capacity is 0 is a descriptor in disguise: QEMU then reads its
 * embedded descriptor and opens the extent files it names (any path, a FIFO that hangs). Refused
 * here, from the bytes, before qemu-img sees the file; so is an embedded descriptor of another
 * layout or with extents that are not sparse extents of this file.
 */
/** What a sparse VMDK's own header and embedded descriptor say. */
interface VmdkHeader {
    capacityBytes: number;
    createType?: string;
}

async function checkVmdkHeader(shown: string, handle: fs.FileHandle, head: Buffer): Promise<VmdkHeader> {
    if (head.length < 44) throw new DiskInputError(`the disk ${shown} has a VMDK header cut short`);
    const capacity = head.readBigUInt64LE(12);
    const descriptorSector = head.readBigUInt64LE(28);
    const descriptorSectors = head.readBigUInt64LE(36);
    if (capacity === 0n) {
        throw new DiskInputError(
            `the disk ${shown} is a VMDK whose header holds no data but points at a descriptor, which names its data in other files; refused`,
        );
    }
    const capacityBytes = Number(capacity) * 512;
    if (descriptorSector === 0n) return { capacityBytes };
    if (descriptorSectors > 128n)
        throw new DiskInputError(
            `the disk ${shown} has a VMDK descriptor of ${descriptorSectors} sectors, far more than a descriptor needs`,
        );
    const buffer = Buffer.alloc(Number(descriptorSectors) * 512);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, Number(descriptorSector) * 512);
    const text = buffer.subarray(0, bytesRead).toString("latin1").replace(/\0.*$/s, "");
    const createType = /^\s*createType\s*=\s*"?([A-Za-z]+)"?/m.exec(text)?.[1];
    const extents = text.split("\n").filter((line) => /^\s*(RW|RDONLY|NOACCESS)\s/.test(line));
    if (
        (createType && !SINGLE_FILE_VMDK.has(createType)) ||
        extents.some((line) => !/^\s*\S+\s+\d+\s+SPARSE\s/.test(line))
    ) {
        throw new DiskInputError(
            `the disk ${shown} embeds a VMDK descriptor of layout ${createType ?? "unknown"} whose extents are not this file's sparse data; refused`,
        );
    }
    return { capacityBytes, createType };
}

/**
 * What `qemu-img info` would say of an image qemu-img just wrote, read from its own header instead
 * of starting qemu-img (for a fixed VHD, `info` reads the whole file: seconds for 1 GiB). The same
 * facts: the virtual size, a backing file named, an external data file, the corrupt flag, a VMDK's
 * layout. Only for {@link InspectOptions.justWritten}: for a file from outside, qemu-img's own
 * reading of it is what counts.
 */
function writtenHeaderInfo(
    format: Exclude<InputDiskFormat, "raw">,
    head: Buffer,
    tail: Buffer,
    vmdk: VmdkHeader | undefined,
): QemuImgInfo {
    switch (format) {
        case "qcow2": {
            const version = head.readUInt32BE(4);
            const incompatible = version >= 3 && head.length >= 80 ? head.readBigUInt64BE(72) : 0n;
            return {
                format: "qcow2",
                "virtual-size": Number(head.readBigUInt64BE(24)),
                ...(head.readBigUInt64BE(8) !== 0n ? { "backing-filename": "(named in the qcow2 header)" } : {}),
                "format-specific": {
                    data: {
                        ...(incompatible & 4n ? { "data-file": "(named in the qcow2 header)" } : {}),
                        corrupt: (incompatible & 2n) !== 0n,
                    },
                },
            };
        }
        case "vmdk":
            return {
                format: "vmdk",
                "virtual-size": vmdk!.capacityBytes,
                "format-specific": { data: { "create-type": vmdk!.createType } },
            };
        case "vhd":
            return { format: "vpc", "virtual-size": Number(tail.readBigUInt64BE(0x30)) };
        default: {
            const unreachable: never = format;
            throw new Error(`unhandled format ${String(unreachable)}`);
        }
    }
}

/** qemu-img steps on a checked file get a generous bound: a stuck one never holds a run forever. */
const QEMU_IMG_INFO_TIMEOUT_MS = 60_000;
const QEMU_IMG_CHECK_TIMEOUT_MS = 30 * 60_000;

/** `qemu-img info` with the format given, never probed. */
async function qemuImgInfo(fd: number, format: string, shown: string): Promise<QemuImgInfo> {
    try {
        const { stdout } = await runTool("qemu-img", ["info", "--output=json", "-f", format, TOOL_PATH], {
            tailLines: 5,
            timeoutMs: QEMU_IMG_INFO_TIMEOUT_MS,
            inheritFd: fd,
        });
        return JSON.parse(stdout) as QemuImgInfo;
    } catch (error) {
        if (error instanceof ToolFailure) {
            throw new DiskInputError(
                `the disk ${shown} is not a readable ${format} image: ${error.tail || error.message}`,
            );
        }
        throw error;
    }
}

function checkSingleFileVmdk(shown: string, data: Record<string, unknown>): void {
    const createType = String(data["create-type"]);
    const extents = Array.isArray(data.extents) ? (data.extents as { filename?: string }[]) : [];
    // qemu-img read the file as TOOL_PATH: its one extent must be that very path.
    const foreign = extents.map((e) => e.filename ?? "").filter((f) => f !== TOOL_PATH);
    if (!SINGLE_FILE_VMDK.has(createType) || extents.length !== 1 || foreign.length) {
        throw new DiskInputError(
            `the disk ${shown} is a ${createType} VMDK with ${extents.length} extent(s)${foreign.length ? ` in other files (${foreign.join(", ")})` : ""}; ` +
                "only single-file VMDKs (monolithicSparse, streamOptimized) are read, so no other file is followed",
        );
    }
}

/** `qemu-img check`: catches truncated and inconsistent qcow2 and VMDK images. */
async function checkImage(fd: number, format: string, shown: string): Promise<string> {
    try {
        await runTool("qemu-img", ["check", "-f", format, TOOL_PATH], {
            tailLines: 3,
            timeoutMs: QEMU_IMG_CHECK_TIMEOUT_MS,
            inheritFd: fd,
        });
        return "qemu-img check: no errors";
    } catch (error) {
        if (error instanceof ToolFailure) {
            throw new DiskInputError(
                `the disk ${shown} fails \`qemu-img check\` (cut short or corrupt): ${error.tail}`,
            );
        }
        throw error;
    }
}

/**
 * The layout of a qcow2 or streamOptimized VMDK qemu-img just wrote lies inside the file: for qcow2
 * the L1 table, the L2 tables it points at and every data cluster they point at (a compressed one by
 * its start), the refcount table and its blocks; for a stream VMDK the grain directory the header
 * points at, its grain tables and every grain (marker and compressed bytes). A qcow2 with extended L2
 * entries, or a VMDK whose directory is at its end (a footer), gets `qemu-img check` instead.
 */
async function checkWrittenLayout(
    shown: string,
    handle: fs.FileHandle,
    format: "qcow2" | "vmdk",
    head: Buffer,
    size: number,
): Promise<string> {
    const read = async (offset: number, length: number) => {
        const bytes = await readAt(handle, offset, length);
        if (bytes.length !== length)
            throw new DiskInputError(`the image ${shown} is cut short: nothing at byte ${offset}`);
        return bytes;
    };
    const inside = (what: string, offset: number, length: number) => {
        if (offset + length > size)
            throw new DiskInputError(
                `the image ${shown} is cut short: its ${what} ends at byte ${offset + length}, past the file's ${size}`,
            );
    };
    if (format === "qcow2") {
        const incompatible = head.readUInt32BE(4) >= 3 ? head.readBigUInt64BE(72) : 0n;
        if (incompatible & 16n) return checkImage(handle.fd, "qcow2", shown);
        const clusterBits = head.readUInt32BE(20);
        // qcow2 allows 512 B to 2 MiB clusters; anything else is not a header qemu-img wrote.
        if (clusterBits < 9 || clusterBits > 21) {
            throw new DiskInputError(`the image ${shown} has a qcow2 cluster size of 2^${clusterBits} bytes`);
        }
        const clusterBytes = 2 ** clusterBits;
        const l1Entries = head.readUInt32BE(36);
        const l1Offset = Number(head.readBigUInt64BE(40));
        const refcountOffset = Number(head.readBigUInt64BE(48));
        const refcountClusters = head.readUInt32BE(56);
        inside("L1 table", l1Offset, l1Entries * 8);
        inside("refcount table", refcountOffset, refcountClusters * clusterBytes);
        const tables = [
            {
                what: "L2 table",
                entries: l1Entries && (await read(l1Offset, l1Entries * 8)),
                mask: 0x00fffffffffffe00n,
            },
            {
                what: "refcount block",
                entries: refcountClusters && (await read(refcountOffset, refcountClusters * clusterBytes)),
                mask: ~0x1ffn & 0xffffffffffffffffn,
            },
        ];
        const l2Tables: number[] = [];
        for (const table of tables) {
            if (!table.entries) continue;
            for (let i = 0; i < table.entries.length; i += 8) {
                const offset = Number(table.entries.readBigUInt64BE(i) & table.mask);
                if (!offset) continue;
                inside(table.what, offset, clusterBytes);
                if (table.what === "L2 table") l2Tables.push(offset);
            }
        }
        // Data clusters: a standard entry's offset is bits 9-55; a compressed one (bit 62) keeps its
        // offset in the low 62 - (cluster_bits - 8) bits.
        const compressedMask = (1n << BigInt(62 - (clusterBits - 8))) - 1n;
        for (const l2 of new Set(l2Tables)) {
            const entries = await read(l2, clusterBytes);
            for (let i = 0; i < entries.length; i += 8) {
                const entry = entries.readBigUInt64BE(i);
                if (entry & (1n << 62n)) {
                    const offset = Number(entry & compressedMask);
                    if (offset >= size) inside("compressed cluster", offset, 1);
                    continue;
                }
                const offset = Number(entry & 0x00fffffffffffe00n);
                if (offset) inside("data cluster", offset, clusterBytes);
            }
        }
        return "qcow2 tables and clusters inside the file";
    }
    // A stream VMDK as qemu-img writes it: the grain directory where the header says, its grain
    // tables, and every grain (a 12-byte marker, then its compressed bytes). A directory kept at the
    // end (a footer, as other writers do) gets `qemu-img check`.
    const gdSector = head.readBigUInt64LE(56);
    if (gdSector === 0xffffffffffffffffn) return checkImage(handle.fd, "vmdk", shown);
    const capacitySectors = Number(head.readBigUInt64LE(12));
    const grainSectors = Number(head.readBigUInt64LE(20));
    const tableEntries = head.readUInt32LE(44);
    const markers = (head.readUInt32LE(8) & (1 << 17)) !== 0;
    // qemu-img writes 512 entries per grain table and 64 KiB grains; far larger is not its header.
    if (!grainSectors || grainSectors > 2048 || !tableEntries || tableEntries > 4096) {
        throw new DiskInputError(`the image ${shown} has a VMDK header with implausible grains or grain tables`);
    }
    const directoryEntries = Math.ceil(capacitySectors / (grainSectors * tableEntries));
    inside("grain directory", Number(gdSector) * 512, directoryEntries * 4);
    const directory = await read(Number(gdSector) * 512, directoryEntries * 4);
    const seenTables = new Set<number>();
    for (let d = 0; d < directoryEntries; d++) {
        const tableSector = directory.readUInt32LE(d * 4);
        if (!tableSector) continue;
        if (seenTables.has(tableSector)) continue;
        seenTables.add(tableSector);
        inside("grain table", tableSector * 512, tableEntries * 4);
        const table = await read(tableSector * 512, tableEntries * 4);
        for (let g = 0; g < tableEntries; g++) {
            const grainSector = table.readUInt32LE(g * 4);
            if (grainSector <= 1) continue; // 0: not allocated; 1: a grain of zeros
            if (markers) {
                const marker = await read(grainSector * 512, 12);
                inside("grain", grainSector * 512, 12 + marker.readUInt32LE(8));
            } else {
                inside("grain", grainSector * 512, grainSectors * 512);
            }
        }
    }
    return "VMDK grain directory, tables and grains inside the file";
}

/** Up to `length` bytes at `offset` (fewer at the end of the file). */
async function readAt(handle: fs.FileHandle, offset: number, length: number): Promise<Buffer> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
}

/** A fixed VHD footer: type 2, its checksum right, and its current size equal to the data before it. */
function checkFixedVhdFooter(shown: string, footer: Buffer, fileSize: number): string {
    const type = footer.readUInt32BE(0x3c);
    if (type !== 2) {
        throw new DiskInputError(`the disk ${shown} ends with a VHD footer of disk type ${type}, not a fixed VHD (2)`);
    }
    let sum = 0;
    for (let i = 0; i < 512; i++) if (i < 0x40 || i >= 0x44) sum += footer[i];
    if (~sum >>> 0 !== footer.readUInt32BE(0x40)) {
        throw new DiskInputError(`the disk ${shown} has a VHD footer whose checksum is wrong; the file is damaged`);
    }
    const currentSize = Number(footer.readBigUInt64BE(0x30));
    if (currentSize !== fileSize - 512) {
        throw new DiskInputError(
            `the disk ${shown} is a fixed VHD of ${currentSize} bytes, but ${fileSize - 512} bytes precede its footer; the file is cut short or padded`,
        );
    }
    return "fixed VHD footer: checksum and size match";
}

/** The MBR and GPT partitions (when present) must end inside the file: a raw disk cut short fails here. */
async function checkRawPartitions(shown: string, handle: fs.FileHandle, size: number): Promise<string> {
    const sectors = Math.floor(size / 512);
    {
        const read = (offset: number, length: number) => readAt(handle, offset, length);
        const mbr = await read(0, 512);
        if (mbr.length < 512 || mbr.readUInt16LE(510) !== 0xaa55) {
            return "raw, no partition table to check";
        }
        let protective = false;
        for (let i = 0; i < 4; i++) {
            const entry = mbr.subarray(446 + i * 16, 462 + i * 16);
            const type = entry[4];
            if (type === 0) continue;
            if (type === 0xee) {
                protective = true;
                continue;
            }
            const end = entry.readUInt32LE(8) + entry.readUInt32LE(12);
            if (end > sectors) {
                throw new DiskInputError(
                    `the disk ${shown} is cut short: MBR partition ${i + 1} ends at sector ${end}, but the file has ${sectors} sectors`,
                );
            }
        }
        const header = await read(512, 92);
        if (header.length < 92 || header.toString("latin1", 0, 8) !== "EFI PART") {
            return protective ? "raw, protective MBR without a GPT header" : "raw, MBR partitions inside the disk";
        }
        const backup = Number(header.readBigUInt64LE(32));
        const lastUsable = Number(header.readBigUInt64LE(48));
        if (backup >= sectors || lastUsable >= sectors) {
            throw new DiskInputError(
                `the disk ${shown} is cut short: its GPT needs ${Math.max(backup, lastUsable) + 1} sectors, but the file has ${sectors}`,
            );
        }
        const entriesAt = Number(header.readBigUInt64LE(72));
        const count = header.readUInt32LE(80);
        const entrySize = header.readUInt32LE(84);
        if (entrySize < 128 || count * entrySize > 1024 * 1024 || entriesAt * 512 + count * entrySize > size) {
            throw new DiskInputError(
                `the disk ${shown} has a GPT header with an implausible partition array (${count} entries of ${entrySize} bytes at sector ${entriesAt}), ending past the file's ${size} bytes`,
            );
        }
        const entries = await read(entriesAt * 512, count * entrySize);
        for (let i = 0; i < count && (i + 1) * entrySize <= entries.length; i++) {
            const entry = entries.subarray(i * entrySize, (i + 1) * entrySize);
            if (entry.subarray(0, 16).every((b) => b === 0)) continue;
            const last = Number(entry.readBigUInt64LE(40));
            if (last >= sectors) {
                throw new DiskInputError(
                    `the disk ${shown} is cut short: GPT partition ${i + 1} ends at sector ${last}, but the file has ${sectors} sectors`,
                );
            }
        }
        return "raw, GPT and its partitions inside the disk";
    }
}
