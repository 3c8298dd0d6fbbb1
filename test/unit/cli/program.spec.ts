/**
 * The `unikernel` CLI as scripts see it: the built binary, its exit codes and its output.
 * Runs `dist/cli/main.js` (built by `npm test` first) in a child process.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..", "..", "..");
const bin = path.join(root, "dist", "cli", "main.js");
const fixture = (name: string) => path.join(root, "test", "fixtures", "projects", name);

function unikernel(...args: string[]) {
    const run = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: root });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("unikernel validate", () => {
    context("on a directory with a broken Kraftfile", () => {
        it("prints every problem with file, line and path on stdout (a linter's output), and exits 1", () => {
            const run = unikernel("validate", fixture("broken"));
            assert.equal(run.code, 1, run.stdout);
            assert.equal(run.stderr, "");
            const file = path.join(fixture("broken"), "Kraftfile");
            assert.deepEqual(run.stdout.trimEnd().split("\n"), [
                `${file}:2: warning: \`name\`: got "web server", which kraft normalizes to "webserver" (lower case; only a-z, 0-9, "_" and "-"); "webserver" names the kernel and the images`,
                `${file}:6: \`targets[1].platform\`: got "vmware"; expected one of qemu, fc, xen (aliases: kvm for qemu, firecracker for fc)`,
                `${file}:8: \`targets[2].arch\`: got "sparc"; expected one of x86_64, arm64, arm (aliases: amd64, aarch64)`,
                `${file}:10: \`libraries.musl\`: got boolean true; expected a version string, or a map with version, source and kconfig`,
                `${file}:13: \`libraries.lwip.kconfig[0]\`: key "LWIP_IPV6" is not valid; expected a Kconfig symbol such as CONFIG_LIBPOSIX_ENVIRON`,
                `${file}:14: \`cmd\`: got "/bin/web | tee /log": shell syntax "|" has no shell to run it in a unikernel; write the arguments as a list`,
                `${file}: 5 problems`,
            ]);
        });

        it("prints the JSON contract with --json, and exits 1", () => {
            const run = unikernel("validate", "--json", fixture("broken"));
            assert.equal(run.code, 1);
            const out = JSON.parse(run.stdout);
            assert.equal(out.valid, false);
            assert.equal(out.problems.length, 5);
            assert.deepEqual(
                out.warnings.map((w: { path: string }) => w.path),
                ["name"],
            );
            assert.deepEqual(out.problems[0], {
                path: "targets[1].platform",
                message: 'got "vmware"; expected one of qemu, fc, xen (aliases: kvm for qemu, firecracker for fc)',
                line: 6,
            });
            for (const p of out.problems) assert.deepEqual(Object.keys(p).sort(), ["line", "message", "path"]);
        });
    });

    context("on valid projects", () => {
        it("accepts a Kraftfile directory and exits 0", () => {
            const run = unikernel("validate", fixture("helloworld"));
            assert.equal(run.code, 0, run.stderr);
            assert.match(
                run.stdout,
                /valid Kraftfile v0\.6, application "helloworld", targets qemu\/x86_64, fc\/x86_64/,
            );
        });

        it("prints {valid: true, problems: []} with --json", () => {
            const run = unikernel("validate", fixture("helloworld"), "--json");
            assert.equal(run.code, 0);
            assert.deepEqual(JSON.parse(run.stdout), {
                valid: true,
                file: path.join(fixture("helloworld"), "Kraftfile"),
                problems: [],
                warnings: [],
            });
        });

        it("accepts an ops config.json", () => {
            const run = unikernel("validate", fixture("ops-web"));
            assert.equal(run.code, 0, run.stderr);
            assert.match(run.stdout, /valid ops config, application "ops-web"/);
        });

        it("accepts a Kraftfile named directly", () => {
            assert.equal(unikernel("validate", path.join(fixture("helloworld"), "Kraftfile")).code, 0);
        });
    });

    context("when there is nothing to validate", () => {
        it("exits 1 for a directory without a project file, naming what it looked for", () => {
            const run = unikernel("validate", fixture("empty-dir"));
            assert.equal(run.code, 1);
            assert.match(
                run.stderr,
                /no Kraftfile \(kraft\.yaml, kraft\.yml, Kraftfile\.yml, Kraftfile\.yaml, Kraftfile\) and no ops config\.json/,
            );
        });

        it("exits 1 with a JSON problem for a missing path", () => {
            const run = unikernel("validate", "--json", path.join(root, "no-such-dir"));
            assert.equal(run.code, 1);
            assert.deepEqual(JSON.parse(run.stdout), {
                valid: false,
                problems: [{ path: "", message: `${path.join(root, "no-such-dir")}: no such file or directory` }],
                warnings: [],
            });
        });
    });

    context("with wrong usage", () => {
        for (const args of [["validate", "--bogus"], ["frobnicate"], ["validate", "a", "b"]]) {
            it(`exits 2 for \`unikernel ${args.join(" ")}\``, () => {
                const run = unikernel(...args);
                assert.equal(run.code, 2, run.stderr);
                assert.match(run.stderr, /error: /);
            });
        }
        it("exits 0 for --help and --version", () => {
            assert.equal(unikernel("--help").code, 0);
            const version = unikernel("--version");
            assert.equal(version.code, 0);
            assert.equal(version.stdout.trim(), require(path.join(root, "package.json")).version);
        });
    });
});

describe("unikernel kraftfile", () => {
    it("prints the normalized Kraftfile", () => {
        const run = unikernel("kraftfile", fixture("helloworld"));
        assert.equal(run.code, 0, run.stderr);
        assert.equal(
            run.stdout,
            [
                "spec: v0.6",
                "name: helloworld",
                "unikraft:",
                "  version: stable",
                "  kconfig:",
                '    CONFIG_LIBUKDEBUG_PRINTK_INFO: "y"',
                "targets:",
                "  - qemu/x86_64",
                "  - fc/x86_64",
                "",
            ].join("\n"),
        );
    });

    it("prints the parsed application with --json", () => {
        const run = unikernel("kraftfile", "--json", fixture("helloworld"));
        assert.equal(run.code, 0);
        assert.deepEqual(JSON.parse(run.stdout).application.targets, [
            { platform: "qemu", architecture: "x86_64" },
            { platform: "fc", architecture: "x86_64" },
        ]);
    });

    it("exits 1 with the problems for a broken Kraftfile", () => {
        const run = unikernel("kraftfile", fixture("broken"));
        assert.equal(run.code, 1);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /5 problems/);
    });

    it("exits 1 for an ops config, saying what to use instead", () => {
        const run = unikernel("kraftfile", fixture("ops-web"));
        assert.equal(run.code, 1);
        assert.match(run.stderr, /is an ops config, not a Kraftfile/);
    });
});

describe("unikernel start-up", () => {
    // Every Pulumi step runs the CLI: `--version` and `--help` must not load the cloud SDKs or the
    // modules that do the work (the time this saves is a row of `npm run bench:pipeline`).
    it("loads no cloud SDK, engine, disk or host module to parse arguments", () => {
        const probe = spawnSync(
            process.execPath,
            [
                "-e",
                `const { runCli } = require(${JSON.stringify(path.join(root, "dist", "cli", "program.js"))});
                 runCli(["--help"], { out: () => true, err: () => true }).then((code) => {
                     process.stdout.write(JSON.stringify({ code, loaded: Object.keys(require.cache) }));
                 });`,
            ],
            { encoding: "utf8", cwd: root },
        );
        assert.equal(probe.status, 0, probe.stderr);
        const { code, loaded } = JSON.parse(probe.stdout) as { code: number; loaded: string[] };
        assert.equal(code, 0);
        const rel = loaded.map((file) => path.relative(root, file));
        assert.ok(
            rel.some((file) => file.startsWith("dist/cli/commands/")),
            "the commands were registered",
        );
        const heavy = rel.filter((file) =>
            /(^|\/)node_modules\/(@aws-sdk|@smithy|@pulumi|proper-lockfile)\/|^dist\/(clouds|registry|engines\/(build|contentHash|remoteCache)|disk\/(formats|bootableDisk|inspectDisk)|hosts\/(localRun|runRequest|cacheEntries)|measure)\b/.test(
                file,
            ),
        );
        assert.deepEqual(heavy, []);
    });
});

describe("unikernel convert", () => {
    it("pads a disk that is not a whole number of MiB to a fixed VHD, and says so in notes", () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "convert-note-"));
        try {
            const odd = path.join(dir, "odd.raw");
            writeFileSync(odd, Buffer.alloc(1024 * 1024 + 512, 1));
            const run = unikernel("convert", odd, "--format", "vhd", "--out", path.join(dir, "odd.vhd"), "--json");
            assert.equal(run.code, 0, run.stderr);
            const result = JSON.parse(run.stdout) as { virtualSizeBytes: number; notes: string[]; sizeBytes: number };
            assert.equal(result.virtualSizeBytes, 2 * 1024 * 1024);
            assert.equal(result.sizeBytes, 2 * 1024 * 1024 + 512);
            assert.deepEqual(result.notes, [
                "padded from 1049088 to 2097152 bytes with zeros at the end: a fixed VHD must be a whole number of MiB (Azure's rule)",
            ]);
            const text = unikernel("convert", odd, "--format", "vhd", "--out", path.join(dir, "again.vhd"));
            assert.match(text.stdout, /\n {2}note: padded from 1049088 to 2097152 bytes/);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
