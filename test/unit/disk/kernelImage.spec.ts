/**
 * The direct-boot check reads ELF program headers and notes that a file says are there: a PVH note
 * is found where it is, and a crafted file's notes cost bounded work, whatever they claim.
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import { directBootProblem } from "../../../src/disk/kernelImage";
import { demoKernel } from "../../helpers/demoKernel";

/** An x86_64 ELF64 executable of `size` bytes whose program headers are all PT_NOTE over `notes`. */
function elfWithNotes(size: number, headers: number, notes: { offset: number; size: number }): Buffer {
    const bytes = Buffer.alloc(size);
    bytes.writeUInt32BE(0x7f454c46, 0);
    bytes[4] = 2; // ELF64
    bytes[5] = 1; // little-endian
    bytes[6] = 1;
    bytes.writeUInt16LE(2, 16); // ET_EXEC
    bytes.writeUInt16LE(62, 18); // x86-64
    bytes.writeUInt32LE(1, 20);
    bytes.writeBigUInt64LE(64n, 32); // program headers right after the ELF header
    bytes.writeUInt16LE(64, 52);
    bytes.writeUInt16LE(56, 54);
    bytes.writeUInt16LE(headers, 56);
    for (let i = 0; i < headers; i++) {
        const at = 64 + i * 56;
        bytes.writeUInt32LE(4, at); // PT_NOTE
        bytes.writeBigUInt64LE(BigInt(notes.offset), at + 8);
        bytes.writeBigUInt64LE(BigInt(notes.size), at + 32);
    }
    return bytes;
}

/** A note: name, type and a 4-byte payload, padded as ELF notes are. */
function note(name: string, type: number): Buffer {
    const namesz = name.length + 1;
    const out = Buffer.alloc(12 + Math.ceil(namesz / 4) * 4 + 4);
    out.writeUInt32LE(namesz, 0);
    out.writeUInt32LE(4, 4);
    out.writeUInt32LE(type, 8);
    out.write(name, 12, "latin1");
    return out;
}

describe("directBootProblem", () => {
    it("accepts the demo kernel (Multiboot 1) and an ELF whose note holds a PVH entry (Xen, type 18)", () => {
        assert.equal(directBootProblem(readFileSync(demoKernel()), "x86_64"), undefined);
        const pvh = elfWithNotes(4096, 1, { offset: 1024, size: 64 });
        note("GNU", 3).copy(pvh, 1024);
        note("Xen", 18).copy(pvh, 1024 + 20);
        assert.equal(directBootProblem(pvh, "x86_64"), undefined);
    });

    it("refuses an ELF with notes but no PVH entry, naming what QEMU's -kernel needs", () => {
        const plain = elfWithNotes(4096, 1, { offset: 1024, size: 64 });
        note("GNU", 3).copy(plain, 1024);
        assert.match(directBootProblem(plain, "x86_64") ?? "", /without a Multiboot 1 header or a PVH entry note/);
    });

    it("answers a file of 65,535 note segments, each claiming the same 12 MiB of empty notes, with bounded work", () => {
        // Zeros read as empty notes of 12 bytes each: unbounded, 65,535 segments x 1 million notes,
        // hours of work for one check. The program headers end at 3.7 MiB; the notes start at 4 MiB.
        const bomb = elfWithNotes(16 * 1024 * 1024, 65_535, { offset: 4 * 1024 * 1024, size: 12 * 1024 * 1024 });
        assert.match(directBootProblem(bomb, "x86_64") ?? "", /PVH entry note/);
    });
});
