/**
 * Two stacks of one project with the same component names, under the real Pulumi engine: each LocalService
 * keeps its own pidfile and console (named after its URN), so bringing one stack up neither stops
 * nor overwrites the other, and destroying one leaves the other running.
 */
import * as assert from "assert";
import { readFileSync, rmSync } from "fs";
import { Stack } from "@pulumi/pulumi/automation";
import { DEMO_LINE } from "../helpers/demoKernel";
import { alive, exampleStack, kernelCopy, useBackend } from "./backend";

describe("deploy: two stacks with the same component names", function () {
    this.timeout(15 * 60_000);
    let backend: ReturnType<typeof useBackend>;
    let kernelDir: string;
    const stacks: Stack[] = [];

    before(() => {
        backend = useBackend("stacks");
        kernelDir = kernelCopy();
    });

    after(async () => {
        try {
            for (const stack of stacks) await stack.destroy().catch(() => undefined);
        } finally {
            backend?.cleanup();
            rmSync(kernelDir, { recursive: true, force: true });
        }
    });

    it("never share a pidfile or console, and destroying one leaves the other's VM running", async () => {
        const dev = await exampleStack("local", "dev", backend.env, { kernelDirectory: { value: kernelDir } });
        const prod = await exampleStack("local", "prod", backend.env, { kernelDirectory: { value: kernelDir } });
        stacks.push(dev, prod);

        const devUp = await dev.up();
        const devPidfile = devUp.outputs.pidfile.value as string;
        const devConsole = devUp.outputs.consoleLog.value as string;
        const devPid = Number(readFileSync(devPidfile, "utf8"));
        assert.ok(alive(devPid));
        const devText = readFileSync(devConsole, "utf8");

        const prodUp = await prod.up();
        const prodPidfile = prodUp.outputs.pidfile.value as string;
        const prodConsole = prodUp.outputs.consoleLog.value as string;
        assert.notEqual(prodPidfile, devPidfile);
        assert.notEqual(prodConsole, devConsole);
        assert.match(devPidfile, /\/local\/unikernel-local\/dev\/hello-[0-9a-f]{8}\/qemu\.pid$/);
        assert.match(prodPidfile, /\/local\/unikernel-local\/prod\/hello-[0-9a-f]{8}\/qemu\.pid$/);
        const prodPid = Number(readFileSync(prodPidfile, "utf8"));
        assert.notEqual(prodPid, devPid);
        assert.ok(alive(devPid), "bringing prod up did not stop dev's VM");
        assert.ok(alive(prodPid));
        assert.ok(readFileSync(devConsole, "utf8").startsWith(devText), "dev's console was not overwritten");
        assert.ok(readFileSync(prodConsole, "utf8").includes(DEMO_LINE));

        await dev.destroy();
        assert.ok(!alive(devPid), "dev's VM is stopped");
        assert.ok(alive(prodPid), "prod's VM still runs after dev is destroyed");
        await prod.destroy();
        assert.ok(!alive(prodPid));
    });
});
