/**
 * Health checks under the real Pulumi engine: a LocalService whose kernel never prints its ready line
 * fails `pulumi up` with the tail of its console in the error, and leaves no VM running.
 */
import * as assert from "assert";
import { readdirSync } from "fs";
import * as path from "path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { DEMO_DIR, DEMO_LINE } from "../helpers/demoKernel";
import { ROOT, pulumiCommand, useBackend } from "./backend";

describe("deploy: health checks fail the update with the console tail", function () {
    this.timeout(10 * 60_000);
    let backend: ReturnType<typeof useBackend>;
    let stack: Stack | undefined;

    before(() => {
        backend = useBackend("health");
    });

    after(async () => {
        try {
            await stack?.destroy();
        } finally {
            backend?.cleanup();
        }
    });

    it("LocalService: a ready line that never comes fails up with the console tail; no QEMU is left", async () => {
        stack = await LocalWorkspace.createOrSelectStack(
            {
                projectName: "unikernel-health",
                stackName: "never-ready",
                program: async () => {
                    const unikernel = require(path.join(ROOT, "dist", "index.js")) as typeof import("../../src");
                    const image = new unikernel.UnikernelImage("hello", {
                        directory: DEMO_DIR,
                        engine: unikernel.Engine.Make,
                        makeKernelPath: "build/hello.elf",
                        kernelFamily: unikernel.KernelFamily.Bare,
                        cmdline: "health stay",
                    });
                    new unikernel.LocalService("hello", {
                        diskPath: image.diskPath,
                        digest: image.digest,
                        readyPattern: "this line is never printed",
                        readyTimeoutSeconds: 5,
                    });
                },
            },
            {
                workDir: backend.work,
                pulumiCommand: await pulumiCommand(backend.env),
                envVars: backend.env,
                projectSettings: { name: "unikernel-health", runtime: "nodejs" },
            },
        );
        await assert.rejects(stack.up(), (error: Error) => {
            assert.match(error.message, /not ready after 5 s|"matched":false/);
            assert.ok(error.message.includes(DEMO_LINE), "the console tail is in the error");
            return true;
        });
        assert.deepEqual(
            pidfilesUnder(path.join(backend.cacheDir, "local")),
            [],
            "the VM that never got ready was stopped",
        );
        const outputs = await stack.outputs();
        assert.deepEqual(outputs, {}, "no service in the state");
    });
});

/** Every qemu.pid below `dir` (links not followed). */
function pidfilesUnder(dir: string): string[] {
    let entries;
    try {
        entries = readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
    return entries.flatMap((e) =>
        e.isDirectory() ? pidfilesUnder(path.join(dir, e.name)) : e.name === "qemu.pid" ? [path.join(dir, e.name)] : [],
    );
}
