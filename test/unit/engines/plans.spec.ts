import { strict as assert } from "assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { Application, readKraftfile } from "../../../src/model";
import { kernelCommandLine } from "../../../src/engines/build";
import { BuildInputError, ResolvedBuild } from "../../../src/engines/engine";
import { RENDERED_KRAFTFILE, kraftEngine } from "../../../src/engines/kraft";
import { hashTree } from "../../../src/engines/contentHash";
import { makeEngine } from "../../../src/engines/make";
import { RENDERED_OPS_CONFIG, opsEngine } from "../../../src/engines/ops";
import { prebuiltEngine } from "../../../src/engines/prebuilt";

const app: Application = {
    name: "web",
    libraries: [{ name: "musl", version: "stable" }],
    targets: [
        { platform: "qemu", architecture: "x86_64" },
        { platform: "fc", architecture: "arm64", name: "edge" },
    ],
    cmd: ["/web", "--port", "8080"],
    env: { MODE: "prod" },
    kconfig: { CONFIG_LIBPOSIX_ENVIRON: "y" },
    rootfs: { source: "./rootfs" },
};

function resolved(overrides: Partial<ResolvedBuild> & { request: ResolvedBuild["request"] }): ResolvedBuild {
    return {
        dir: "/app",
        application: app,
        target: app.targets[0],
        kernelFamily: "unikraft",
        warnings: [],
        ...overrides,
    };
}

describe("kraftEngine.plan", () => {
    it("renders the application to a Kraftfile and passes kraft's own flags (no --kconfig)", () => {
        const plan = kraftEngine.plan(
            resolved({
                request: { engine: "kraft", dir: "/app", application: app, kraft: { jobs: 4, noCache: true } },
                target: app.targets[1],
            }),
        );
        assert.deepEqual(plan.steps, [
            {
                command: "kraft",
                args: [
                    "build",
                    "--plat",
                    "fc",
                    "--arch",
                    "arm64",
                    "--target=edge",
                    "--jobs",
                    "4",
                    "--no-cache",
                    "--kraftfile",
                    RENDERED_KRAFTFILE,
                ],
                env: { KRAFTKIT_LOG_TYPE: "basic", KRAFTKIT_NO_CHECK_UPDATES: "true", KRAFTKIT_NO_PROMPT: "true" },
            },
        ]);
        assert.ok(!plan.steps[0].args.includes("--kconfig"));
        assert.deepEqual(
            readKraftfile(plan.files[RENDERED_KRAFTFILE]).application,
            app,
            "the rendered Kraftfile says exactly the application",
        );
        assert.deepEqual(plan.outputs, {
            kernel: [".unikraft/build/web_fc-arm64"],
            initrd: [".unikraft/build/initramfs-arm64.cpio"],
        });
        assert.equal(plan.tool?.command, "kraft");
    });

    it("uses the project's own Kraftfile as it is when the application came from it", () => {
        const plan = kraftEngine.plan(
            resolved({
                request: { engine: "kraft", dir: "/app" },
                projectFile: "kraft.yaml",
                application: { ...app, rootfs: undefined },
            }),
        );
        assert.deepEqual(plan.files, {});
        assert.deepEqual(plan.steps[0].args, [
            "build",
            "--plat",
            "qemu",
            "--arch",
            "x86_64",
            "--kraftfile",
            "kraft.yaml",
        ]);
        assert.deepEqual(plan.outputs, { kernel: [".unikraft/build/web_qemu-x86_64"] });
    });
});

describe("opsEngine.plan", () => {
    it("writes config.json and runs ops build on the program", () => {
        const plan = opsEngine.plan(
            resolved({
                request: { engine: "ops", dir: "/app", ops: { ports: [8080] } },
                application: { ...app, kconfig: {}, libraries: [{ name: "ntp" }] },
            }),
        );
        assert.deepEqual(plan.steps, [
            { command: "ops", args: ["build", "/web", "-c", RENDERED_OPS_CONFIG, "-i", "web"] },
        ]);
        assert.deepEqual(JSON.parse(plan.files[RENDERED_OPS_CONFIG]), {
            Program: "/web",
            Args: ["--port", "8080"],
            Env: { MODE: "prod" },
            MapDirs: { "./rootfs": "/" },
            Klibs: ["ntp"],
            RunConfig: { Ports: ["8080"] },
        });
        assert.deepEqual(plan.outputs.disk, [
            path.join(os.homedir(), ".ops", "images", "web.img"),
            path.join(os.homedir(), ".ops", "images", "web"),
        ]);
    });

    it("needs a program", () => {
        assert.throws(
            () =>
                opsEngine.plan(resolved({ request: { engine: "ops", dir: "/app" }, application: { ...app, cmd: [] } })),
            BuildInputError,
        );
    });
});

describe("makeEngine.plan", () => {
    it("runs make with the goal, sorted variables and jobs, and ignores its own outputs when hashing", () => {
        const plan = makeEngine.plan(
            resolved({
                request: {
                    engine: "make",
                    dir: "/app",
                    make: { kernel: "build/k.elf", goal: "kernel", variables: { Z: "1", A: "x y" }, jobs: 2 },
                },
            }),
        );
        assert.deepEqual(plan.steps, [{ command: "make", args: ["-j2", "kernel", "A=x y", "Z=1"] }]);
        assert.deepEqual(plan.outputs, { kernel: ["build/k.elf"] });
        assert.deepEqual(plan.ignore, ["build/k.elf", "build/", "*.o", "*.d"]);
    });

    it("keeps what the build writes out of the content hash, with no .gitignore in the directory", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "make-hash-"));
        try {
            writeFileSync(path.join(dir, "Makefile"), "all:\n");
            writeFileSync(path.join(dir, "main.c"), "int x;\n");
            const plan = makeEngine.plan(
                resolved({ request: { engine: "make", dir, make: { kernel: "build/k.elf" } } }),
            );
            const before = await hashTree(dir, plan.ignore);
            mkdirSync(path.join(dir, "build"));
            for (const out of ["build/k.elf", "build/main.o", "main.o", "main.d"])
                writeFileSync(path.join(dir, out), "output");
            assert.deepEqual(await hashTree(dir, plan.ignore), before);
            writeFileSync(path.join(dir, "main.c"), "int y;\n");
            assert.notDeepEqual(await hashTree(dir, plan.ignore), before, "a source change still counts");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("needs the kernel path", () => {
        assert.throws(
            () => makeEngine.plan(resolved({ request: { engine: "make", dir: "/app", make: { kernel: "" } } })),
            /needs the path of the kernel/,
        );
    });
});

describe("prebuiltEngine.plan", () => {
    it("hashes the files themselves, not the directory", () => {
        const plan = prebuiltEngine.plan(
            resolved({ request: { engine: "prebuilt", dir: "/app", prebuilt: { kernel: "k", initrd: "i" } } }),
        );
        assert.deepEqual(plan.hashFiles, ["k", "i"]);
        assert.equal(plan.hashTree, false);
        assert.deepEqual(plan.steps, []);
    });

    for (const [title, prebuilt, message] of [
        ["neither a kernel nor a disk", {}, /exactly one of a kernel file/],
        ["both a kernel and a disk", { kernel: "k", disk: "d" }, /exactly one of a kernel file/],
        ["an initrd with a disk", { disk: "d", initrd: "i" }, /an initrd goes with a prebuilt kernel/],
    ] as const) {
        it(`rejects ${title}`, () => {
            assert.throws(
                () => prebuiltEngine.plan(resolved({ request: { engine: "prebuilt", dir: "/app", prebuilt } })),
                message,
            );
        });
    }
});

describe("kernelCommandLine", () => {
    const table: [Partial<Application>, string, string][] = [
        [{ cmd: [], env: {} }, "unikraft", ""],
        [{ cmd: ["/web", "--port", "80"], env: {} }, "unikraft", "-- /web --port 80"],
        [
            { cmd: ["/web", "hello world"], env: { A: "1", B: "x y" } },
            "unikraft",
            'env.vars=[ A=1 "B=x y" ] -- /web "hello world"',
        ],
        [{ cmd: ["a", 'say "hi"'], env: { A: "1" } }, "bare", 'a "say \\"hi\\""'],
        // GRUB's own form: a backslash before quotes and backslashes, double quotes only around blanks.
        [{ cmd: ["it's", "", "C:\\x"], env: {} }, "unikraft", '-- it\\\'s "" C:\\\\x'],
    ];
    for (const [fields, family, expected] of table) {
        it(`${family}: ${JSON.stringify(fields)} -> ${JSON.stringify(expected)}`, () => {
            assert.equal(kernelCommandLine({ ...app, ...fields }, family), expected);
        });
    }
});
