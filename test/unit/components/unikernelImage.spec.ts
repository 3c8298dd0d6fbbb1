/**
 * UnikernelImage under mocks: the build child, its triggers and the inputs refused before it.
 */
import { strict as assert } from "assert";
import { copyFileSync, mkdtempSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { uk, opts, construct, rejects, shape } from "../../helpers/componentHarness";
import { resolved, unwrap } from "../../helpers/mocks";
import { DEMO_DIR, demoKernel } from "../../helpers/demoKernel";
import type * as UK from "../../../src";
import { sha256 } from "../../../src/internal/hashing";
import { planBuild } from "../../../src/engines/build";
import { syscallVerdict } from "../../../src/components/syscallCheck";
import { argvOfCommand } from "../../../src/contract/command";

describe("UnikernelImage", () => {
    it("builds with the make engine and makes a disk: two commands under the component, triggered by the digest", async () => {
        const { component, children } = await construct(
            () =>
                new uk.UnikernelImage(
                    "hello",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "build/hello.elf",
                        kernelFamily: uk.KernelFamily.Bare,
                        cmdline: "hi",
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), ["command:local:Command hello-build", "command:local:Command hello-disk"]);
        for (const c of children) assert.equal(c.parentName, "hello");
        const expected = await planBuild({
            engine: "make",
            dir: DEMO_DIR,
            make: { kernel: "build/hello.elf", variables: {} },
            kernelFamily: "bare",
        });
        assert.equal(await unwrap(component.digest), expected.digest);
        assert.deepEqual(await resolved(children[0].inputs.triggers), [expected.digest]);
        const create = await resolved(children[0].inputs.create);
        assert.match(
            create,
            / build \S+hello-kernel --engine make --target qemu\/x86_64 --family bare --kernel-path build\/hello\.elf --json$/,
        );
        const disk = await resolved(children[1].inputs.create);
        assert.match(
            disk,
            / disk --kernel \/cache\/artifacts\/0123456789abcdef\/kernel --cmdline hi --boot bios --arch x86_64 --target qemu\/x86_64 --family bare --out \S+hello-[0-9a-f]{16}\.img --json$/,
        );
        assert.equal(await unwrap(component.diskPath), "/cache/disks/app.img");
        assert.equal(await unwrap(component.bootMode), "bios");
        // From planned values only (the build's printed cmdline plays no part): known at preview.
        assert.equal(
            await unwrap(component.diskDigest),
            sha256(JSON.stringify(["disk", expected.digest, "bios", null, "hi"])),
        );
    });

    it("caches builds in a registry: the build command gets it, reruns when it changes, and the package is an output", async () => {
        const { component, children } = await construct(
            () =>
                new uk.UnikernelImage(
                    "cached",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "build/hello.elf",
                        kernelFamily: uk.KernelFamily.Bare,
                        registry: "127.0.0.1:5000/ci/hello",
                        registryInsecure: true,
                    },
                    opts,
                ),
        );
        const create = await resolved(children[0].inputs.create);
        assert.match(create, / --registry 127\.0\.0\.1:5000\/ci\/hello --registry-insecure --json$/);
        const triggers = (await resolved(children[0].inputs.triggers)) as string[];
        assert.deepEqual(triggers.slice(1), ["127.0.0.1:5000/ci/hello"]);
        assert.equal(await unwrap(component.package), `127.0.0.1:5000/ci/hello@sha256:${"e".repeat(64)}`);
        assert.equal(await unwrap(component.sourceRevision), "f".repeat(40));
        // A review stack: looks up, never pushes.
        const { children: review } = await construct(
            () =>
                new uk.UnikernelImage(
                    "review",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "build/hello.elf",
                        kernelFamily: uk.KernelFamily.Bare,
                        registry: "127.0.0.1:5000/ci/hello",
                        registryPullOnly: true,
                    },
                    opts,
                ),
        );
        assert.match(
            await resolved(review[0].inputs.create),
            / --registry 127\.0\.0\.1:5000\/ci\/hello --registry-pull-only --json$/,
        );
        assert.equal(await unwrap(component.sourceDirty), false);
        assert.equal(await unwrap(component.builtAt), "2026-11-30T00:00:00.000Z");
    });

    it("makes one convert command per extra format", async () => {
        const { children } = await construct(
            () =>
                new uk.UnikernelImage(
                    "fmt",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "build/hello.elf",
                        kernelFamily: uk.KernelFamily.Bare,
                        formats: [uk.DiskFormat.Vmdk, uk.DiskFormat.Gce],
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), [
            "command:local:Command fmt-build",
            "command:local:Command fmt-disk",
            "command:local:Command fmt-vmdk",
            "command:local:Command fmt-gce",
        ]);
        assert.match(
            await resolved(children[3].inputs.create),
            / convert \/cache\/disks\/app\.img --format gce --out \S+\.tar\.gz --json$/,
        );
    });

    it("uses a prebuilt disk as it is: no disk step", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "prebuilt-"));
        copyFileSync(demoKernel(), path.join(dir, "nanos.img"));
        const { component, children } = await construct(
            () =>
                new uk.UnikernelImage(
                    "pre",
                    {
                        directory: dir,
                        prebuiltDisk: path.join(dir, "nanos.img"),
                        kernelFamily: uk.KernelFamily.Nanos,
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), ["command:local:Command pre-build"]);
        assert.match(
            await resolved(children[0].inputs.create),
            / build \S+ --engine prebuilt .* --disk \S+nanos\.img --json$/,
        );
        assert.equal(await unwrap(component.diskPath), "/cache/artifacts/0123456789abcdef/disk.img");
    });

    it("checks the application's system calls before giving out the image, for its own kernel family", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "checked-"));
        copyFileSync(demoKernel(), path.join(dir, "nanos.img"));
        const { component, children } = await construct(
            () =>
                new uk.UnikernelImage(
                    "checked",
                    {
                        directory: dir,
                        prebuiltDisk: path.join(dir, "nanos.img"),
                        kernelFamily: uk.KernelFamily.Nanos,
                        syscallCheck: { command: ["./server", "--port", "8080"], readyPattern: "^listening" },
                    },
                    opts,
                ),
            (c) => c.diskPath,
        );
        assert.deepEqual(shape(children), [
            "command:local:Command checked-build",
            "command:local:Command checked-syscalls",
        ]);
        const step = await resolved(children[1].inputs);
        assert.deepEqual(argvOfCommand(step.create), [
            "syscalls",
            "--timeout",
            "30",
            "--ready",
            "^listening",
            "--json",
            "--",
            "./server",
            "--port",
            "8080",
        ]);
        assert.equal(step.dir, dir, "run in the application's directory");
        assert.equal((await unwrap(component.syscallReport))?.family, "nanos");
        assert.equal(await unwrap(component.diskPath), "/cache/artifacts/0123456789abcdef/disk.img");
    });

    it("fails the image on a call its family lacks, or warns when asked to", () => {
        const report = {
            family: "nanos" as const,
            version: "master",
            coverage: 0.5,
            missing: ["swapon", "rseq"],
            stubbed: [],
            tolerated: { rseq: "glibc turns restartable sequences off when rseq fails" },
            verdict: "missing calls" as const,
            source: "nanovms/nanos@master",
        };
        const check = { command: ["./server"], timeoutSeconds: 30, onMissing: "fail" as const };
        assert.match(syscallVerdict(report, "nanos", check).error ?? "", /does not have: swapon \(coverage 50%/);
        assert.doesNotMatch(syscallVerdict(report, "nanos", check).error ?? "", /rseq/, "libc falls back from rseq");
        assert.deepEqual(Object.keys(syscallVerdict(report, "nanos", { ...check, onMissing: "warn" })), ["warning"]);
        assert.deepEqual(syscallVerdict({ ...report, missing: ["rseq"] }, "nanos", check), {});
        assert.match(syscallVerdict(undefined, "bare", check).warning ?? "", /no system call table for the bare/);
    });

    it("says on the component, at preview, where the Kraftfile deviates (a name kraft normalizes, a skipped linuxu target)", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "kraft-warn-"));
        writeFileSync(
            path.join(dir, "Kraftfile"),
            "spec: v0.6\nname: helloworld-g++13.2\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - linuxu/x86_64\n",
        );
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        const savedPath = process.env.PATH;
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => void warnings.push(message);
        process.env.PATH = `${path.resolve(__dirname, "..", "..", "fixtures", "tools", "kraft-fake")}:${savedPath}`;
        try {
            const { component } = await construct(
                () => new uk.UnikernelImage("warned", { directory: dir, engine: uk.Engine.Kraft }, opts),
            );
            assert.match(await unwrap(component.digest), /^[0-9a-f]{64}$/);
        } finally {
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
            process.env.PATH = savedPath;
        }
        assert.equal(warnings.length, 2, warnings.join("\n"));
        assert.match(
            warnings[0],
            /Kraftfile:2: `name`: got "helloworld-g\+\+13\.2", which kraft normalizes to "helloworld-g132"/,
        );
        assert.match(
            warnings[1],
            /Kraftfile:6: `targets\[1\]`: is linuxu\/x86_64: linuxu runs the kernel as a Linux process/,
        );
    });

    it("renders a typed application into the build command", async () => {
        const { children } = await construct(
            () =>
                new uk.UnikernelImage(
                    "typed",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "build/hello.elf",
                        application: {
                            name: "typed",
                            targets: [{ platform: uk.Platform.Qemu, architecture: uk.Architecture.X86_64 }],
                            cmd: ["/app"],
                            memoryMiB: 64,
                        },
                    },
                    opts,
                ),
        );
        const create: string = await resolved(children[0].inputs.create);
        assert.match(create, /--application-json '\{"name":"typed",.*"memory":64\}'/);
    });

    const cases: [string, () => unknown, string[], RegExp?][] = [
        [
            "prebuilt kernel and disk together",
            () =>
                new uk.UnikernelImage(
                    "bad1",
                    { directory: DEMO_DIR, engine: uk.Engine.Prebuilt, prebuiltKernel: "k", prebuiltDisk: "d" },
                    opts,
                ),
            ["prebuiltDisk"],
            /keep the kernel .* or the disk/,
        ],
        [
            "make without a kernel path",
            () => new uk.UnikernelImage("bad2", { directory: DEMO_DIR, engine: uk.Engine.Make }, opts),
            ["makeKernelPath"],
        ],
        [
            "arm64 with BIOS and an unknown target",
            () =>
                new uk.UnikernelImage(
                    "bad3",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        target: { platform: "vmware" as UK.Platform, architecture: uk.Architecture.X86_64 },
                        diskSizeGiB: 0,
                    },
                    opts,
                ),
            ["target.platform", "diskSizeGiB"],
        ],
        [
            "a disk above 2 TiB",
            () =>
                new uk.UnikernelImage(
                    "bad3b",
                    { directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", diskSizeGiB: 4096 },
                    opts,
                ),
            ["diskSizeGiB"],
            /from 1 to 2048/,
        ],
        [
            "an fc target on a BIOS disk",
            () =>
                new uk.UnikernelImage(
                    "bad4",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        target: { platform: uk.Platform.Firecracker, architecture: uk.Architecture.X86_64 },
                    },
                    opts,
                ),
            ["bootMode"],
            /boots only by lxboot/,
        ],
        [
            "arm64 on BIOS",
            () =>
                new uk.UnikernelImage(
                    "bad5",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        target: { platform: uk.Platform.Qemu, architecture: uk.Architecture.Arm64 },
                        bootMode: uk.BootMode.Bios,
                    },
                    opts,
                ),
            ["bootMode"],
            /arm64 boots by UEFI only/,
        ],
        [
            "a bad application",
            () =>
                new uk.UnikernelImage(
                    "bad6",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        application: { name: "bad name", memoryMiB: -1 },
                    },
                    opts,
                ),
            ["application.name", "application.memoryMiB", "application.targets"],
        ],
        [
            "a directory with nothing to build",
            () => new uk.UnikernelImage("bad7", { directory: os.tmpdir() + "/definitely-missing-dir" }, opts),
            ["engine"],
            /does not exist/,
        ],
        [
            "make arguments that would be options or commands",
            () =>
                new uk.UnikernelImage(
                    "bad8",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        makeGoal: "--eval=$(shell id)",
                        makeVariables: { "--eval": "x", OK: "a\nb" },
                    },
                    opts,
                ),
            ["makeGoal", 'makeVariables["--eval"]', "makeVariables.OK"],
            /make variable name/,
        ],
        [
            "a registry that is a URL, or names a tag",
            () =>
                new uk.UnikernelImage(
                    "bad10",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        registry: "https://ghcr.io/acme/unikernels:latest",
                    },
                    opts,
                ),
            ["registry"],
            /transport or scheme/,
        ],
        [
            "a registry with a tag (builds choose their tags)",
            () =>
                new uk.UnikernelImage(
                    "bad12",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        registry: "ghcr.io/acme/unikernels:latest",
                    },
                    opts,
                ),
            ["registry"],
            /names a tag \(:latest\); give <registry>\/<repository>: builds are tagged build-<digest>/,
        ],
        [
            "registry options without a registry",
            () =>
                new uk.UnikernelImage(
                    "bad11",
                    { directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", registryPullOnly: true },
                    opts,
                ),
            ["registry"],
            /go with a registry/,
        ],
        [
            "a command line with a line break",
            () =>
                new uk.UnikernelImage(
                    "bad9",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        cmdline: "console=ttyS0\ninit=/bin/sh",
                    },
                    opts,
                ),
            ["cmdline"],
            /line feed/,
        ],
        [
            "a package beside build inputs",
            () =>
                new uk.UnikernelImage(
                    "bad10",
                    {
                        fromPackage: `127.0.0.1:5000/ci/hello@sha256:${"a".repeat(64)}`,
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        registry: "127.0.0.1:5000/ci/hello",
                    },
                    opts,
                ),
            ["directory", "engine", "registry"],
            /beside `fromPackage`; a package is a finished build/,
        ],
        [
            "a package by tag",
            () => new uk.UnikernelImage("bad11", { fromPackage: "127.0.0.1:5000/ci/hello:latest" }, opts),
            ["fromPackage"],
            /expected <registry>\/<repository>@sha256:<digest>/,
        ],
        [
            "a syscall check without a command, with a bad pattern and mode",
            () =>
                new uk.UnikernelImage(
                    "bad13",
                    {
                        directory: DEMO_DIR,
                        engine: uk.Engine.Make,
                        makeKernelPath: "k",
                        syscallCheck: { command: [], readyPattern: "(", onMissing: "ignore" as UK.SyscallCheckMode },
                    },
                    opts,
                ),
            ["syscallCheck.command", "syscallCheck.readyPattern", "syscallCheck.onMissing"],
        ],
        [
            "neither a directory nor a package",
            () => new uk.UnikernelImage("bad12", { engine: uk.Engine.Make, makeKernelPath: "k" }, opts),
            ["directory"],
            /or `fromPackage`/,
        ],
    ];
    for (const [title, make, paths, fragment] of cases) {
        it(`rejects ${title} before creating anything`, () => rejects(make, paths, fragment));
    }
});
