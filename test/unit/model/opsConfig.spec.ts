import { strict as assert } from "assert";
import {
    Application,
    applicationFromOpsConfig,
    emitOpsConfig,
    opsConfigFromApplication,
    parseOpsConfig,
    readOpsConfig,
    ValidationError,
} from "../../../src/model";

const app: Application = {
    name: "web",
    libraries: [{ name: "ntp" }, { name: "tls" }],
    targets: [{ platform: "qemu", architecture: "x86_64" }],
    cmd: ["/web", "--port", "8080"],
    env: { MODE: "prod" },
    kconfig: {},
    rootfs: { source: "./static" },
    memory: 256,
};

describe("opsConfigFromApplication", () => {
    it("writes program, args, env, memory, ports, klibs and cloud settings", () => {
        const config = opsConfigFromApplication(app, {
            ports: [8080, 443],
            uefi: true,
            cloud: { Platform: "gcp", ProjectID: "p", Zone: "us-central1-a", BucketName: "b" },
        });
        assert.equal(
            emitOpsConfig(config),
            `${JSON.stringify(
                {
                    Program: "/web",
                    Args: ["--port", "8080"],
                    Env: { MODE: "prod" },
                    MapDirs: { "./static": "/" },
                    Klibs: ["ntp", "tls"],
                    Uefi: true,
                    RunConfig: { Memory: "256M", Ports: ["8080", "443"] },
                    CloudConfig: { Platform: "gcp", ProjectID: "p", Zone: "us-central1-a", BucketName: "b" },
                },
                null,
                2,
            )}\n`,
        );
    });

    it("reads back the same application", () => {
        const text = emitOpsConfig(opsConfigFromApplication(app, { ports: [80] }));
        assert.deepEqual(applicationFromOpsConfig(readOpsConfig(text), "web").value, app);
    });
});

describe("parseOpsConfig", () => {
    it("accepts a full ops config with fields it passes through", () => {
        const parsed = parseOpsConfig(
            JSON.stringify({
                Args: ["a"],
                Dirs: ["d"],
                Files: ["f"],
                Env: { A: "1", B: "2" },
                Klibs: ["ntp"],
                KlibDir: "/klibs",
                NameServers: ["1.1.1.1"],
                NightlyBuild: true,
                ManifestPassthrough: { x: 1 },
                TargetConfig: { Vendor: "x" },
                Mounts: { vol: "/data" },
                TFSv4: true,
                RunConfig: {
                    Memory: "2G",
                    Ports: ["80", "8000-8010"],
                    CPUs: 2,
                    Verbose: true,
                    Nics: [{ IPAddress: "10.0.0.2" }],
                    ThreadsPerCore: 1,
                },
                CloudConfig: {
                    Platform: "aws",
                    Zone: "us-east-1",
                    Tags: [{ key: "team", value: "edge", attribute: { image_label: true } }],
                    EnableIPv6: false,
                    RootVolume: { size: 2, typeof: "gp3" },
                },
                BaseVolumeSz: "100m",
            }),
        );
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(parsed.warnings, []);
        assert.deepEqual(parsed.value!.Env, { A: "1", B: "2" });
        assert.deepEqual(parsed.value!.RunConfig!.Ports, ["80", "8000-8010"]);
        assert.deepEqual(applicationFromOpsConfig(parsed.value!, "x").value!.libraries, [{ name: "ntp" }]);
    });

    const bad: [string, unknown, string, string][] = [
        ["invalid JSON", "{", "", "not valid JSON"],
        ["an array", [], "", "the ops config is a list"],
        [
            "a misspelled top-level key",
            { Enviroment: {} },
            "Enviroment",
            'unknown field "Enviroment" in Config, which ops refuses',
        ],
        [
            "Klibs inside RunConfig (only the top level has it)",
            { RunConfig: { Klibs: ["ntp"] } },
            "RunConfig.Klibs",
            "ops reads Klibs at the top level only",
        ],
        ["the old NameServer", { NameServer: "1.1.1.1" }, "NameServer", "ops now reads NameServers, a list"],
        [
            "an unknown RunConfig field",
            { RunConfig: { Cores: 2 } },
            "RunConfig.Cores",
            'unknown field "Cores" in RunConfig',
        ],
        ["Args as a string", { Args: "a b" }, "Args", "ops expects []string here"],
        ["an Args element that is a map", { Args: ["a", {}] }, "Args[1]", "got a map; ops expects a string"],
        ["Env as a list", { Env: ["A=1"] }, "Env", "ops expects map[string]string here"],
        [
            "an Env value that is a number (Go refuses it)",
            { Env: { PORT: 8080 } },
            "Env.PORT",
            'ops expects a string here (write "8080" in quotes)',
        ],
        ["an Env value that is a map", { Env: { A: {} } }, "Env.A", "ops expects a string"],
        ["Uefi as a string", { Uefi: "yes" }, "Uefi", "ops expects bool here"],
        [
            "CPUs as a string",
            { RunConfig: { CPUs: "2" } },
            "RunConfig.CPUs",
            'ops expects int here ("cannot unmarshal string into Go value of type int")',
        ],
        ["CPUs with a fraction", { RunConfig: { CPUs: 1.5 } }, "RunConfig.CPUs", "ops expects int"],
        [
            "a port as a number (ops's Ports are strings)",
            { RunConfig: { Ports: [443] } },
            "RunConfig.Ports[0]",
            "ops expects a string here",
        ],
        [
            "an unknown tag field",
            { CloudConfig: { Tags: [{ key: "a", value: "b", label: true }] } },
            "CloudConfig.Tags[0].label",
            'unknown field "label" in Tag',
        ],
        [
            "Memory without a number",
            { RunConfig: { Memory: "lots" } },
            "RunConfig.Memory",
            "expected a whole number of MiB",
        ],
        [
            "a port out of range",
            { RunConfig: { Ports: ["80", "70000"] } },
            "RunConfig.Ports[1]",
            "expected a port from 1 to 65535",
        ],
        ["a reversed port range", { RunConfig: { Ports: ["90-80"] } }, "RunConfig.Ports[0]", 'range "low-high"'],
        ["CPUs zero", { RunConfig: { CPUs: 0 } }, "RunConfig.CPUs", "expected a whole number above 0"],
        ["CloudConfig as a string", { CloudConfig: "gcp" }, "CloudConfig", "ops expects an object (ProviderConfig)"],
        ["a tag without a key", { CloudConfig: { Tags: [{ value: "x" }] } }, "CloudConfig.Tags[0]", 'expected {"key"'],
        ["a bad base volume size", { BaseVolumeSz: "big" }, "BaseVolumeSz", 'expected a size such as "100m"'],
    ];
    for (const [title, doc, path, fragment] of bad) {
        it(`rejects ${title} at \`${path || "(document)"}\``, () => {
            const parsed = parseOpsConfig(typeof doc === "string" ? doc : JSON.stringify(doc), "config.json");
            const match = parsed.problems.find((p) => p.path === path && p.message.includes(fragment));
            assert.ok(match, JSON.stringify(parsed.problems));
            assert.equal(match.file, "config.json");
        });
    }

    it("matches keys in another case to their fields, as Go does, with a warning each", () => {
        const parsed = parseOpsConfig(
            JSON.stringify({
                ENV: { A: "1" },
                files: ["f"],
                CloudConfig: { flavor: "t3.micro" },
                "\u212Alibs": ["ntp"],
            }),
        );
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(parsed.value, {
            Env: { A: "1" },
            Files: ["f"],
            CloudConfig: { Flavor: "t3.micro" },
            Klibs: ["ntp"],
        });
        assert.deepEqual(
            parsed.warnings.map((w) => [w.path, w.message]),
            [
                ["ENV", 'is read by ops as "Env" (Go matches JSON keys case-insensitively); write "Env"'],
                ["files", 'is read by ops as "Files" (Go matches JSON keys case-insensitively); write "Files"'],
                [
                    "CloudConfig.flavor",
                    'is read by ops as "Flavor" (Go matches JSON keys case-insensitively); write "Flavor"',
                ],
                ["\u212Alibs", 'is read by ops as "Klibs" (Go matches JSON keys case-insensitively); write "Klibs"'],
            ],
        );
    });

    it("leaves a field alone when its value is null, as Go does", () => {
        const parsed = parseOpsConfig(JSON.stringify({ Program: null, RunConfig: { Memory: null }, Env: { A: null } }));
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(parsed.value, { RunConfig: {}, Env: { A: "" } });
    });

    it("reports every problem at once", () => {
        const parsed = parseOpsConfig(JSON.stringify({ Args: "x", Uefi: 1, RunConfig: { Ports: ["0"], CPUs: -1 } }));
        assert.deepEqual(
            parsed.problems.map((p) => p.path),
            ["Args", "Uefi", "RunConfig.Ports[0]", "RunConfig.CPUs"],
        );
    });

    it("throws a ValidationError from readOpsConfig", () => {
        assert.throws(() => readOpsConfig("[]", "c.json"), ValidationError);
    });
});

describe("the ops config this package writes, decoded as ops decodes it", () => {
    /**
     * ops's decoder (json.Decoder with DisallowUnknownFields into types/config.go's structs),
     * mirrored independently of the reader above: every key must be a field of the struct it is in
     * (case-insensitively), with the Go type of that field.
     */
    const STRUCTS: Record<string, Record<string, string>> = {
        Config: {
            Program: "string",
            Args: "[]string",
            Env: "map",
            MapDirs: "map",
            Klibs: "[]string",
            NanosVersion: "string",
            Uefi: "bool",
            RunConfig: "RunConfig",
            CloudConfig: "ProviderConfig",
        },
        RunConfig: { Memory: "string", Ports: "[]string", CPUs: "int" },
        ProviderConfig: { Platform: "string", ProjectID: "string", Zone: "string", BucketName: "string" },
    };
    function decodeStrict(value: Record<string, unknown>, struct = "Config", path = ""): string[] {
        const errors: string[] = [];
        for (const [key, v] of Object.entries(value)) {
            const field = Object.keys(STRUCTS[struct]).find((f) => f.toLowerCase() === key.toLowerCase());
            if (!field) {
                errors.push(`json: unknown field "${key}" (in ${path || "Config"})`);
                continue;
            }
            const type = STRUCTS[struct][field];
            if (STRUCTS[type]) errors.push(...decodeStrict(v as Record<string, unknown>, type, `${path}${field}.`));
            else if (type === "[]string" && !(Array.isArray(v) && v.every((x) => typeof x === "string")))
                errors.push(`${field}: not []string`);
            else if (type === "map" && !Object.values(v as object).every((x) => typeof x === "string"))
                errors.push(`${field}: not map[string]string`);
            else if ((type === "string" && typeof v !== "string") || (type === "bool" && typeof v !== "boolean"))
                errors.push(`${field}: not ${type}`);
            else if (type === "int" && !Number.isInteger(v)) errors.push(`${field}: not int`);
        }
        return errors;
    }

    it("with klibs: ops accepts it (Klibs at the top level), and it reads back", () => {
        const text = emitOpsConfig(
            opsConfigFromApplication(app, {
                ports: [8080],
                uefi: true,
                nanosVersion: "0.1.52",
                cloud: { Platform: "gcp", Zone: "us-central1-a" },
            }),
        );
        assert.deepEqual(decodeStrict(JSON.parse(text)), []);
        assert.deepEqual(JSON.parse(text).Klibs, ["ntp", "tls"]);
        assert.deepEqual(parseOpsConfig(text).warnings, []);
        assert.deepEqual(applicationFromOpsConfig(readOpsConfig(text), "web").value, app);
    });

    it("without klibs: ops accepts it", () => {
        const text = emitOpsConfig(opsConfigFromApplication({ ...app, libraries: [], memory: undefined }));
        assert.deepEqual(decodeStrict(JSON.parse(text)), []);
        assert.equal(JSON.parse(text).Klibs, undefined);
    });

    it("the mirror refuses what ops refuses (so the two checks above can fail)", () => {
        assert.deepEqual(decodeStrict({ RunConfig: { Klibs: ["ntp"] } }), [
            'json: unknown field "Klibs" (in RunConfig.)',
        ]);
        assert.deepEqual(decodeStrict({ Env: { PORT: 8080 } }), ["Env: not map[string]string"]);
    });
});
