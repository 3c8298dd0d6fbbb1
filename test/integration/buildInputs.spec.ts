/**
 * What a build reads is what its digest covers: paths that leave the application directory (a
 * rootfs, a make output, a symbolic link) are refused, or with `allowOutsideDirectory` hashed by
 * what they resolve to; make variables reach the Makefile literally (real make), so a value is
 * never a command.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { ValidationError } from "../../src/model";
import { buildArtifact, planBuild } from "../../src/engines/build";
import { BuildInputError, BuildRequest, MakeOptions } from "../../src/engines/engine";
import { DEMO_DIR, ROOT, demoKernel, tempDir } from "../helpers/demoKernel";

const KRAFT_FAKE = path.join(ROOT, "test", "fixtures", "tools", "kraft-fake");

describe("build inputs outside the application directory", function () {
    this.timeout(120_000);
    let root: string;
    const saved = { ...process.env };
    beforeEach(() => {
        root = tempDir("unikernel-inputs-");
        process.env.UNIKERNEL_CACHE_DIR = path.join(root, "cache");
        process.env.PATH = `${KRAFT_FAKE}:${saved.PATH}`;
        process.env.FAKE_KERNEL = demoKernel();
        process.env.FAKE_TOOL_LOG = path.join(root, "tool.log");
    });
    afterEach(() => {
        for (const key of ["UNIKERNEL_CACHE_DIR", "PATH", "FAKE_KERNEL", "FAKE_TOOL_LOG"]) {
            if (saved[key] === undefined) delete process.env[key];
            else process.env[key] = saved[key];
        }
        rmSync(root, { recursive: true, force: true });
    });

    /** An application whose Kraftfile names `rootfs`. */
    function kraftApp(rootfs: string): string {
        const dir = path.join(root, "app");
        mkdirSync(dir, { recursive: true });
        writeFileSync(
            path.join(dir, "Kraftfile"),
            `spec: v0.6\nname: app\nunikraft: stable\ntargets:\n  - qemu/x86_64\nrootfs: ${rootfs}\n`,
        );
        return dir;
    }

    const kraft = (dir: string, extra: Partial<BuildRequest> = {}): BuildRequest => ({
        engine: "kraft",
        dir,
        ...extra,
    });

    it("refuses a rootfs that climbs out, is absolute, or leaves through a symbolic link, naming the property", async () => {
        mkdirSync(path.join(root, "secrets"));
        for (const [rootfs, reason] of [
            ["../secrets", /climbs out/],
            ["/etc", /is an absolute path/],
            ["escape/inner", /leads through a symbolic link to \/etc/],
        ] as const) {
            const dir = kraftApp(rootfs);
            if (rootfs.startsWith("escape")) symlinkSync("/etc", path.join(dir, "escape"));
            await assert.rejects(planBuild(kraft(dir)), (e: Error) => {
                assert.ok(e instanceof ValidationError, e.stack);
                assert.equal(e.problems[0].path, "rootfs");
                assert.match(e.problems[0].message, reason);
                assert.match(e.problems[0].message, /allowOutsideDirectory/);
                return true;
            });
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("with allowOutsideDirectory, hashes what the rootfs resolves to: a change there is a new digest", async () => {
        const secrets = path.join(root, "secrets");
        mkdirSync(secrets);
        writeFileSync(path.join(secrets, "key"), "one");
        const dir = kraftApp("../secrets");
        const first = (await planBuild(kraft(dir, { allowOutsideDirectory: true }))).digest;
        assert.equal((await planBuild(kraft(dir, { allowOutsideDirectory: true }))).digest, first, "stable");
        writeFileSync(path.join(secrets, "key"), "two");
        assert.notEqual(
            (await planBuild(kraft(dir, { allowOutsideDirectory: true }))).digest,
            first,
            "the outside change is seen",
        );
    });

    it("refuses a symbolic link out of the directory; with allowOutsideDirectory its target's content is hashed", async () => {
        const outside = path.join(root, "outside.txt");
        writeFileSync(outside, "v1");
        const dir = kraftApp("rootfs");
        mkdirSync(path.join(dir, "rootfs"));
        symlinkSync(outside, path.join(dir, "rootfs", "config"));
        await assert.rejects(
            planBuild(kraft(dir)),
            (e: Error) =>
                e instanceof BuildInputError &&
                /rootfs\/config is a symbolic link to .*outside\.txt, outside the application directory/.test(
                    e.message,
                ),
        );
        const first = (await planBuild(kraft(dir, { allowOutsideDirectory: true }))).digest;
        writeFileSync(outside, "v2");
        assert.notEqual((await planBuild(kraft(dir, { allowOutsideDirectory: true }))).digest, first);
    });

    it("hashes a symbolic link inside the directory by its text, so a link to a build output is not an input", async () => {
        const dir = kraftApp("rootfs");
        mkdirSync(path.join(dir, "rootfs"));
        mkdirSync(path.join(dir, ".unikraft", "build"), { recursive: true });
        writeFileSync(path.join(dir, ".unikraft", "build", "app_qemu-x86_64"), "kernel v1");
        symlinkSync("../.unikraft/build/app_qemu-x86_64", path.join(dir, "rootfs", "kernel-link"));
        const first = (await planBuild(kraft(dir))).digest;
        writeFileSync(path.join(dir, ".unikraft", "build", "app_qemu-x86_64"), "kernel v2");
        assert.equal((await planBuild(kraft(dir))).digest, first, "the build's own output does not change its digest");
    });

    it("refuses a Kraftfile that is a symbolic link out of its directory, without reading what it points at", async () => {
        const dir = path.join(root, "linked");
        mkdirSync(dir);
        writeFileSync(path.join(root, "outside-secret"), "aws_secret_access_key = SECRET\n");
        symlinkSync(path.join(root, "outside-secret"), path.join(dir, "Kraftfile"));
        await assert.rejects(planBuild(kraft(dir)), (e: Error) => {
            assert.match(e.message, /a symbolic link out of its directory/);
            assert.doesNotMatch(e.message, /SECRET/);
            return true;
        });
    });

    it("refuses a .gitignore that is a FIFO at once, instead of waiting on it forever", async () => {
        const dir = kraftApp("rootfs");
        mkdirSync(path.join(dir, "rootfs"));
        execFileSync("mkfifo", [path.join(dir, ".gitignore")]);
        await assert.rejects(planBuild(kraft(dir)), /\.gitignore is not a regular file \(a device, socket or pipe\)/);
    });

    it("refuses a make output that is a link out of the directory (a host file would become the kernel)", async () => {
        const dir = path.join(root, "make-app");
        mkdirSync(dir);
        writeFileSync(path.join(dir, "Makefile"), "all:\n\tmkdir -p build && ln -sf /etc/hostname build/kernel.elf\n");
        await assert.rejects(
            buildArtifact({ engine: "make", dir, make: { kernel: "build/kernel.elf" } }),
            (e: Error) =>
                e instanceof BuildInputError &&
                /leads to \/etc\/hostname, outside the application directory/.test(e.message),
        );
        assert.deepEqual(readdirSync(path.join(root, "cache", "artifacts")), [], "nothing was cached");
    });
});

describe("make variables and goals", function () {
    this.timeout(120_000);

    it("reach the Makefile literally: `$(shell ...)` in a value is text, not a command", async () => {
        const root = tempDir("unikernel-make-");
        const saved = process.env.UNIKERNEL_CACHE_DIR;
        process.env.UNIKERNEL_CACHE_DIR = path.join(root, "cache");
        try {
            const dir = path.join(root, "app");
            mkdirSync(dir);
            for (const name of ["boot.S", "main.c", "linker.ld"])
                copyFileSync(path.join(DEMO_DIR, name), path.join(dir, name));
            copyFileSync(path.join(DEMO_DIR, "Makefile"), path.join(dir, "hello.mk"));
            const marker = path.join(root, "PWNED");
            const record = path.join(root, "value.txt");
            // The recipe writes the variable's value with printf, single-quoted for the shell.
            writeFileSync(
                path.join(dir, "Makefile"),
                `include hello.mk\nall: show\nshow:\n\t@printf '%s' '$(MSG)' > ${record}\n.PHONY: show\n`,
            );
            const value = `$(shell touch ${marker}) $$HOME \${PATH}`;
            await buildArtifact({
                engine: "make",
                dir,
                make: { kernel: "build/hello.elf", variables: { MSG: value } },
            });
            assert.ok(!existsSync(marker), "make did not run the value");
            assert.equal(readFileSync(record, "utf8"), value, "the Makefile saw the value byte for byte");
        } finally {
            if (saved === undefined) delete process.env.UNIKERNEL_CACHE_DIR;
            else process.env.UNIKERNEL_CACHE_DIR = saved;
            rmSync(root, { recursive: true, force: true });
        }
    });

    it("refuses names and goals that make would read as options or assignments", async () => {
        const cases: [MakeOptions, RegExp][] = [
            [{ kernel: "k", variables: { "--eval": "x" } }, /make variable name "--eval" is not valid/],
            [{ kernel: "k", variables: { "A B": "x" } }, /make variable name "A B" is not valid/],
            [{ kernel: "k", goal: "-n" }, /make goal "-n" is not a target name/],
            [{ kernel: "k", goal: "X=1" }, /make goal "X=1" is not a target name/],
            // Variables that make reads as settings of its own: MAKEFILES loads any file, SHELL runs any program.
            [
                { kernel: "k", variables: { MAKEFILES: "/tmp/evil.mk" } },
                /make variable MAKEFILES changes how make runs or which files it reads/,
            ],
            [{ kernel: "k", variables: { SHELL: "/tmp/evil" } }, /make variable SHELL changes how make runs/],
        ];
        for (const [make, message] of cases) {
            await assert.rejects(
                planBuild({ engine: "make", dir: DEMO_DIR, make }),
                (e: Error) => e instanceof BuildInputError && message.test(e.message),
            );
        }
    });
});
