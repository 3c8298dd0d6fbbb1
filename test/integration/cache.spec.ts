/**
 * `unikernel cache ls` and `prune` on a private cache directory laid out as the package lays it
 * out, with a real QEMU started by `run --detach` holding one local VM's pidfile.
 */
import { strict as assert } from "assert";
import { copyFileSync, existsSync, mkdirSync, rmSync, truncateSync, utimesSync, writeFileSync } from "fs";
import * as path from "path";
import { jsonOf, unikernel } from "../helpers/cli";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";

interface Entry {
    kind: string;
    name: string;
    sizeBytes: number;
    modified: string;
    keep?: string;
}

describe("unikernel cache ls and prune", function () {
    this.timeout(5 * 60_000);
    let cache: string;
    let runningPidfile: string;
    const env = () => ({ UNIKERNEL_CACHE_DIR: cache });
    const old = new Date(Date.now() - 40 * 86_400_000);
    const touchOld = (p: string) => utimesSync(p, old, old);
    const at = (...parts: string[]) => path.join(cache, ...parts);

    before(() => {
        cache = tempDir("cache-");
        // An old artifact, a fresh one, and an old one a build holds locked (proper-lockfile's lock directory).
        for (const [digest, file] of [
            ["a".repeat(64), "kernel.elf"],
            ["b".repeat(64), "kernel.elf"],
            ["c".repeat(64), "kernel.elf"],
        ]) {
            mkdirSync(at("artifacts", digest), { recursive: true });
            writeFileSync(at("artifacts", digest, file), Buffer.alloc(8192, 1));
        }
        for (const p of [
            at("artifacts", "a".repeat(64), "kernel.elf"),
            at("artifacts", "a".repeat(64)),
            at("artifacts", "c".repeat(64), "kernel.elf"),
            at("artifacts", "c".repeat(64)),
        ])
            touchOld(p);
        mkdirSync(at("artifacts", `${"c".repeat(64)}.lock`));
        // An old sparse disk of 1 GiB that uses almost nothing.
        mkdirSync(at("disks"));
        writeFileSync(at("disks", "old.img"), "");
        truncateSync(at("disks", "old.img"), 1024 ** 3);
        touchOld(at("disks", "old.img"));
        // The content hash's index of a directory hashed long ago.
        mkdirSync(at("hash-index"));
        writeFileSync(at("hash-index", `${"e".repeat(64)}.json`), '{"format":1,"root":"/gone","entries":{}}');
        touchOld(at("hash-index", `${"e".repeat(64)}.json`));
        // Local VM state: a stopped service, a running one (below), one whose pidfile names a live non-QEMU process.
        for (const svc of ["stopped", "running", "foreign"])
            mkdirSync(at("local", "proj", "stack", svc), { recursive: true });
        writeFileSync(at("local", "proj", "stack", "stopped", "console.log"), "Hello\n");
        touchOld(at("local", "proj", "stack", "stopped", "console.log"));
        touchOld(at("local", "proj", "stack", "stopped"));
        writeFileSync(at("local", "proj", "stack", "foreign", "qemu.pid"), `${process.pid}\n`);
        touchOld(at("local", "proj", "stack", "foreign", "qemu.pid"));
        // An old console of a `run` without --console.
        mkdirSync(at("runs", "20250101T000000-abcdef"), { recursive: true });
        writeFileSync(at("runs", "20250101T000000-abcdef", "console.log"), "Hello\n");
        touchOld(at("runs", "20250101T000000-abcdef", "console.log"));
        touchOld(at("runs", "20250101T000000-abcdef"));
        // A leftover temporary file and a tool folder, both old.
        mkdirSync(at("tmp"));
        writeFileSync(at("tmp", "leftover.tmp"), "x");
        touchOld(at("tmp", "leftover.tmp"));
        mkdirSync(at("grub"));
        writeFileSync(at("grub", "boot.img"), "x");
        touchOld(at("grub", "boot.img"));
        touchOld(at("grub"));

        // The running VM boots a kernel from the cache: prune must keep what a live QEMU names.
        mkdirSync(at("artifacts", "d".repeat(64)));
        copyFileSync(demoKernel(), at("artifacts", "d".repeat(64), "kernel.elf"));
        touchOld(at("artifacts", "d".repeat(64), "kernel.elf"));
        touchOld(at("artifacts", "d".repeat(64)));
        runningPidfile = at("local", "proj", "stack", "running", "qemu.pid");
        const run = unikernel(
            [
                "run",
                "--kernel",
                at("artifacts", "d".repeat(64), "kernel.elf"),
                "--cmdline",
                "cache stay",
                "--expect",
                DEMO_LINE,
                "--detach",
                "--pidfile",
                runningPidfile,
                "--console",
                at("local", "proj", "stack", "running", "console.log"),
                "--json",
            ],
            env(),
        );
        assert.equal(run.code, 0, run.stderr);
        for (const p of [runningPidfile, at("local", "proj", "stack", "running", "console.log")]) touchOld(p);
    });

    after(() => {
        if (runningPidfile) unikernel(["stop", "--pidfile", runningPidfile], env());
        rmSync(cache, { recursive: true, force: true });
    });

    it("lists every entry with its kind, allocated size and age, and says what prune keeps", () => {
        const out = jsonOf(unikernel(["cache", "ls", "--json"], env()));
        const entries = out.entries as Entry[];
        const byName = new Map(entries.map((e) => [e.name, e]));
        assert.deepEqual(
            entries.map((e) => `${e.kind} ${e.name}`),
            [
                `artifact artifacts/${"a".repeat(64)}`,
                `artifact artifacts/${"b".repeat(64)}`,
                `artifact artifacts/${"c".repeat(64)}`,
                `artifact artifacts/${"d".repeat(64)}`,
                "disk disks/old.img",
                `index hash-index/${"e".repeat(64)}.json`,
                "local local/proj/stack/foreign",
                "local local/proj/stack/running",
                "local local/proj/stack/stopped",
                "run runs/20250101T000000-abcdef",
                "tmp tmp/leftover.tmp",
                "tool grub",
            ],
        );
        assert.ok(byName.get("disks/old.img")!.sizeBytes < 1024 * 1024, "a sparse disk counts the blocks it uses");
        assert.ok(Date.parse(byName.get("disks/old.img")!.modified) < Date.now() - 39 * 86_400_000);
        assert.match(byName.get(`artifacts/${"c".repeat(64)}`)!.keep ?? "", /holds its lock/);
        assert.match(byName.get(`artifacts/${"d".repeat(64)}`)!.keep ?? "", /a running QEMU \(pid \d+\) uses it/);
        assert.match(byName.get("local/proj/stack/running")!.keep ?? "", /its VM runs \(QEMU pid \d+\)/);
        assert.match(byName.get("local/proj/stack/foreign")!.keep ?? "", /not proven gone/);
        assert.match(byName.get("grub")!.keep ?? "", /never pruned/);
        assert.equal(byName.get("local/proj/stack/stopped")!.keep, undefined);
        assert.equal(
            out.totalBytes,
            entries.reduce((s, e) => s + e.sizeBytes, 0),
        );
    });

    it("prunes by age only what may go, and a dry run removes nothing", () => {
        const dry = jsonOf(unikernel(["cache", "prune", "--all", "--dry-run", "--json"], env()));
        assert.equal((dry.removed as Entry[]).length, 7);
        assert.ok(existsSync(at("artifacts", "b".repeat(64))) && existsSync(at("disks", "old.img")), "nothing removed");

        const pruned = jsonOf(unikernel(["cache", "prune", "--older-than", "30", "--json"], env()));
        assert.deepEqual(
            (pruned.removed as Entry[]).map((e) => e.name),
            [
                `artifacts/${"a".repeat(64)}`,
                "disks/old.img",
                `hash-index/${"e".repeat(64)}.json`,
                "local/proj/stack/stopped",
                "runs/20250101T000000-abcdef",
                "tmp/leftover.tmp",
            ],
        );
        assert.equal(
            pruned.freedBytes,
            (pruned.removed as Entry[]).reduce((s, e) => s + e.sizeBytes, 0),
        );
        for (const gone of [
            at("artifacts", "a".repeat(64)),
            at("disks", "old.img"),
            at("hash-index", `${"e".repeat(64)}.json`),
            at("local", "proj", "stack", "stopped"),
            at("tmp", "leftover.tmp"),
        ]) {
            assert.ok(!existsSync(gone), `${gone} removed`);
        }
        for (const kept of [
            at("artifacts", "b".repeat(64)),
            at("artifacts", "c".repeat(64)),
            runningPidfile,
            at("local", "proj", "stack", "foreign"),
            at("grub"),
        ]) {
            assert.ok(existsSync(kept), `${kept} kept`);
        }
        assert.equal(
            unikernel(["stop", "--pidfile", runningPidfile, "--json"], env()).code,
            0,
            "the running VM was left alone",
        );
    });

    it("refuses prune without --older-than or --all (usage, exit 2)", () => {
        const run = unikernel(["cache", "prune"], env());
        assert.equal(run.code, 2);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /give exactly one of --older-than <days> and --all/);
    });
});
