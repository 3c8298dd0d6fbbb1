/**
 * examples/local under the real Pulumi engine: `pulumi up` builds the demo kernel with make, makes a BIOS
 * disk and boots it under QEMU; an unchanged program changes nothing; a source change rebuilds and
 * replaces the VM; a build that fails keeps the previous image and VM; destroy stops QEMU.
 */
import * as assert from "assert";
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { DEMO_LINE } from "../helpers/demoKernel";
import { alive, changes, exampleStack, kernelCopy, useBackend } from "./backend";

describe("deploy: examples/local with pulumi up / preview / destroy", function () {
    this.timeout(15 * 60_000);
    let backend: ReturnType<typeof useBackend>;
    let stack: Stack;
    let kernelDir: string;

    before(async () => {
        backend = useBackend("local");
        kernelDir = kernelCopy();
        stack = await exampleStack("local", "deploy-local", backend.env, { kernelDirectory: { value: kernelDir } });
    });

    after(async () => {
        // Whatever failed above, no QEMU outlives the test.
        try {
            await stack?.destroy();
        } finally {
            backend?.cleanup();
            rmSync(kernelDir, { recursive: true, force: true });
        }
    });

    let firstDigest: string;
    let pid: number;
    let pidfile: string;

    it("up builds the kernel, makes the disk and boots it; the console file shows the demo line", async () => {
        const up = await stack.up();
        assert.deepEqual(
            changes(up.summary.resourceChanges),
            { create: 6 },
            JSON.stringify(up.summary.resourceChanges),
        );
        const consoleLog = up.outputs.consoleLog.value as string;
        const text = readFileSync(consoleLog, "utf8");
        assert.ok(text.includes(DEMO_LINE), text);
        assert.ok(text.includes("cmdline: ") && text.includes("quickstart stay"), text);
        firstDigest = up.outputs.digest.value as string;
        assert.match(firstDigest, /^[0-9a-f]{64}$/);
        pidfile = up.outputs.pidfile.value as string;
        assert.ok(
            pidfile.startsWith(path.join(backend.cacheDir, "local", "unikernel-local", "deploy-local", "hello-")),
            pidfile,
        );
        pid = Number(readFileSync(pidfile, "utf8").trim());
        assert.ok(alive(pid), "QEMU runs after up");
    });

    it("preview of an unchanged program shows no changes, and a second up runs nothing", async () => {
        const preview = await stack.preview();
        assert.deepEqual(changes(preview.changeSummary), {}, JSON.stringify(preview.changeSummary));
        const buildsBefore = readdirCount(path.join(backend.cacheDir, "artifacts"));
        const up = await stack.up();
        assert.deepEqual(changes(up.summary.resourceChanges), {}, JSON.stringify(up.summary.resourceChanges));
        assert.equal(readdirCount(path.join(backend.cacheDir, "artifacts")), buildsBefore, "no new build");
        assert.ok(alive(pid), "the same QEMU still runs");
    });

    it("a build that fails during up keeps the previous image, VM and state", async () => {
        const main = path.join(kernelDir, "main.c");
        const good = readFileSync(main, "utf8");
        writeFileSync(main, `${good}\nthis is not C;\n`);
        try {
            await assert.rejects(stack.up(), (error: Error) => {
                assert.match(error.message, /error: expected|this is not C/, "the compiler's own error is shown");
                return true;
            });
            const outputs = await stack.outputs();
            assert.equal(outputs.digest.value, firstDigest, "the state keeps the previous image");
            assert.ok(alive(pid), "the previous VM still runs");
            assert.ok(existsSync(outputs.diskPath.value as string), "the previous disk is kept");
        } finally {
            writeFileSync(main, good);
        }
        const preview = await stack.preview();
        assert.deepEqual(changes(preview.changeSummary), {}, "with the source fixed, nothing is left to do");
    });

    it("a source change rebuilds, makes a new disk and replaces the VM", async () => {
        const main = path.join(kernelDir, "main.c");
        writeFileSync(
            main,
            readFileSync(main, "utf8").replace(
                'serial_puts("staying up\\n");',
                'serial_puts("staying up, second build\\n");',
            ),
        );
        const up = await stack.up();
        const summary = changes(up.summary.resourceChanges);
        assert.ok((summary.replace ?? 0) >= 3, JSON.stringify(summary));
        assert.notEqual(up.outputs.digest.value, firstDigest);
        assert.ok(!alive(pid), "the old VM was stopped");
        const text = readFileSync(up.outputs.consoleLog.value as string, "utf8");
        assert.ok(text.includes("staying up, second build"), text);
        pid = Number(readFileSync(pidfile, "utf8").trim());
        assert.ok(alive(pid), "the new VM runs");
    });

    it("destroy stops QEMU and removes the stack's resources", async () => {
        const destroy = await stack.destroy();
        assert.equal(destroy.summary.resourceChanges?.delete, 6, JSON.stringify(destroy.summary.resourceChanges));
        assert.ok(!alive(pid), "QEMU is stopped");
        assert.ok(!existsSync(pidfile), "its pidfile is gone");
        const outputs = await stack.outputs();
        assert.deepEqual(outputs, {});
    });
});

function readdirCount(dir: string): number {
    try {
        return readdirSync(dir).length;
    } catch {
        return 0;
    }
}
