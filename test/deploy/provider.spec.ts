/**
 * The package as a component provider under the real Pulumi engine: the schema `pulumi package get-schema`
 * reports is the reviewed schema.json, and examples/yaml deploys through `pulumi package add`
 * (Pulumi YAML, run by the YAML language host built from Go modules).
 */
import * as assert from "assert";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync } from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { DEMO_LINE } from "../helpers/demoKernel";
import { ROOT, alive, pulumi, pulumiCommand, useBackend } from "./backend";

describe("deploy: the component provider (get-schema, Pulumi YAML through package add)", function () {
    this.timeout(15 * 60_000);
    let backend: ReturnType<typeof useBackend>;
    let stack: Stack | undefined;

    before(() => {
        backend = useBackend("yaml");
    });

    after(async () => {
        try {
            await stack?.destroy();
        } finally {
            backend?.cleanup();
        }
    });

    it("pulumi package get-schema reports the reviewed schema.json", () => {
        const result = pulumi(["package", "get-schema", "pulumi-unikernel"], backend.env, backend.work);
        assert.equal(result.status, 0, result.stderr);
        const reported = JSON.parse(result.stdout);
        const reviewed = JSON.parse(readFileSync(path.join(ROOT, "schema.json"), "utf8"));
        assert.equal(reported.name, reviewed.name);
        assert.equal(reported.version, reviewed.version);
        // The engine re-serializes the schema as a PackageSpec: the analyzer's own "optional" marks
        // (required-ness is in the "required" lists, compared here), empty "required" and
        // "requiredInputs" lists (UnikernelImage has none: `directory` or `fromPackage`) and its
        // "dependencies" are dropped.
        assert.deepEqual(normalized(reported.resources), normalized(reviewed.resources));
        assert.deepEqual(normalized(reported.types), normalized(reviewed.types));
    });

    it("examples/yaml: package add, up (build, disk, QEMU), destroy", async () => {
        // The example as shipped, beside the demo kernel as in the repository, then its README's
        // steps for this machine: `pulumi package add pulumi-unikernel` (the plugin the set-up
        // installed; with Pulumi's Node.js host it would be `pulumi package add ../..`), then up.
        const examples = path.join(backend.work, "examples");
        const dir = path.join(examples, "yaml");
        mkdirSync(dir, { recursive: true });
        symlinkSync(path.join(ROOT, "examples", "hello-kernel"), path.join(examples, "hello-kernel"));
        copyFileSync(path.join(ROOT, "examples", "yaml", "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const add = pulumi(["package", "add", "pulumi-unikernel"], backend.env, dir);
        assert.equal(add.status, 0, add.stderr);
        assert.match(readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"), /pulumi-unikernel: pulumi-unikernel@0\.1\.0/);

        stack = await LocalWorkspace.createOrSelectStack(
            { stackName: "deploy-yaml", workDir: dir },
            {
                pulumiCommand: await pulumiCommand(backend.env),
                envVars: backend.env,
            },
        );
        const up = await stack.up();
        const text = readFileSync(up.outputs.consoleLog.value as string, "utf8");
        assert.ok(text.includes(DEMO_LINE) && text.includes("yaml stay"), text);
        const pid = Number(readFileSync(up.outputs.pidfile.value as string, "utf8"));
        assert.ok(alive(pid), "QEMU runs");

        await stack.destroy();
        stack = undefined;
        assert.ok(!alive(pid), "destroy stopped QEMU");
    });
});

function normalized(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(normalized);
    if (value && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(
                    ([k, v]) =>
                        k !== "optional" &&
                        !((k === "required" || k === "requiredInputs") && Array.isArray(v) && v.length === 0),
                )
                .map(([k, v]) => [k, normalized(v)]),
        );
    }
    return value;
}
