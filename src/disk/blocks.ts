/**
 * Which fixed-size blocks of a disk hold data. The EBS direct APIs take 512 KiB blocks and read
 * blocks never written as zeros, so an upload needs to send only the non-zero ones.
 */
import { promises as fs } from "fs";

/** EBS direct API block size (PutSnapshotBlock). */
export const EBS_BLOCK_BYTES = 512 * 1024;

/** Block census of a raw disk. */
export interface BlockScan {
    blockBytes: number;
    totalBlocks: number;
    /** Indexes of blocks with at least one non-zero byte, ascending. */
    nonZeroBlocks: number[];
    sizeBytes: number;
}

/** Reads a raw disk once and lists its non-zero blocks. */
export async function scanBlocks(file: string, blockBytes = EBS_BLOCK_BYTES): Promise<BlockScan> {
    const handle = await fs.open(file, "r");
    try {
        const { size } = await handle.stat();
        const buffer = Buffer.alloc(blockBytes);
        const nonZeroBlocks: number[] = [];
        const totalBlocks = Math.ceil(size / blockBytes);
        for (let i = 0; i < totalBlocks; i++) {
            const { bytesRead } = await handle.read(buffer, 0, blockBytes, i * blockBytes);
            if (!isZero(buffer, bytesRead)) {
                nonZeroBlocks.push(i);
            }
        }
        return { blockBytes, totalBlocks, nonZeroBlocks, sizeBytes: size };
    } finally {
        await handle.close();
    }
}

/** True when the first `length` bytes are all zero (compared 8 bytes at a time). */
function isZero(buffer: Buffer, length: number): boolean {
    let i = 0;
    for (; i + 8 <= length; i += 8) {
        if (buffer.readBigUInt64LE(i) !== 0n) return false;
    }
    for (; i < length; i++) {
        if (buffer[i] !== 0) return false;
    }
    return true;
}
