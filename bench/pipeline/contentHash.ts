/**
 * Content-hash rows: an application directory of 2,000 files, 100 MB, hashed by the package (in
 * process, as every preview does, and through `unikernel build` when nothing changed) against
 * `sha256sum` over the same files. The tree is made and then left to settle (the hash index keeps
 * only files older than 2 s), as a real source tree between two `pulumi up`s is.
 */
import { execFileSync } from "child_process";
import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import { buildArgv } from "../../src/contract/build";
import { hashTree } from "../../src/engines/contentHash";
import { Row, median } from "./timing";

const ROOT = path.resolve(__dirname, "..", "..");
const FILES = 2000;
const FILE_BYTES = 50_000;

/** The demo kernel's sources plus 2,000 data files under data/ (the build ignores nothing of them). */
async function makeTree(work: string): Promise<string> {
    const app = path.join(work, "app");
    const example = path.join(ROOT, "examples", "hello-kernel");
    await fs.mkdir(app);
    for (const name of ["Makefile", "boot.S", "main.c", "linker.ld"]) {
        await fs.copyFile(path.join(example, name), path.join(app, name));
    }
    await fs.writeFile(path.join(app, ".gitignore"), "build/\n");
    for (let i = 0; i < FILES; i++) {
        const dir = path.join(app, "data", `d${String(i % 40).padStart(2, "0")}`);
        await fs.mkdir(dir, { recursive: true });
        await fs.writeFile(path.join(dir, `f${String(i).padStart(4, "0")}.bin`), randomBytes(FILE_BYTES));
    }
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return app;
}

export async function contentHashRows(work: string): Promise<Row[]> {
    const app = await makeTree(work);
    const files = execFileSync("find", [app, "-type", "f", "-print0"]);
    const sha256sum = await median(() =>
        execFileSync("xargs", ["-0", "sha256sum"], { input: files, maxBuffer: 64 * 1024 * 1024 }),
    );
    const env = { ...process.env, UNIKERNEL_CACHE_DIR: path.join(work, "cache") };
    const saved = process.env.UNIKERNEL_CACHE_DIR;
    process.env.UNIKERNEL_CACHE_DIR = env.UNIKERNEL_CACHE_DIR;
    try {
        process.env.UNIKERNEL_HASH_INDEX = "off";
        const cold = await median(() => hashTree(app));
        delete process.env.UNIKERNEL_HASH_INDEX;
        await hashTree(app); // fills the index
        const noop = await median(() => hashTree(app));

        const cli = path.join(ROOT, "dist", "cli", "main.js");
        // What a UnikernelImage runs for this application.
        const build = buildArgv({
            dir: app,
            engine: "make",
            target: { platform: "qemu", architecture: "x86_64" },
            family: "bare",
            make: { kernel: "build/hello.elf" },
        });
        execFileSync(process.execPath, [cli, ...build], { env, stdio: "ignore" }); // the one real build
        const cliNoop = await median(() => {
            const out = JSON.parse(execFileSync(process.execPath, [cli, ...build], { env }).toString()) as {
                cached: boolean;
            };
            if (!out.cached) throw new Error("the second build ran the engine: not a no-op");
        });
        const base = `\`sha256sum\` over the ${FILES} files`;
        return [
            {
                step: `content hash, ${FILES} files / 100 MB, first time (every file read)`,
                oursMs: cold,
                baseline: base,
                baselineMs: sha256sum,
            },
            {
                step: "content hash, nothing changed (hash index)",
                oursMs: noop,
                baseline: base,
                baselineMs: sha256sum,
                target: 1.2,
            },
            {
                step: "`unikernel build`, nothing changed (CLI start, hash, cache check)",
                oursMs: cliNoop,
                baseline: base,
                baselineMs: sha256sum,
            },
        ];
    } finally {
        if (saved === undefined) delete process.env.UNIKERNEL_CACHE_DIR;
        else process.env.UNIKERNEL_CACHE_DIR = saved;
        delete process.env.UNIKERNEL_HASH_INDEX;
    }
}
