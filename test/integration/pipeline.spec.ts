/**
 * The pipeline through the `unikernel` binary, with a private cache per test: build (real make and
 * gcc; kraft and ops through test doubles, since the real ones need their package servers), the
 * artifact cache, tool checks, disk, convert and run.
 */
import { strict as assert } from "assert";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { countingApp, DEMO_LINE, ROOT, demoKernel, tempDir } from "../helpers/demoKernel";
import { jsonOf, unikernel } from "../helpers/cli";

const TOOLS = path.join(ROOT, "test", "fixtures", "tools");

describe("unikernel build", function () {
    this.timeout(300_000);
    let root: string;
    let env: NodeJS.ProcessEnv;
    beforeEach(() => {
        root = tempDir();
        env = { UNIKERNEL_CACHE_DIR: path.join(root, "cache"), FAKE_TOOL_LOG: path.join(root, "tool.log") };
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    const make = (dir: string, extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) =>
        unikernel(
            [
                "build",
                dir,
                "--engine",
                "make",
                "--kernel-path",
                "build/hello.elf",
                "--family",
                "bare",
                "--json",
                ...extra,
            ],
            { ...env, ...extraEnv },
        );

    context("with the make engine", () => {
        it("builds once, then reuses the artifact without running make; a source change rebuilds", () => {
            const app = countingApp(root);
            const first = make(app.dir);
            assert.equal(first.code, 0, first.stderr);
            const a = jsonOf(first);
            assert.equal(a.cached, false);
            assert.equal(app.runs(), 1);
            for (const key of ["path", "sha256", "sizeBytes", "digest"]) assert.ok(a[key], `${key} in ${first.stdout}`);
            assert.ok((a.path as string).startsWith(path.join(root, "cache", "artifacts")));

            const second = make(app.dir);
            assert.equal(second.code, 0, second.stderr);
            assert.equal(jsonOf(second).cached, true);
            assert.equal(jsonOf(second).digest, a.digest);
            assert.equal(app.runs(), 1, "the second build ran no make");
            assert.match(second.stderr, /is up to date/);

            writeFileSync(
                path.join(app.dir, "main.c"),
                readFileSync(path.join(app.dir, "main.c"), "utf8").replace(DEMO_LINE, "Hello, changed"),
            );
            const third = make(app.dir);
            assert.equal(third.code, 0, third.stderr);
            assert.equal(jsonOf(third).cached, false);
            assert.notEqual(jsonOf(third).digest, a.digest);
            assert.equal(app.runs(), 2);
        });

        it("leaves ignored build outputs out of the digest", () => {
            const app = countingApp(root);
            const digest = jsonOf(make(app.dir)).digest;
            writeFileSync(path.join(app.dir, "build", "stray.o"), "junk");
            assert.equal(jsonOf(make(app.dir)).digest, digest);
        });

        it("fails with the compiler's own error and caches nothing", () => {
            const app = countingApp(root);
            writeFileSync(path.join(app.dir, "main.c"), "this is not C;\n");
            const run = make(app.dir);
            assert.equal(run.code, 1);
            assert.match(run.stderr, /make failed with exit code 2; its last output:/);
            assert.match(run.stderr, /main\.c:1:\d+: error/);
            assert.ok(jsonOf(run).error);
            assert.deepEqual(
                existsSync(path.join(root, "cache", "artifacts"))
                    ? readdirSync(path.join(root, "cache", "artifacts"))
                    : [],
                [],
            );
        });

        it("refuses a make that is too old, naming the minimum, the version found and how to install, and runs nothing", () => {
            const app = countingApp(root);
            const run = make(app.dir, [], { PATH: `${path.join(TOOLS, "make-old")}:${process.env.PATH}` });
            assert.equal(run.code, 1);
            assert.match(
                run.stderr,
                /make 4\.0 or newer is required; found 3\.81\. Install it with `apt-get install make`/,
            );
            assert.equal(app.runs(), 0);
            assert.equal(existsSync(env.FAKE_TOOL_LOG!), false, "the old make never built");
        });

        it("says a missing make is not on PATH", () => {
            const app = countingApp(root);
            const run = make(app.dir, [], { PATH: path.join(root, "empty-path") });
            assert.equal(run.code, 1);
            assert.match(run.stderr, /make 4\.0 or newer is required; found none \(not on PATH\)/);
        });
    });

    context("with the kraft engine (test double for kraft)", () => {
        const kraftfile = "spec: v0.6\nname: helloworld\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - fc/x86_64\n";

        it("runs kraft build with the target's flags and picks up the kernel from .unikraft/build", () => {
            const dir = path.join(root, "kapp");
            mkdirSync(dir);
            writeFileSync(path.join(dir, "Kraftfile"), kraftfile);
            const run = unikernel(["build", dir, "--target", "fc/x86_64", "--jobs", "2", "--json"], {
                ...env,
                PATH: `${path.join(TOOLS, "kraft-fake")}:${process.env.PATH}`,
                FAKE_KERNEL: demoKernel(),
            });
            assert.equal(run.code, 0, run.stderr);
            const artifact = jsonOf(run);
            assert.deepEqual(artifact.target, { platform: "fc", architecture: "x86_64" });
            assert.equal(artifact.engine, "kraft");
            assert.equal(artifact.engineVersion, "0.11.6");
            assert.equal(artifact.kernelFamily, "unikraft");
            assert.equal(
                readFileSync(env.FAKE_TOOL_LOG!, "utf8"),
                "build --plat fc --arch x86_64 --jobs 2 --kraftfile Kraftfile\n",
            );
            assert.deepEqual(readFileSync(artifact.kernel as string), readFileSync(demoKernel()));
        });

        it("refuses an old kraft before running it", () => {
            const dir = path.join(root, "kapp");
            mkdirSync(dir);
            writeFileSync(path.join(dir, "Kraftfile"), kraftfile);
            const run = unikernel(["build", dir, "--json"], {
                ...env,
                PATH: `${path.join(TOOLS, "kraft-old")}:${process.env.PATH}`,
            });
            assert.equal(run.code, 1);
            assert.match(
                run.stderr,
                /kraft 0\.9\.0 or newer is required; found 0\.6\.1\. Install KraftKit: see https:\/\/unikraft\.org\/docs\/cli\/install/,
            );
            assert.equal(existsSync(env.FAKE_TOOL_LOG!), false);
        });

        it("rejects a target the Kraftfile does not declare", () => {
            const dir = path.join(root, "kapp");
            mkdirSync(dir);
            writeFileSync(path.join(dir, "Kraftfile"), kraftfile);
            const run = unikernel(["build", dir, "--target", "xen/x86_64"], {
                ...env,
                PATH: `${path.join(TOOLS, "kraft-fake")}:${process.env.PATH}`,
            });
            assert.equal(run.code, 1);
            assert.match(
                run.stderr,
                /target xen\/x86_64 is not declared by application "helloworld"; it declares qemu\/x86_64, fc\/x86_64/,
            );
        });
    });

    context("with the ops engine (test double for ops)", () => {
        it("writes config.json, runs ops build, and takes the disk from ~/.ops/images", () => {
            const dir = path.join(root, "opsapp");
            mkdirSync(dir);
            writeFileSync(
                path.join(dir, "config.json"),
                JSON.stringify({ Program: "web", Args: ["-p", "80"], RunConfig: { Memory: "128M" } }),
            );
            const fakeDisk = path.join(root, "nanos.img");
            writeFileSync(fakeDisk, Buffer.alloc(1024 * 1024, 7));
            const run = unikernel(["build", dir, "--json"], {
                ...env,
                HOME: root,
                PATH: `${path.join(TOOLS, "ops-fake")}:${process.env.PATH}`,
                FAKE_DISK: fakeDisk,
            });
            assert.equal(run.code, 0, run.stderr);
            const artifact = jsonOf(run);
            assert.equal(artifact.kind, "disk");
            assert.equal(artifact.kernelFamily, "nanos");
            assert.equal(
                readFileSync(env.FAKE_TOOL_LOG!, "utf8"),
                "build web -c .unikernel/ops-config.json -i opsapp\n",
            );
            assert.deepEqual(JSON.parse(readFileSync(path.join(dir, ".unikernel", "ops-config.json"), "utf8")), {
                Program: "web",
                Args: ["-p", "80"],
                RunConfig: { Memory: "128M" },
            });
        });
    });

    context("with the prebuilt engine", () => {
        it("gives the same digest for the same kernel bytes wherever the file is", () => {
            const a = path.join(root, "a");
            const b = path.join(root, "b", "deeper");
            mkdirSync(a);
            mkdirSync(b, { recursive: true });
            copyFileSync(demoKernel(), path.join(a, "kernel.elf"));
            copyFileSync(demoKernel(), path.join(b, "other-name"));
            const first = jsonOf(unikernel(["build", a, "--kernel", path.join(a, "kernel.elf"), "--json"], env));
            const second = jsonOf(
                unikernel(["build", b, "--kernel", path.join(b, "other-name"), "--json"], {
                    ...env,
                    UNIKERNEL_CACHE_DIR: path.join(root, "cache2"),
                }),
            );
            assert.equal(first.digest, second.digest);
            assert.equal(first.sha256, second.sha256);
        });

        it("rejects a missing kernel", () => {
            const run = unikernel(["build", root, "--kernel", path.join(root, "none"), "--json"], env);
            assert.equal(run.code, 1);
            assert.match(jsonOf(run).error as string, /the prebuilt file .*none does not exist/);
        });
    });
});

describe("unikernel disk, convert and run", function () {
    this.timeout(300_000);
    let root: string;
    before(() => {
        root = tempDir();
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("makes a disk, converts it, and boots it, reporting the JSON contract of each", () => {
        const disk = unikernel([
            "disk",
            "--kernel",
            demoKernel(),
            "--boot",
            "bios",
            "--cmdline",
            "from=cli",
            "--out",
            path.join(root, "d.img"),
            "--json",
        ]);
        assert.equal(disk.code, 0, disk.stderr);
        const d = jsonOf(disk);
        assert.equal(d.path, path.join(root, "d.img"));
        assert.match(d.sha256 as string, /^[0-9a-f]{64}$/);
        assert.equal(d.sizeBytes, 9 * 1024 * 1024);

        const qcow2 = unikernel([
            "convert",
            d.path,
            "--format",
            "qcow2",
            "--out",
            path.join(root, "d.qcow2"),
            "--json",
        ]);
        assert.equal(qcow2.code, 0, qcow2.stderr);
        assert.deepEqual(
            Object.keys(jsonOf(qcow2))
                .filter((k) => ["path", "sha256", "sizeBytes"].includes(k))
                .sort(),
            ["path", "sha256", "sizeBytes"],
        );

        const run = unikernel([
            "run",
            "--disk",
            path.join(root, "d.qcow2"),
            // The line after the greeting: QEMU is stopped once it matches, so a later line may never be written.
            "--expect",
            "cmdline: from=cli",
            "--timeout",
            "120",
            "--json",
        ]);
        assert.equal(run.code, 0, run.stderr);
        const r = jsonOf(run);
        assert.equal(r.matched, true);
        assert.equal(typeof r.bootMs, "number");
        assert.ok((r.bootMs as number) > 0);
        assert.match(
            readFileSync(r.consoleLog as string, "utf8"),
            new RegExp(`${DEMO_LINE}[\\s\\S]*cmdline: from=cli`),
        );
    });

    it("boots a kernel directly and reports a missed ready line with exit 1 and the console tail", () => {
        const ok = unikernel(["run", "--kernel", demoKernel(), "--expect", "powering off", "--json"]);
        assert.equal(ok.code, 0, ok.stderr);
        const missed = unikernel([
            "run",
            "--kernel",
            demoKernel(),
            "--expect",
            "never printed",
            "--timeout",
            "20",
            "--console",
            path.join(root, "missed.log"),
        ]);
        assert.equal(missed.code, 1);
        assert.match(
            missed.stdout,
            /QEMU exited with 0 before the ready line; last console lines:\n.*Hello from the pulumi-unikernel demo kernel/s,
        );
        assert.ok(existsSync(path.join(root, "missed.log")));
    });

    it("rejects usage errors with exit 2 and bad input with exit 1", () => {
        assert.equal(unikernel(["convert", demoKernel(), "--format", "iso", "--out", path.join(root, "x")]).code, 2);
        assert.match(
            unikernel(["convert", demoKernel(), "--format", "iso", "--out", path.join(root, "x")]).stderr,
            /unknown disk format "iso"; expected one of raw, qcow2, vmdk, vhd, gce/,
        );
        assert.equal(
            unikernel(["disk", "--kernel", demoKernel(), "--boot", "floppy", "--out", path.join(root, "x")]).code,
            2,
        );
        assert.equal(
            unikernel([
                "disk",
                "--kernel",
                demoKernel(),
                "--boot",
                "bios",
                "--out",
                path.join(root, "x"),
                "--target",
                "vmware/x86_64",
            ]).code,
            2,
        );
        const fc = unikernel([
            "disk",
            "--kernel",
            demoKernel(),
            "--boot",
            "bios",
            "--target",
            "fc/x86_64",
            "--out",
            path.join(root, "fc.img"),
            "--json",
        ]);
        assert.equal(fc.code, 1);
        assert.match(jsonOf(fc).error as string, /boots only by lxboot/);
        assert.equal(existsSync(path.join(root, "fc.img")), false);
        // Both --kernel and --disk contradict each other: a usage error, whatever the files are.
        assert.equal(unikernel(["run", "--kernel", demoKernel(), "--disk", "x"]).code, 2);
    });
});
