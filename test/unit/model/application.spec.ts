import { strict as assert } from "assert";
import {
    formatMemory,
    parseApplication,
    parseCommand,
    parseMemory,
    validateApplicationForEngine,
} from "../../../src/model";

describe("parseApplication", () => {
    context("with typed program inputs", () => {
        it("reads libraries as a list, targets as strings and maps, memory as text", () => {
            const parsed = parseApplication({
                name: "web",
                libraries: [
                    { name: "musl", version: "stable" },
                    { name: "lwip", kconfig: { CONFIG_LWIP_IPV6: true } },
                ],
                targets: ["qemu/x86_64", { platform: "firecracker", architecture: "aarch64" }],
                cmd: "/bin/web --port 8080",
                env: { PORT: 8080 },
                memory: "128M",
            });
            assert.deepEqual(parsed.problems, []);
            assert.deepEqual(parsed.value, {
                name: "web",
                libraries: [
                    { name: "musl", version: "stable" },
                    { name: "lwip", kconfig: { CONFIG_LWIP_IPV6: "y" } },
                ],
                targets: [
                    { platform: "qemu", architecture: "x86_64" },
                    { platform: "fc", architecture: "arm64" },
                ],
                cmd: ["/bin/web", "--port", "8080"],
                env: { PORT: "8080" },
                kconfig: {},
                memory: 128,
            });
        });
    });

    context("with many mistakes", () => {
        it("reports each one with its property path", () => {
            const parsed = parseApplication({
                name: "",
                libraries: [{ version: "stable" }, { name: "musl", verison: "1" }],
                targets: ["vmware/x86_64"],
                memory: "lots",
                colour: "blue",
            });
            assert.deepEqual(
                parsed.problems.map((p) => p.path),
                ["colour", "name", "libraries[0].name", "libraries[1].verison", "targets[0].platform", "memory"],
            );
            assert.match(parsed.problems[0].message, /unknown key "colour"/);
        });

        it("reports a repeated library by list position", () => {
            const parsed = parseApplication({
                name: "a",
                libraries: [{ name: "musl" }, { name: "musl" }],
                targets: ["qemu/x86_64"],
            });
            assert.deepEqual(parsed.problems, [
                { path: "libraries[1]", message: 'library "musl" is listed twice (also at libraries[0]); keep one' },
            ]);
        });

        it("does not report an empty target list when the targets themselves are wrong", () => {
            const parsed = parseApplication({ name: "a", targets: ["nope"] });
            assert.deepEqual(
                parsed.problems.map((p) => p.path),
                ["targets[0]"],
            );
        });

        it("rejects a value that is not a map", () => {
            assert.match(parseApplication("app").problems[0].message, /got "app"; expected an application map/);
        });
    });
});

describe("parseMemory", () => {
    const good: [unknown, number][] = [
        [64, 64],
        ["64", 64],
        ["64M", 64],
        ["64Mi", 64],
        ["64MiB", 64],
        ["1G", 1024],
        ["2Gi", 2048],
        ["2048K", 2],
        [" 8M ", 8],
    ];
    for (const [input, mib] of good) {
        it(`reads ${JSON.stringify(input)} as ${mib} MiB`, () => assert.equal(parseMemory(input, "memory").value, mib));
    }
    for (const input of [0, -1, 1.5, "1000K", "64T", "M", "", null, "1e3"]) {
        it(`rejects ${JSON.stringify(input)}`, () =>
            assert.match(parseMemory(input, "memory").problems[0]?.message ?? "", /expected a whole number of MiB/));
    }
    it("writes the shortest unit", () =>
        assert.deepEqual([64, 1024, 1536, 3072].map(formatMemory), ["64M", "1G", "1536M", "3G"]));
});

describe("parseCommand", () => {
    const table: [string, string[]][] = [
        ["/bin/app", ["/bin/app"]],
        ["a  b\tc", ["a", "b", "c"]],
        ["a 'b c' \"d e\"", ["a", "b c", "d e"]],
        ["a b\\ c", ["a", "b c"]],
        ["echo $HOME ${X}", ["echo", "$HOME", "$X"]],
    ];
    for (const [input, words] of table) {
        it(`splits ${JSON.stringify(input)}`, () => assert.deepEqual(parseCommand(input, "cmd").value, words));
    }
    for (const [input, op] of [
        ["a; b", ";"],
        ["a && b", "&&"],
        ["a > out", ">"],
        ["a # note", "#"],
    ]) {
        it(`rejects shell syntax ${op}`, () =>
            assert.match(parseCommand(input, "cmd").problems[0].message, new RegExp(`shell syntax "${op}"`)));
    }
});

describe("validateApplicationForEngine", () => {
    const app = {
        name: "a",
        libraries: [{ name: "ntp" }],
        targets: [{ platform: "qemu" as const, architecture: "x86_64" as const }],
        cmd: [],
        env: {},
        kconfig: {},
    };

    it("accepts klibs by name for ops", () => assert.deepEqual(validateApplicationForEngine(app, "ops"), []));

    it("rejects Kconfig, a Unikraft version and versioned libraries for ops", () => {
        const problems = validateApplicationForEngine(
            {
                ...app,
                kconfig: { CONFIG_A: "y" },
                unikraft: { version: "stable" },
                libraries: [{ name: "musl", version: "1" }],
            },
            "ops",
        );
        assert.deepEqual(
            problems.map((p) => p.path),
            ["kconfig", "unikraft", "libraries[0]"],
        );
        assert.match(problems[0].message, /Nanos, which has no Kconfig; remove it or use engine "kraft"/);
    });

    it("requires targets for kraft", () => {
        assert.deepEqual(
            validateApplicationForEngine({ ...app, targets: [] }, "kraft").map((p) => p.path),
            ["targets"],
        );
    });

    it("leaves make and prebuilt to their own inputs", () => {
        assert.deepEqual(validateApplicationForEngine({ ...app, targets: [] }, "make"), []);
        assert.deepEqual(validateApplicationForEngine({ ...app, targets: [] }, "prebuilt"), []);
    });
});
