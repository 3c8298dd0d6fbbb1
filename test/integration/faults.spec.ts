/**
 * Faults, through the `unikernel` binary with real tools: a run killed halfway (SIGTERM and SIGKILL)
 * leaves no temporary file and no tool behind; damaged cache entries are rebuilt, never trusted;
 * concurrent builds of one digest run the engine once; concurrent disks to one path agree; stale
 * and foreign pidfiles never lead to a signal.
 */
import { strict as assert } from "assert";
import { spawn, spawnSync } from "child_process";
import {
    chmodSync,
    existsSync,
    mkdirSync,
    readFileSync,
    readdirSync,
    rmSync,
    symlinkSync,
    truncateSync,
    writeFileSync,
} from "fs";
import * as path from "path";
import { countingApp, demoKernel, tempDir } from "../helpers/demoKernel";
import { BIN, CliRun, jsonOf, unikernel } from "../helpers/cli";

/** Runs the CLI without blocking, so two runs overlap. */
function start(args: string[], env: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const done = new Promise<CliRun>((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
    return { child, done };
}

/** Processes whose command line mentions `text` (other than this test's own). */
function processesMentioning(text: string): string[] {
    const ps = spawnSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).stdout.split("\n");
    return ps.filter((line) => line.includes(text) && !line.includes("ps -eo"));
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
    }
}

describe("faults", function () {
    this.timeout(300_000);
    let root: string;
    let env: NodeJS.ProcessEnv;
    beforeEach(() => {
        root = tempDir("unikernel-faults-");
        env = { UNIKERNEL_CACHE_DIR: path.join(root, "cache") };
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    /** A 192 MiB raw disk of random bytes: slow enough to gzip that a run can be stopped halfway. */
    function bigDisk(): string {
        const disk = path.join(root, "big.img");
        spawnSync("sh", ["-c", `head -c ${192 * 1024 * 1024} /dev/urandom > '${disk}'`]);
        return disk;
    }

    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        it(`${signal} during a conversion stops its tools and removes its temporary files, and exits 128+n`, async () => {
            const disk = bigDisk();
            const out = path.join(root, "out", "big.tar.gz");
            const run = start(["convert", disk, "--format", "gce", "--out", out], env);
            // Wait until tar is compressing into the temporary file beside the output.
            await until(
                () => existsSync(path.dirname(out)) && readdirSync(path.dirname(out)).some((f) => f.endsWith(".tmp")),
                60_000,
            );
            run.child.kill(signal);
            const result = await run.done;
            assert.equal(result.code, signal === "SIGTERM" ? 143 : 130, result.stderr);
            assert.deepEqual(readdirSync(path.dirname(out)), [], "no temporary or partial output");
            assert.deepEqual(readdirSync(path.join(root, "cache", "tmp")), [], "no work directory");
            await until(() => processesMentioning(root).length === 0, 5_000).catch(() =>
                assert.fail(`tools left running:\n${processesMentioning(root).join("\n")}`),
            );
        });
    }

    it("SIGKILL during a conversion: its tools die with it (no orphans), and the next run sweeps what it left", async () => {
        const disk = bigDisk();
        const out = path.join(root, "out", "big.tar.gz");
        const run = start(["convert", disk, "--format", "gce", "--out", out], env);
        await until(
            () => existsSync(path.dirname(out)) && readdirSync(path.dirname(out)).some((f) => f.endsWith(".tmp")),
            60_000,
        );
        run.child.kill("SIGKILL");
        await run.done;
        await until(() => processesMentioning(root).length === 0, 5_000).catch(() =>
            assert.fail(`orphaned tools:\n${processesMentioning(root).join("\n")}`),
        );
        assert.ok(
            readdirSync(path.dirname(out)).some((f) => f.endsWith(".tmp")),
            "a killed process cannot clean up after itself",
        );
        const again = unikernel(
            ["convert", disk, "--format", "qcow2", "--out", out.replace(/\.tar\.gz$/, ".qcow2"), "--json"],
            env,
        );
        assert.equal(again.code, 0, again.stderr);
        const small = unikernel(["convert", disk, "--format", "gce", "--out", out, "--json"], env);
        assert.equal(small.code, 0, small.stderr);
        assert.deepEqual(
            readdirSync(path.dirname(out)).filter((f) => f.endsWith(".tmp")),
            [],
            "the dead run's temporary was swept",
        );
        assert.deepEqual(readdirSync(path.join(root, "cache", "tmp")), [], "and its work directory");
    });

    context("the artifact cache", () => {
        const make = (dir: string) =>
            unikernel(
                ["build", dir, "--engine", "make", "--kernel-path", "build/hello.elf", "--family", "bare", "--json"],
                env,
            );

        for (const [damage, note] of [
            ["truncates the cached kernel", /no longer matches its SHA-256/],
            ["replaces the record with garbage", /its record is not JSON/],
            ["points the record at a host file", /names a kernel outside the entry/],
            ["removes the kernel", /its kernel is missing/],
            // Same bytes, so the hash matches: only the file type gives the swap away.
            ["swaps the kernel for a symbolic link to a copy elsewhere", /its kernel is not a regular file/],
        ] as const) {
            it(`rebuilds when something ${damage}, saying why, and never reports a stale digest`, () => {
                const app = countingApp(root, 1);
                const first = jsonOf(make(app.dir));
                const entry = path.join(root, "cache", "artifacts", first.digest as string);
                const kernel = path.join(entry, "kernel");
                const record = path.join(entry, "artifact.json");
                if (damage === "truncates the cached kernel") truncateSync(kernel, 100);
                if (damage === "replaces the record with garbage") writeFileSync(record, "{ not json");
                if (damage === "points the record at a host file")
                    writeFileSync(
                        record,
                        JSON.stringify({
                            ...JSON.parse(readFileSync(record, "utf8")),
                            kernel: "/etc/hostname",
                            path: "/etc/hostname",
                        }),
                    );
                if (damage === "removes the kernel") rmSync(kernel);
                if (damage === "swaps the kernel for a symbolic link to a copy elsewhere") {
                    const elsewhere = path.join(root, "elsewhere.elf");
                    writeFileSync(elsewhere, readFileSync(kernel));
                    rmSync(kernel);
                    symlinkSync(elsewhere, kernel);
                }
                const second = make(app.dir);
                assert.equal(second.code, 0, second.stderr);
                assert.match(second.stderr, note);
                assert.doesNotMatch(second.stderr, /internal error|at .*\.js:\d+/, "no stack trace");
                const artifact = jsonOf(second);
                assert.equal(artifact.cached, false);
                assert.equal(app.runs(), 2, "the engine ran again");
                assert.equal(artifact.sha256, first.sha256, "the rebuilt kernel is the same bytes");
                assert.equal(jsonOf(make(app.dir)).cached, true, "and the repaired entry is used next time");
            });
        }

        it("refuses a cache directory other users can write to, before building anything", () => {
            const shared = path.join(root, "shared-cache");
            mkdirSync(shared);
            chmodSync(shared, 0o777);
            const app = countingApp(root, 1);
            const run = unikernel(
                [
                    "build",
                    app.dir,
                    "--engine",
                    "make",
                    "--kernel-path",
                    "build/hello.elf",
                    "--family",
                    "bare",
                    "--json",
                ],
                { UNIKERNEL_CACHE_DIR: shared },
            );
            assert.equal(run.code, 1, run.stderr);
            assert.match(
                run.stderr,
                /the cache directory .*shared-cache can be written by any user \(mode 777\).*chmod go-w/,
            );
            assert.equal(app.runs(), 0, "nothing was built");
            assert.deepEqual(readdirSync(shared), []);
        });

        it("two builds of one digest at once: make runs once, both report the same artifact", async () => {
            const app = countingApp(root, 1);
            const args = [
                "build",
                app.dir,
                "--engine",
                "make",
                "--kernel-path",
                "build/hello.elf",
                "--family",
                "bare",
                "--json",
            ];
            const [a, b] = await Promise.all([start(args, env).done, start(args, env).done]);
            assert.equal(a.code, 0, a.stderr);
            assert.equal(b.code, 0, b.stderr);
            assert.equal(app.runs(), 1, "one engine run for one digest");
            const [ja, jb] = [jsonOf(a), jsonOf(b)];
            assert.equal(ja.digest, jb.digest);
            assert.deepEqual([ja.cached, jb.cached].sort(), [false, true]);
            assert.match(a.stderr + b.stderr, /waiting for another run/);
        });
    });

    it("two disks to one path at once: both succeed and both report the digest of the file that is there", async () => {
        const out = path.join(root, "disk.img");
        const args = ["disk", "--kernel", demoKernel(), "--boot", "bios", "--cmdline", "same", "--out", out, "--json"];
        const runs = await Promise.all([1, 2, 3].map(() => start(args, env).done));
        const sha = spawnSync("sha256sum", [out], { encoding: "utf8" }).stdout.split(" ")[0];
        for (const run of runs) {
            assert.equal(run.code, 0, run.stderr);
            assert.equal(jsonOf(run).sha256, sha, "disks are reproducible: every run wrote these bytes");
        }
        assert.deepEqual(
            readdirSync(root).filter((f) => f.endsWith(".tmp")),
            [],
        );
    });

    it("SIGINT while a detached VM boots stops that VM and removes its pidfile", async () => {
        const pidfile = path.join(root, "vm.pid");
        const run = start(
            [
                "run",
                "--kernel",
                demoKernel(),
                "--cmdline",
                "stay",
                "--detach",
                "--pidfile",
                pidfile,
                "--expect",
                "a line that never comes",
                "--timeout",
                "600",
                "--accel",
                "tcg",
                "--console",
                path.join(root, "console.log"),
            ],
            env,
        );
        await until(() => existsSync(pidfile) && readFileSync(pidfile, "utf8").trim() !== "", 60_000);
        const pid = Number(readFileSync(pidfile, "utf8").trim());
        run.child.kill("SIGINT");
        const result = await run.done;
        assert.equal(result.code, 130, result.stderr);
        await until(
            () => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").split(" ")[2] === "Z",
            10_000,
        ).catch(() => assert.fail(`the VM (pid ${pid}) still runs after the run was interrupted`));
        assert.ok(!existsSync(pidfile), "its pidfile is gone");
    });

    context("stop with stale and foreign pidfiles", () => {
        it("never signals a process that is not the QEMU started with that pidfile, and leaves any file that is not a dead pidfile as it is", () => {
            const sleeper = spawn("sleep", ["120"], { stdio: "ignore" });
            try {
                const pidfile = path.join(root, "qemu.pid");
                // A live stranger, pids that mean "everyone" or init, ourselves, and files that are no pidfile at all.
                for (const content of [
                    String(sleeper.pid),
                    "-1",
                    "0",
                    "1",
                    String(process.pid),
                    "abc",
                    "99999999999",
                    "",
                    "x".repeat(4096),
                ]) {
                    writeFileSync(pidfile, content);
                    const run = unikernel(["stop", "--pidfile", pidfile, "--json"], env);
                    assert.equal(run.code, 0, run.stderr);
                    assert.deepEqual(Object.keys(jsonOf(run)).sort(), ["removed", "stale", "stopped"], run.stdout);
                    assert.equal(jsonOf(run).stopped, false);
                    assert.equal(jsonOf(run).removed, false, `${JSON.stringify(content.slice(0, 20))} is left alone`);
                    assert.match(run.stderr, /signalled nobody and left .* as it is/);
                    assert.equal(readFileSync(pidfile, "utf8"), content, "the file is untouched");
                    assert.doesNotThrow(
                        () => process.kill(sleeper.pid!, 0),
                        `the bystander survives ${JSON.stringify(content.slice(0, 20))}`,
                    );
                }
                // A pidfile of a process that is gone (above Linux's largest pid_max) is stale: removed.
                writeFileSync(pidfile, "4194399\n");
                const dead = unikernel(["stop", "--pidfile", pidfile, "--json"], env);
                assert.equal(dead.code, 0, dead.stderr);
                assert.deepEqual(
                    { stopped: jsonOf(dead).stopped, removed: jsonOf(dead).removed },
                    { stopped: false, removed: true },
                );
                assert.match(
                    dead.stderr,
                    /removed a stale pidfile without signalling anyone: process 4194399 is not running/,
                );
                assert.ok(!existsSync(pidfile));
                mkdirSync(pidfile);
                const dir = unikernel(["stop", "--pidfile", pidfile, "--json"], env);
                assert.equal(dir.code, 0, dir.stderr);
                assert.match(jsonOf(dir).stale as string, /is not a regular file/);
                assert.ok(existsSync(pidfile), "a directory is left where it is");
                const none = unikernel(["stop", "--pidfile", path.join(root, "absent.pid"), "--json"], env);
                assert.deepEqual(jsonOf(none), { stopped: false });
            } finally {
                sleeper.kill("SIGKILL");
            }
        });

        it("run --detach refuses a --pidfile path that holds something other than a stale pidfile, and leaves it", () => {
            const precious = path.join(root, "precious.txt");
            writeFileSync(precious, "not a pidfile\n");
            const run = unikernel(
                [
                    "run",
                    "--kernel",
                    demoKernel(),
                    "--detach",
                    "--pidfile",
                    precious,
                    "--expect",
                    "x",
                    "--accel",
                    "tcg",
                    "--json",
                ],
                env,
            );
            assert.equal(run.code, 1, run.stderr);
            assert.match(run.stderr + run.stdout, /precious\.txt/);
            assert.equal(readFileSync(precious, "utf8"), "not a pidfile\n");
        });
    });
});
