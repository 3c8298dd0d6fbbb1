import { strict as assert } from "assert";
import { Application, applicationFromOpsConfig, emitOpsConfig, opsConfigFromApplication, parseOpsConfig, readOpsConfig, ValidationError } from "../../../src/model";

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
        const config = opsConfigFromApplication(app, { ports: [8080, 443], uefi: true, cloud: { Platform: "gcp", ProjectID: "p", Zone: "us-central1-a", BucketName: "b" } });
        assert.equal(emitOpsConfig(config), `${JSON.stringify({
            Program: "/web",
            Args: ["--port", "8080"],
            Env: { MODE: "prod" },
            MapDirs: { "./static": "/" },
            Uefi: true,
            RunConfig: { Memory: "256M", Ports: ["8080", "443"], Klibs: ["ntp", "tls"] },
            CloudConfig: { Platform: "gcp", ProjectID: "p", Zone: "us-central1-a", BucketName: "b" },
        }, null, 2)}\n`);
    });

    it("reads back the same application", () => {
        const text = emitOpsConfig(opsConfigFromApplication(app, { ports: [80] }));
        assert.deepEqual(applicationFromOpsConfig(readOpsConfig(text), "web").value, app);
    });
});

describe("parseOpsConfig", () => {
    it("accepts a full ops config with fields it passes through", () => {
        const parsed = parseOpsConfig(JSON.stringify({
            Args: ["a"], Dirs: ["d"], Files: ["f"], Env: { A: "1", B: 2 }, Klibs: ["ntp"], NightlyBuild: true, ManifestPassthrough: { x: 1 },
            RunConfig: { Memory: "2G", Ports: ["80", 443, "8000-8010"], CPUs: 2, Verbose: true },
            CloudConfig: { Platform: "aws", Zone: "us-east-1", Tags: [{ key: "team", value: "edge" }], EnableIPv6: false },
            BaseVolumeSz: "100m",
        }));
        assert.deepEqual(parsed.problems, []);
        assert.deepEqual(parsed.value!.Env, { A: "1", B: "2" });
        assert.deepEqual(parsed.value!.RunConfig!.Ports, ["80", "443", "8000-8010"]);
        assert.deepEqual(applicationFromOpsConfig(parsed.value!, "x").value!.libraries, [{ name: "ntp" }]);
    });

    const bad: [string, unknown, string, string][] = [
        ["invalid JSON", "{", "", "not valid JSON"],
        ["an array", [], "", "the ops config is a list"],
        ["a misspelled top-level key", { Enviroment: {} }, "Enviroment", "unknown key \"Enviroment\""],
        ["a lower-case RunConfig key", { RunConfig: { memory: "1G" } }, "RunConfig.memory", "ops keys are capitalized"],
        ["Args as a string", { Args: "a b" }, "Args", "expected a list of strings"],
        ["an Args element that is a map", { Args: ["a", {}] }, "Args[1]", "got a map"],
        ["Env as a list", { Env: ["A=1"] }, "Env", "expected an object of strings"],
        ["an Env value that is a map", { Env: { A: {} } }, "Env.A", "expected a string"],
        ["Uefi as a string", { Uefi: "yes" }, "Uefi", "expected true or false"],
        ["Memory without a number", { RunConfig: { Memory: "lots" } }, "RunConfig.Memory", "expected a whole number of MiB"],
        ["a port out of range", { RunConfig: { Ports: ["80", "70000"] } }, "RunConfig.Ports[1]", "expected a port from 1 to 65535"],
        ["a reversed port range", { RunConfig: { Ports: ["90-80"] } }, "RunConfig.Ports[0]", "range \"low-high\""],
        ["CPUs zero", { RunConfig: { CPUs: 0 } }, "RunConfig.CPUs", "expected a whole number above 0"],
        ["CloudConfig as a string", { CloudConfig: "gcp" }, "CloudConfig", "expected an object"],
        ["a tag without a key", { CloudConfig: { Tags: [{ value: "x" }] } }, "CloudConfig.Tags[0]", "expected {\"key\""],
        ["a bad base volume size", { BaseVolumeSz: "big" }, "BaseVolumeSz", "expected a size such as \"100m\""],
    ];
    for (const [title, doc, path, fragment] of bad) {
        it(`rejects ${title} at \`${path || "(document)"}\``, () => {
            const parsed = parseOpsConfig(typeof doc === "string" ? doc : JSON.stringify(doc), "config.json");
            const match = parsed.problems.find((p) => p.path === path && p.message.includes(fragment));
            assert.ok(match, JSON.stringify(parsed.problems));
            assert.equal(match.file, "config.json");
        });
    }

    it("reports every problem at once", () => {
        const parsed = parseOpsConfig(JSON.stringify({ Args: "x", Uefi: 1, RunConfig: { Ports: [0], CPUs: -1 } }));
        assert.deepEqual(parsed.problems.map((p) => p.path), ["Args", "Uefi", "RunConfig.Ports[0]", "RunConfig.CPUs"]);
    });

    it("throws a ValidationError from readOpsConfig", () => {
        assert.throws(() => readOpsConfig("[]", "c.json"), ValidationError);
    });
});
