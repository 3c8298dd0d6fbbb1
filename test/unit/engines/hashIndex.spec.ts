/**
 * The hash index under the content hash: an unchanged file is not read again, any change to a file
 * (content, a swap, a restored mtime) is seen, and the digest is the same with or without the index.
 * Real files and real file times; the index waits for files to settle, so the suite waits once.
 */
import { strict as assert } from "assert";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { hashTree } from "../../../src/engines/contentHash";
import { sha256 } from "../../../src/internal/hashing";

/** The settle time the index needs (2 s) and a margin. */
const SETTLED_MS = 2200;

/** An mtime in whole seconds, well in the past. */
const MTIME = 1_700_000_000;

describe("hashTree with the hash index", function () {
    this.timeout(20000);
    let root: string;
    let app: string;
    const saved = { cache: process.env.UNIKERNEL_CACHE_DIR, index: process.env.UNIKERNEL_HASH_INDEX };

    const indexFile = async () => path.join(root, "cache", "hash-index", `${sha256(await fs.realpath(app))}.json`);
    const readIndex = async () =>
        JSON.parse(await fs.readFile(await indexFile(), "utf8")) as { entries: Record<string, string[]> };
    const withoutIndex = async () => {
        process.env.UNIKERNEL_HASH_INDEX = "off";
        try {
            return await hashTree(app);
        } finally {
            delete process.env.UNIKERNEL_HASH_INDEX;
        }
    };

    before(async () => {
        root = await fs.mkdtemp(path.join(os.tmpdir(), "hash-index-"));
        process.env.UNIKERNEL_CACHE_DIR = path.join(root, "cache");
        delete process.env.UNIKERNEL_HASH_INDEX;
        app = path.join(root, "app");
        await fs.mkdir(path.join(app, "src"), { recursive: true });
        await fs.writeFile(path.join(app, "Makefile"), "all:\n\ttrue\n");
        await fs.writeFile(path.join(app, "src", "main.c"), "int main(void) { return 0; }\n");
        await fs.writeFile(path.join(app, "run.sh"), "#!/bin/sh\n", { mode: 0o755 });
        // Whole seconds, so a test can put an mtime back exactly (as `touch -d` does).
        for (const file of ["Makefile", "src/main.c", "run.sh"]) await fs.utimes(path.join(app, file), MTIME, MTIME);
        await new Promise((resolve) => setTimeout(resolve, SETTLED_MS));
    });

    after(async () => {
        await fs.rm(root, { recursive: true, force: true });
        for (const [key, value] of [
            ["UNIKERNEL_CACHE_DIR", saved.cache],
            ["UNIKERNEL_HASH_INDEX", saved.index],
        ] as const) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    });

    it("records settled files and gives the same entries as reading every file", async () => {
        const first = await hashTree(app);
        assert.deepEqual(first, await withoutIndex());
        const index = await readIndex();
        assert.deepEqual(Object.keys(index.entries).sort(), ["Makefile", "run.sh", "src/main.c"]);
        assert.equal(index.entries["src/main.c"][6], first.find((e) => e.path === "src/main.c")?.sha256);
        assert.equal(first.find((e) => e.path === "run.sh")?.executable, true);
        assert.equal(((await fs.stat(await indexFile())).mode & 0o777).toString(8), "600");
    });

    it("takes an unchanged file's hash from the index without reading it", async () => {
        await hashTree(app);
        // Plant a hash no content has: only a lookup that skips reading the file can return it.
        const file = await indexFile();
        const index = await readIndex();
        const planted = "f".repeat(64);
        index.entries.Makefile[6] = planted;
        await fs.writeFile(file, JSON.stringify(index));
        const entries = await hashTree(app);
        assert.equal(entries.find((e) => e.path === "Makefile")?.sha256, planted);
        // Repair the index for the next tests: reading without it gives the truth, and a change to the
        // file's status makes the next walk read it.
        await fs.rm(file);
        assert.notEqual((await hashTree(app)).find((e) => e.path === "Makefile")?.sha256, planted);
    });

    it("sees a change of content even when the size and the mtime are put back", async () => {
        await hashTree(app);
        const file = path.join(app, "src", "main.c");
        const before = await fs.stat(file, { bigint: true });
        await fs.writeFile(file, "int main(void) { return 7; }\n"); // same size
        await fs.utimes(file, MTIME, MTIME); // as `touch -d` would; ctime still moves
        const after = await fs.stat(file, { bigint: true });
        assert.equal(after.size, before.size);
        assert.equal(after.mtimeNs, before.mtimeNs);
        assert.equal(after.ino, before.ino);
        const entries = await hashTree(app);
        assert.equal(entries.find((e) => e.path === "src/main.c")?.sha256, sha256("int main(void) { return 7; }\n"));
        assert.deepEqual(entries, await withoutIndex());
    });

    it("sees a file swapped for another by rename, and does not keep a file changed just now", async () => {
        await new Promise((resolve) => setTimeout(resolve, SETTLED_MS));
        await hashTree(app);
        const makefile = path.join(app, "Makefile");
        const swap = path.join(root, "swap");
        await fs.writeFile(swap, "all:\n\tfalse\n"); // another inode
        await fs.utimes(swap, MTIME, MTIME);
        await fs.rename(swap, makefile);
        const entries = await hashTree(app);
        assert.equal(entries.find((e) => e.path === "Makefile")?.sha256, sha256("all:\n\tfalse\n"));
        // The rename moved its ctime to now: racily clean, so it is not in the index until it settles.
        assert.equal(Object.hasOwn((await readIndex()).entries, "Makefile"), false);
        assert.ok(Object.hasOwn((await readIndex()).entries, "run.sh"));
    });

    it("drops files that are gone, and starts again from a torn or foreign index", async () => {
        await fs.rm(path.join(app, "run.sh"));
        const entries = await hashTree(app);
        assert.equal(Object.hasOwn((await readIndex()).entries, "run.sh"), false);
        assert.deepEqual(entries, await withoutIndex());
        const index = await readIndex();
        index.entries["src/main.c"][6] = "f".repeat(64);
        const text = JSON.stringify(index);
        await fs.writeFile(await indexFile(), text); // the control: whole, this index is believed
        assert.equal((await hashTree(app)).find((e) => e.path === "src/main.c")?.sha256, "f".repeat(64));
        // Torn mid-write, another directory's, another format's, a malformed entry: none is believed.
        for (const planted of [
            text.slice(0, text.length - 5),
            JSON.stringify({ ...index, root: "/elsewhere" }),
            JSON.stringify({ ...index, format: 2 }),
            // Its status matches, but the hash is not hex: only the entry check refuses it.
            text.replace("f".repeat(64), "F".repeat(64)),
        ]) {
            await fs.writeFile(await indexFile(), planted);
            assert.deepEqual(await hashTree(app), entries, planted.slice(0, 80));
        }
    });
});
