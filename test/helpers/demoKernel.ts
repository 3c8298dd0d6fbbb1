/**
 * The demo kernel, built once per test run with the real gcc and make into a temp directory (the
 * examples/ tree is never written to), plus byte-level variants that reproduce real kernels'
 * defects: an empty PT_LOAD inside another segment (what GRUB 2.06 refuses with "overlap
 * detected"), overlapping segments, no Multiboot header, a plain arm64 Image.
 */
import { execFileSync } from "child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { buildArgv } from "../../src/contract/build";

export const ROOT = path.resolve(__dirname, "..", "..");
export const DEMO_DIR = path.join(ROOT, "examples", "hello-kernel");
export const DEMO_LINE = "Hello from the pulumi-unikernel demo kernel";

let built: string | undefined;

/** Path of the demo kernel, built on first use. */
export function demoKernel(): string {
    if (!built) {
        const out = mkdtempSync(path.join(os.tmpdir(), "demo-kernel-"));
        execFileSync("make", ["-s", "-C", DEMO_DIR, `OUT=${out}`], { stdio: ["ignore", "ignore", "inherit"] });
        built = path.join(out, "hello.elf");
    }
    return built;
}

/**
 * A checkout of the demo kernel's sources at `dir` (made here): the files a repository holds, its
 * .gitignore (build/) included, and no build output. Returns `dir`.
 */
export function demoCheckout(dir: string): string {
    mkdirSync(dir, { recursive: true });
    for (const file of [".gitignore", "Makefile", "boot.S", "main.c", "linker.ld"]) {
        copyFileSync(path.join(DEMO_DIR, file), path.join(dir, file));
    }
    return dir;
}

/**
 * `unikernel build` of a demo checkout as a UnikernelImage runs it (make engine, qemu/x86_64, bare),
 * with `extra` options before `--json`.
 */
export function demoBuildArgv(dir: string, extra: readonly string[] = []): string[] {
    const argv = buildArgv({
        dir,
        engine: "make",
        target: { platform: "qemu", architecture: "x86_64" },
        family: "bare",
        make: { kernel: "build/hello.elf" },
    });
    return [...argv.slice(0, -1), ...extra, "--json"];
}

/** A fresh temp directory for one test. */
export function tempDir(prefix = "unikernel-test-"): string {
    return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Rewrites program header `index` of an ELF32 in a copy. */
function withProgramHeader(
    bytes: Buffer,
    index: number,
    fields: { type: number; offset: number; paddr: number; filesz: number; memsz: number },
): Buffer {
    const copy = Buffer.from(bytes);
    const phoff = copy.readUInt32LE(28);
    const at = phoff + index * copy.readUInt16LE(42);
    copy.writeUInt32LE(fields.type, at);
    copy.writeUInt32LE(fields.offset, at + 4);
    copy.writeUInt32LE(fields.paddr, at + 8); // vaddr = paddr
    copy.writeUInt32LE(fields.paddr, at + 12);
    copy.writeUInt32LE(fields.filesz, at + 16);
    copy.writeUInt32LE(fields.memsz, at + 20);
    return copy;
}

/** The demo kernel's GNU_STACK header (index 3) turned into an empty PT_LOAD at the start of .text. */
export function kernelWithEmptyLoad(dir: string): string {
    const file = path.join(dir, "empty-load.elf");
    writeFileSync(
        file,
        withProgramHeader(readFileSync(demoKernel()), 3, { type: 1, offset: 0, paddr: 0x100000, filesz: 0, memsz: 0 }),
    );
    return file;
}

/** A loadable segment overlapping .text: no boot loader can place both. */
export function kernelWithOverlap(dir: string): string {
    const file = path.join(dir, "overlap.elf");
    writeFileSync(
        file,
        withProgramHeader(readFileSync(demoKernel()), 3, {
            type: 1,
            offset: 0,
            paddr: 0x100100,
            filesz: 0,
            memsz: 0x2000,
        }),
    );
    return file;
}

/** The demo kernel with its Multiboot magic erased: what an lxboot (fc) kernel looks like to GRUB. */
export function kernelWithoutMultiboot(dir: string): string {
    const bytes = Buffer.from(readFileSync(demoKernel()));
    const at = bytes.indexOf(Buffer.from([0x02, 0xb0, 0xad, 0x1b]));
    bytes.writeUInt32LE(0, at);
    const file = path.join(dir, "no-multiboot.elf");
    writeFileSync(file, bytes);
    return file;
}

/** 64 KiB shaped like a plain arm64 Linux Image: "ARM\x64" at 0x38, no MZ/PE header. */
export function plainArm64Image(dir: string): string {
    const bytes = Buffer.alloc(65536);
    bytes.write("ARM\x64", 0x38, "latin1");
    const file = path.join(dir, "Image");
    writeFileSync(file, bytes);
    return file;
}

/**
 * A copy of the demo kernel's sources in `root/app` whose Makefile also counts its runs (in a file
 * outside the app directory, so the count is not an input). `recipeDelay` keeps each run going that
 * many seconds, so a second build can arrive while one runs.
 */
export function countingApp(root: string, recipeDelay = 0): { dir: string; runs: () => number } {
    const dir = path.join(root, "app");
    mkdirSync(dir);
    for (const file of ["boot.S", "main.c", "linker.ld", ".gitignore"])
        copyFileSync(path.join(DEMO_DIR, file), path.join(dir, file));
    copyFileSync(path.join(DEMO_DIR, "Makefile"), path.join(dir, "hello.mk"));
    const counter = path.join(root, "make-runs.log");
    writeFileSync(
        path.join(dir, "Makefile"),
        `include hello.mk\nall: count\ncount:\n\t@echo run >> ${counter}${recipeDelay ? `; sleep ${recipeDelay}` : ""}\n.PHONY: count\n`,
    );
    return { dir, runs: () => (existsSync(counter) ? readFileSync(counter, "utf8").trim().split("\n").length : 0) };
}
