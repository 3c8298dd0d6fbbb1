/**
 * What a kernel file is, read from its bytes: ELF class and machine, Multiboot 1/2 headers, a PE
 * header (EFI stub), the arm64 Image header, and the loadable segments GRUB will place.
 *
 * Disks are only made from kernels that a boot loader will accept, and when one will not, the
 * error says exactly why. Real Unikraft qemu/x86_64 kernels can carry an empty PT_LOAD (a zero-size
 * TLS segment at address 0); GRUB 2.06's Multiboot loader counts it when it computes the lowest
 * load address, allocates from 0, and fails with "overlap detected". Such segments load nothing,
 * so {@link prepareForGrubMultiboot} turns them into PT_NULL in a copy.
 */

import { MachineArchitecture, UnikernelError } from "../model";

/** The machine an ELF is built for (e_machine), in Unikraft's architecture words. */
export type KernelMachine = "x86" | MachineArchitecture | "arm" | "other";

/** One PT_LOAD program header. */
export interface LoadSegment {
    /** Index in the program header table. */
    index: number;
    /** Where the segment's bytes start in the file. */
    offset: number;
    paddr: number;
    vaddr: number;
    filesz: number;
    memsz: number;
}

/** Everything the disk builders need to know about a kernel file. */
export interface KernelInfo {
    /** `elf` for ELF files, `pe` for PE/COFF (EFI applications), `arm64-image` for a plain arm64 Image, else `unknown`. */
    format: "elf" | "pe" | "arm64-image" | "unknown";
    /** ELF class, when ELF. */
    elfClass?: 32 | 64;
    /** Machine, when ELF or PE. */
    machine?: KernelMachine;
    /** Multiboot version found in the header area (1 or 2), if any. */
    multiboot?: 1 | 2;
    /** Multiboot 1 header asks for the a.out kludge (addresses in the header, not the ELF). */
    multibootAoutKludge?: boolean;
    /** Has an MZ/PE header, i.e. can be started by UEFI firmware (EFI stub or EFI application). */
    efiStub: boolean;
    /** Has the arm64 Linux Image header ("ARM\x64" at 0x38). */
    arm64Image: boolean;
    /** PT_LOAD segments, for ELF files. */
    loadSegments: LoadSegment[];
}

const PT_NULL = 0;
const PT_LOAD = 1;
const MB1_MAGIC = 0x1badb002;
const MB2_MAGIC = 0xe85250d6;
const MB1_AOUT_KLUDGE = 1 << 16;

/** Reads a kernel's headers. Never throws: unknown bytes give `format: "unknown"`. */
export function inspectKernel(bytes: Buffer): KernelInfo {
    const info: KernelInfo = { format: "unknown", efiStub: false, arm64Image: false, loadSegments: [] };
    const multiboot = findMultiboot(bytes);
    if (multiboot) {
        info.multiboot = multiboot.version;
        info.multibootAoutKludge = multiboot.aoutKludge;
    }
    info.arm64Image = bytes.length >= 0x40 && bytes.readUInt32LE(0x38) === 0x644d5241; // "ARM\x64"
    const pe = peMachine(bytes);
    if (pe) {
        info.efiStub = true;
        info.format = "pe";
        info.machine = pe;
    } else if (info.arm64Image) {
        info.format = "arm64-image";
        info.machine = "arm64";
    }
    if (bytes.length >= 52 && bytes.readUInt32BE(0) === 0x7f454c46 && bytes[5] === 1) {
        info.format = "elf";
        info.elfClass = bytes[4] === 2 ? 64 : 32;
        info.machine = elfMachine(bytes.readUInt16LE(18));
        info.loadSegments = info.elfClass === 64 && bytes.length < 64 ? [] : readLoadSegments(bytes, info.elfClass);
    }
    return info;
}

/**
 * Checks that an ELF kernel is whole: its program header table and every loadable segment's bytes
 * lie inside the file, and no segment claims more file bytes than memory. A kernel cut short (an
 * interrupted copy or download) would otherwise make a disk that stops at GRUB's prompt. Returns
 * what is wrong, or undefined.
 */
export function elfBoundsProblem(bytes: Buffer, info: KernelInfo): string | undefined {
    if (info.format !== "elf") return undefined;
    const is64 = info.elfClass === 64;
    if (bytes.length < (is64 ? 64 : 52)) return `the ELF header is cut short (${bytes.length} bytes)`;
    const phoff = is64 ? Number(bytes.readBigUInt64LE(32)) : bytes.readUInt32LE(28);
    const phentsize = bytes.readUInt16LE(is64 ? 54 : 42);
    const phnum = bytes.readUInt16LE(is64 ? 56 : 44);
    if (phnum === 0) return "it has no program headers, so there is nothing to load";
    if (phentsize < (is64 ? 56 : 32))
        return `its program headers are ${phentsize} bytes each, less than an ELF${info.elfClass} program header`;
    if (phoff + phnum * phentsize > bytes.length) {
        return `its program header table (${phnum} entries at offset ${phoff}) ends past the end of the file (${bytes.length} bytes): the file is cut short`;
    }
    for (const segment of info.loadSegments) {
        if (segment.filesz > segment.memsz) {
            return `program header ${segment.index} has more bytes in the file (${segment.filesz}) than in memory (${segment.memsz})`;
        }
        if (segment.offset + segment.filesz > bytes.length) {
            return `program header ${segment.index} needs bytes ${segment.offset}-${segment.offset + segment.filesz} of the file, which has ${bytes.length}: the file is cut short`;
        }
    }
    return undefined;
}

/**
 * Why QEMU's `-kernel` cannot start this file, or undefined when it can: on x86_64, a Linux bzImage,
 * a kernel with a Multiboot 1 header (QEMU's loader has no Multiboot 2), or an ELF with a PVH entry
 * note; on arm64, an Image, an ELF or an EFI-stub kernel. Checked before QEMU starts, so a file that
 * is not a kernel fails at once with the reason instead of after the whole boot timeout.
 */
export function directBootProblem(bytes: Buffer, architecture: MachineArchitecture): string | undefined {
    const info = inspectKernel(bytes);
    const damaged = elfBoundsProblem(bytes, info);
    if (damaged) return `it is not a whole ELF kernel: ${damaged}`;
    if (architecture === "arm64") {
        if (info.arm64Image || (info.machine === "arm64" && (info.format === "elf" || info.format === "pe")))
            return undefined;
        return `it is ${describeFormat(info)}, not an arm64 kernel (an Image, an ELF or an EFI-stub kernel)`;
    }
    const bzImage = bytes.length >= 0x206 && bytes.readUInt32LE(0x202) === 0x53726448; // "HdrS"
    if (bzImage || info.multiboot === 1 || hasPvhNote(bytes, info)) return undefined;
    if (info.multiboot === 2) {
        return "it has only a Multiboot 2 header, which QEMU's -kernel does not load; make a disk of it (`unikernel disk`), where GRUB loads it";
    }
    return info.format === "unknown"
        ? "it is not a kernel: no ELF, bzImage, PE or Multiboot header"
        : `it is ${describeFormat(info)} without a Multiboot 1 header or a PVH entry note, which QEMU's -kernel needs on x86_64`;
}

/** Note segments and bytes of notes looked at for a PVH entry, at most. */
const MAX_NOTE_SEGMENTS = 16;
const MAX_NOTE_BYTES = 1024 * 1024;

/** True when an ELF has a PVH entry point: a note named "Xen" of type 18 (XEN_ELFNOTE_PHYS32_ENTRY). */
function hasPvhNote(bytes: Buffer, info: KernelInfo): boolean {
    if (info.format !== "elf") return false;
    const is64 = info.elfClass === 64;
    const phoff = is64 ? Number(bytes.readBigUInt64LE(32)) : bytes.readUInt32LE(28);
    const phentsize = bytes.readUInt16LE(is64 ? 54 : 42);
    const phnum = bytes.readUInt16LE(is64 ? 56 : 44);
    // Bounded work whatever the file says: real kernels have a handful of note segments of a few
    // hundred bytes; a crafted one with 65,535 notes each spanning the file must not spin for hours.
    let notes = 0;
    let scanned = 0;
    for (let i = 0; i < phnum && notes < MAX_NOTE_SEGMENTS; i++) {
        const at = phoff + i * phentsize;
        if (at + (is64 ? 56 : 32) > bytes.length || bytes.readUInt32LE(at) !== 4) continue; // PT_NOTE
        notes++;
        const offset = is64 ? Number(bytes.readBigUInt64LE(at + 8)) : bytes.readUInt32LE(at + 4);
        const size = Math.min(
            is64 ? Number(bytes.readBigUInt64LE(at + 32)) : bytes.readUInt32LE(at + 16),
            MAX_NOTE_BYTES - scanned,
        );
        scanned += Math.max(0, size);
        for (let n = offset; n + 12 <= Math.min(offset + size, bytes.length);) {
            const namesz = bytes.readUInt32LE(n);
            const descsz = bytes.readUInt32LE(n + 4);
            const type = bytes.readUInt32LE(n + 8);
            const name = bytes.toString("latin1", n + 12, Math.min(n + 12 + namesz, bytes.length)).replace(/\0+$/, "");
            if (name === "Xen" && type === 18) return true;
            n += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
        }
    }
    return false;
}

/** A kernel a boot loader will not take, with the reason and the way out. */
export class KernelImageError extends UnikernelError {
    constructor(message: string) {
        super(message);
    }
}

/** The result of preparing a kernel for GRUB's Multiboot loader. */
export interface PreparedKernel {
    /** The bytes to put on the disk (the input itself when nothing needed changing). */
    bytes: Buffer;
    /** What was changed, for the build record; empty when nothing was. */
    changes: string[];
}

/**
 * Makes a Multiboot ELF loadable by GRUB, or explains why it cannot be: drops empty PT_LOAD
 * segments (in a copy), and refuses overlapping segments and segments below 1 MiB, which GRUB
 * rejects with "overlap detected".
 */
export function prepareForGrubMultiboot(bytes: Buffer, info: KernelInfo = inspectKernel(bytes)): PreparedKernel {
    if (!info.multiboot) {
        const what =
            info.format === "elf" && info.machine
                ? `an ELF${info.elfClass} ${info.machine} file`
                : describeFormat(info);
        throw new KernelImageError(
            `the kernel is ${what} without a Multiboot header, so GRUB's multiboot loader cannot boot it` +
                " (a Unikraft fc kernel boots by lxboot only: build the qemu target for disks, or run it on a Firecracker host)",
        );
    }
    if (info.format !== "elf" || info.multibootAoutKludge) {
        return { bytes, changes: [] }; // a.out kludge: GRUB uses the header's addresses, not ELF segments
    }
    const empty = info.loadSegments.filter((s) => s.memsz === 0);
    const real = info.loadSegments.filter((s) => s.memsz > 0);
    const low = real.find((s) => s.paddr < 0x100000);
    if (low) {
        throw new KernelImageError(
            `program header ${low.index} loads at ${hex(low.paddr)}, below 1 MiB, where the firmware lives; ` +
                'GRUB\'s multiboot loader refuses it ("overlap detected"): link the kernel at 1 MiB or above',
        );
    }
    const sorted = [...real].sort((a, b) => a.paddr - b.paddr);
    for (let i = 1; i < sorted.length; i++) {
        const prev = sorted[i - 1];
        if (sorted[i].paddr < prev.paddr + prev.memsz) {
            throw new KernelImageError(
                `program headers ${prev.index} (${hex(prev.paddr)}-${hex(prev.paddr + prev.memsz)}) and ${sorted[i].index} ` +
                    `(${hex(sorted[i].paddr)}-${hex(sorted[i].paddr + sorted[i].memsz)}) overlap in physical memory; GRUB's multiboot loader refuses it ` +
                    '("overlap detected"): fix the linker script so loadable segments do not overlap',
            );
        }
    }
    if (empty.length === 0) {
        return { bytes, changes: [] };
    }
    const copy = Buffer.from(bytes);
    const phoff = info.elfClass === 64 ? Number(copy.readBigUInt64LE(32)) : copy.readUInt32LE(28);
    const phentsize = copy.readUInt16LE(info.elfClass === 64 ? 54 : 42);
    for (const segment of empty) {
        copy.writeUInt32LE(PT_NULL, phoff + segment.index * phentsize);
    }
    return {
        bytes: copy,
        changes: empty.map(
            (s) =>
                `program header ${s.index} (empty PT_LOAD at ${hex(s.paddr)}) set to PT_NULL so GRUB does not allocate from ${hex(s.paddr)}`,
        ),
    };
}

/**
 * Checks that GRUB's arm64-efi `linux` loader or UEFI firmware can start an arm64 kernel: it must
 * carry a PE header (EFI stub). GRUB refuses a plain Image with "plain image kernel not supported".
 */
export function requireArm64EfiKernel(info: KernelInfo): void {
    if (info.efiStub && (info.machine === "arm64" || info.arm64Image)) {
        return;
    }
    if (info.arm64Image) {
        throw new KernelImageError(
            "the kernel is a plain arm64 Image without an EFI stub (no PE header); GRUB's arm64-efi loader refuses it with " +
                '"plain image kernel not supported" and UEFI cannot start it: rebuild with the EFI stub (Unikraft: CONFIG_KVM_BOOT_PROTO_EFI_STUB=y)',
        );
    }
    throw new KernelImageError(
        `the kernel is ${describeFormat(info)}, not an arm64 kernel with an EFI stub; arm64 disks boot by UEFI only`,
    );
}

/** Describes a kernel for messages: `an ELF32 x86 file`, `a PE/COFF x86_64 EFI application`. */
export function describeFormat(info: KernelInfo): string {
    switch (info.format) {
        case "elf":
            return `an ELF${info.elfClass} ${info.machine} file`;
        case "pe":
            return `a PE/COFF ${info.machine} EFI application`;
        case "arm64-image":
            return "a plain arm64 Image";
        case "unknown":
            return "not a kernel (no ELF, PE or arm64 Image header)";
        default: {
            const unreachable: never = info.format;
            return String(unreachable);
        }
    }
}

function findMultiboot(bytes: Buffer): { version: 1 | 2; aoutKludge: boolean } | undefined {
    for (let off = 0; off + 12 <= Math.min(bytes.length, 8192); off += 4) {
        if (bytes.readUInt32LE(off) === MB1_MAGIC) {
            const flags = bytes.readUInt32LE(off + 4);
            if ((MB1_MAGIC + flags + bytes.readUInt32LE(off + 8)) >>> 0 === 0) {
                return { version: 1, aoutKludge: (flags & MB1_AOUT_KLUDGE) !== 0 };
            }
        }
    }
    for (let off = 0; off + 16 <= Math.min(bytes.length, 32768); off += 8) {
        if (bytes.readUInt32LE(off) === MB2_MAGIC) {
            const sum =
                (MB2_MAGIC +
                    bytes.readUInt32LE(off + 4) +
                    bytes.readUInt32LE(off + 8) +
                    bytes.readUInt32LE(off + 12)) >>>
                0;
            if (sum === 0) {
                return { version: 2, aoutKludge: false };
            }
        }
    }
    return undefined;
}

function peMachine(bytes: Buffer): KernelMachine | undefined {
    if (bytes.length < 0x40 || bytes.readUInt16LE(0) !== 0x5a4d) {
        // "MZ"
        return undefined;
    }
    const pe = bytes.readUInt32LE(0x3c);
    if (pe + 6 > bytes.length || bytes.readUInt32LE(pe) !== 0x00004550) {
        // "PE\0\0"
        return undefined;
    }
    const machine = bytes.readUInt16LE(pe + 4);
    return machine === 0x8664
        ? "x86_64"
        : machine === 0xaa64
          ? "arm64"
          : machine === 0x14c
            ? "x86"
            : machine === 0x1c2 || machine === 0x1c4
              ? "arm"
              : "other";
}

function elfMachine(machine: number): KernelMachine {
    return machine === 3
        ? "x86"
        : machine === 62
          ? "x86_64"
          : machine === 183
            ? "arm64"
            : machine === 40
              ? "arm"
              : "other";
}

function readLoadSegments(bytes: Buffer, elfClass: 32 | 64): LoadSegment[] {
    const is64 = elfClass === 64;
    const phoff = is64 ? Number(bytes.readBigUInt64LE(32)) : bytes.readUInt32LE(28);
    const phentsize = bytes.readUInt16LE(is64 ? 54 : 42);
    const phnum = bytes.readUInt16LE(is64 ? 56 : 44);
    const segments: LoadSegment[] = [];
    for (let i = 0; i < phnum; i++) {
        const at = phoff + i * phentsize;
        if (at + (is64 ? 56 : 32) > bytes.length) {
            break; // truncated table: report what is there
        }
        if (bytes.readUInt32LE(at) !== PT_LOAD) {
            continue;
        }
        segments.push(
            is64
                ? {
                      index: i,
                      offset: Number(bytes.readBigUInt64LE(at + 8)),
                      vaddr: Number(bytes.readBigUInt64LE(at + 16)),
                      paddr: Number(bytes.readBigUInt64LE(at + 24)),
                      filesz: Number(bytes.readBigUInt64LE(at + 32)),
                      memsz: Number(bytes.readBigUInt64LE(at + 40)),
                  }
                : {
                      index: i,
                      offset: bytes.readUInt32LE(at + 4),
                      vaddr: bytes.readUInt32LE(at + 8),
                      paddr: bytes.readUInt32LE(at + 12),
                      filesz: bytes.readUInt32LE(at + 16),
                      memsz: bytes.readUInt32LE(at + 20),
                  },
        );
    }
    return segments;
}

function hex(n: number): string {
    return `0x${n.toString(16)}`;
}
