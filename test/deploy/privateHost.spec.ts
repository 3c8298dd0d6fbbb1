/**
 * examples/private-host under the real Pulumi engine, against an sshd on 127.0.0.1 playing the private KVM
 * host: `up` copies the image over SFTP and starts the supervised VM (QEMU under TCG), the private
 * key stays encrypted in the state, `destroy` removes it all, and a wrong host key is refused before
 * anything reaches the host.
 */
import * as assert from "assert";
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { DEMO_LINE } from "../helpers/demoKernel";
import { alive, changes, exampleStack, kernelCopy, useBackend } from "./backend";
import { Sshd, startSshd } from "./sshd";

describe("deploy: examples/private-host over SSH to a loopback sshd", function () {
    this.timeout(15 * 60_000);
    let backend: ReturnType<typeof useBackend>;
    let sshd: Sshd;
    const stacks: Stack[] = [];

    let kernelDir: string;

    function hostConfig(stateDirectory: string, hostKey: string) {
        return {
            kernelDirectory: { value: kernelDir },
            host: { value: "127.0.0.1" },
            sshPort: { value: String(sshd.port) },
            user: { value: os.userInfo().username },
            privateKey: { value: sshd.privateKey, secret: true },
            hostKey: { value: hostKey },
            runMode: { value: "background" },
            stateDirectory: { value: stateDirectory },
        };
    }

    before(async () => {
        backend = useBackend("private-host");
        kernelDir = kernelCopy();
        sshd = await startSshd();
    });

    after(async () => {
        try {
            for (const stack of stacks) await stack.destroy().catch(() => undefined);
        } finally {
            sshd?.stop();
            backend?.cleanup();
            rmSync(kernelDir, { recursive: true, force: true });
        }
    });

    it("up copies the image and starts the VM on the host; a new image replaces it; destroy removes it", async () => {
        const stateDir = path.join(backend.work, "host-state");
        const stack = await exampleStack(
            "private-host",
            "deploy-host",
            backend.env,
            hostConfig(stateDir, sshd.hostKey),
        );
        stacks.push(stack);
        const up = await stack.up();
        assert.equal(up.outputs.runMode.value, "background");
        const remoteImage = up.outputs.remoteImagePath.value as string;
        assert.ok(remoteImage.startsWith(`${stateDir}/image-`), remoteImage);
        assert.ok(existsSync(remoteImage), "the image was copied to the host");
        const consoleText = readFileSync(up.outputs.consoleLog.value as string, "utf8");
        assert.ok(consoleText.includes(DEMO_LINE), consoleText);
        const supervisor = Number(readFileSync(path.join(stateDir, "supervisor.pid"), "utf8"));
        assert.ok(alive(supervisor), "the supervisor runs");

        const preview = await stack.preview();
        assert.deepEqual(changes(preview.changeSummary), {}, "an unchanged program has nothing to do");

        // The checkpoint file as the backend stores it: the connection (with the key) is a secret,
        // encrypted with the stack's passphrase. (`exportStack` would decrypt it.)
        const checkpoint = readFileSync(
            path.join(backend.work, "backend", ".pulumi", "stacks", "unikernel-private-host", "deploy-host.json"),
            "utf8",
        );
        const keyBody = sshd.privateKey.split("\n")[1];
        assert.ok(!checkpoint.includes(keyBody), "the private key is not in the state in clear text");
        assert.ok(checkpoint.includes('"ciphertext"'), "the state holds encrypted secrets");

        // A new image: copied beside the running one, then the old service is removed (with its
        // image) before the new one starts under the same name.
        const main = path.join(kernelDir, "main.c");
        writeFileSync(
            main,
            readFileSync(main, "utf8").replace(
                'serial_puts("staying up\\n");',
                'serial_puts("staying up, image two\\n");',
            ),
        );
        const update = await stack.up();
        assert.ok(
            (changes(update.summary.resourceChanges).replace ?? 0) >= 2,
            JSON.stringify(update.summary.resourceChanges),
        );
        const secondImage = update.outputs.remoteImagePath.value as string;
        assert.notEqual(secondImage, remoteImage);
        assert.ok(existsSync(secondImage) && !existsSync(remoteImage), "the new image is there, the old one is gone");
        assert.ok(!alive(supervisor), "the old supervisor was stopped");
        const secondSupervisor = Number(readFileSync(path.join(stateDir, "supervisor.pid"), "utf8"));
        assert.ok(alive(secondSupervisor), "the new supervisor runs");
        assert.ok(readFileSync(update.outputs.consoleLog.value as string, "utf8").includes("staying up, image two"));

        const destroy = await stack.destroy();
        assert.ok((destroy.summary.resourceChanges?.delete ?? 0) >= 5, JSON.stringify(destroy.summary.resourceChanges));
        assert.ok(!alive(secondSupervisor), "the supervisor and its VM are stopped");
        assert.ok(!existsSync(stateDir), "the host's state directory is gone");
    });

    it("refuses a host whose key is not the declared one, before anything reaches it", async () => {
        const stateDir = path.join(backend.work, "refused-state");
        const stack = await exampleStack(
            "private-host",
            "deploy-wrong-key",
            backend.env,
            hostConfig(stateDir, sshd.otherHostKey),
        );
        stacks.push(stack);
        await assert.rejects(stack.up(), (error: Error) => {
            assert.match(error.message, /host key|verification|handshake/i);
            return true;
        });
        assert.ok(!existsSync(stateDir), "nothing was made on the host");
    });
});
