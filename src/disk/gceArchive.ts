/**
 * The GCE image archive: a file named `disk.raw`, a whole number of GiB, in a GNU-format gzip tar
 * (`tar --format=gnu -Sczf`, GCE's documented recipe; sparse-aware, so a 1 GiB disk holding 9 MiB
 * archives in about 9 MiB).
 *
 * The archive is checked and hashed in one read: every byte goes to the SHA-256 and to gunzip (whose
 * CRC and length check fail a damaged stream), and the tar headers that come out are walked: header
 * checksums, exactly one member, `disk.raw`, its real size a whole number of GiB, GNU format, and the
 * end-of-archive blocks. `tar --list` did the same in a second read and a second process.
 */
import { createHash } from "crypto";
import { createReadStream } from "fs";
import { createGunzip } from "zlib";
import { StepFailure } from "../model";

const BLOCK = 512;
const GIB = 1024 ** 3;

/** What reading the archive found. */
export interface GceArchiveReading {
    sha256: string;
    /** The checks that passed, in words. */
    checks: string[];
}

/** One member as its header says. */
interface Member {
    name: string;
    type: string;
    /** The file's size: `realsize` for a GNU sparse member, else `size`. */
    realSize: number;
    gnu: boolean;
}

/** A number field of a tar header: octal text, or GNU's base-256 (high bit set) for large values. */
function numberField(block: Buffer, offset: number, length: number): number {
    if (block[offset] & 0x80) {
        let value = block[offset] & 0x7f;
        for (let i = offset + 1; i < offset + length; i++) value = value * 256 + block[i];
        return value;
    }
    const text = block
        .toString("latin1", offset, offset + length)
        .replace(/[\0 ]+$/, "")
        .trim();
    if (!/^[0-7]*$/.test(text)) throw new StepFailure(`a tar header holds a number field that is not octal: ${text}`);
    return text === "" ? 0 : parseInt(text, 8);
}

/** The header checksum: the sum of its bytes with the checksum field read as spaces. */
function checksumOk(block: Buffer): boolean {
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
    return sum === numberField(block, 148, 8);
}

/**
 * Walks tar blocks as they come out of gunzip: headers, GNU sparse extension blocks, member data
 * (skipped), and the zero blocks that end the archive.
 */
class TarWalker {
    readonly members: Member[] = [];
    private pending = Buffer.alloc(0);
    /** Bytes of member data still to skip. */
    private skip = 0;
    /** GNU sparse extension blocks follow the header just read (before its data). */
    private extended = false;
    /** The data to skip once the extension blocks are read. */
    private dataAfterExtensions = 0;
    private zeroBlocks = 0;

    push(chunk: Buffer): void {
        let data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
        if (this.skip) {
            const skipped = Math.min(this.skip, data.length);
            this.skip -= skipped;
            data = data.subarray(skipped);
        }
        while (data.length >= BLOCK && !this.skip) {
            this.block(data.subarray(0, BLOCK));
            data = data.subarray(BLOCK);
            if (this.skip) {
                const skipped = Math.min(this.skip, data.length);
                this.skip -= skipped;
                data = data.subarray(skipped);
            }
        }
        this.pending = Buffer.from(data);
    }

    /** The archive ended where a tar archive may: after two zero blocks, nothing left over. */
    get complete(): boolean {
        return this.zeroBlocks >= 2 && this.skip === 0 && !this.extended && this.pending.length === 0;
    }

    private block(block: Buffer): void {
        if (this.zeroBlocks) {
            // After the end of the archive only padding (zeros) may follow.
            if (!block.every((b) => b === 0)) throw new StepFailure("the tar archive has data after its end");
            this.zeroBlocks++;
            return;
        }
        if (this.extended) {
            this.extended = block[504] !== 0;
            if (!this.extended) this.skip = this.dataAfterExtensions;
            return;
        }
        if (block.every((b) => b === 0)) {
            this.zeroBlocks = 1;
            return;
        }
        if (!checksumOk(block)) throw new StepFailure("a tar header's checksum is wrong: the archive is damaged");
        const type = String.fromCharCode(block[156] || 0x30);
        const size = numberField(block, 124, 12);
        const gnu = block.toString("latin1", 257, 265) === "ustar  \0";
        const sparse = type === "S";
        this.members.push({
            name: block.toString("utf8", 0, 100).replace(/\0.*$/s, ""),
            type,
            realSize: sparse && gnu ? numberField(block, 483, 12) : size,
            gnu,
        });
        // An old-GNU sparse header is followed by its extension blocks, and only then by its data.
        this.extended = sparse && gnu && block[482] !== 0;
        const data = Math.ceil(size / BLOCK) * BLOCK;
        if (this.extended) this.dataAfterExtensions = data;
        else this.skip = data;
    }
}

/** Reads the archive once: its SHA-256, and the checks of its gzip stream and tar members. */
export function readGceArchive(file: string): Promise<GceArchiveReading> {
    return new Promise((resolve, reject) => {
        const hash = createHash("sha256");
        const walker = new TarWalker();
        const gunzip = createGunzip();
        let failed = false;
        const fail = (error: Error) => {
            if (failed) return;
            failed = true;
            input.destroy();
            gunzip.destroy();
            reject(
                error instanceof StepFailure
                    ? error
                    : new StepFailure(`${file} is not a whole gzip stream: ${error.message}`),
            );
        };
        const input = createReadStream(file, { highWaterMark: 1024 * 1024 });
        input.on("data", (chunk) => hash.update(chunk));
        input.on("error", fail);
        gunzip.on("data", (chunk: Buffer) => {
            try {
                walker.push(chunk);
            } catch (error) {
                fail(error as Error);
            }
        });
        gunzip.on("error", fail);
        gunzip.on("end", () => {
            if (failed) return;
            try {
                resolve({ sha256: hash.digest("hex"), checks: checkMembers(file, walker) });
            } catch (error) {
                fail(error as Error);
            }
        });
        input.pipe(gunzip);
    });
}

function checkMembers(file: string, walker: TarWalker): string[] {
    const { members } = walker;
    if (members.length !== 1 || members[0].name !== "disk.raw") {
        throw new StepFailure(
            `${file} must hold exactly disk.raw; it holds ${members.map((m) => m.name).join(", ") || "nothing"}`,
        );
    }
    const [disk] = members;
    if (!walker.complete) throw new StepFailure(`${file} ends inside its tar archive (no end-of-archive blocks)`);
    if (!disk.gnu) throw new StepFailure(`${file} is not a GNU-format tar`);
    if (disk.type !== "0" && disk.type !== "S") {
        throw new StepFailure(`disk.raw in ${file} is not a regular file (tar type ${JSON.stringify(disk.type)})`);
    }
    if (disk.realSize === 0 || disk.realSize % GIB !== 0) {
        throw new StepFailure(`disk.raw in ${file} is ${disk.realSize} bytes, not a whole number of GiB`);
    }
    return ["tar lists only disk.raw", `disk.raw is ${disk.realSize / GIB} GiB`, "GNU tar format", "gzip stream whole"];
}
