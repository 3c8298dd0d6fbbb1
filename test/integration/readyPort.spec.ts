/**
 * `unikernel run --detach --ready-port` against QEMU's real user-mode networking: the demo kernel
 * has no network driver, so QEMU accepts the forwarded connection on the host side and the guest
 * never says anything: that must not count as ready; the run fails with the console tail and
 * leaves no VM behind. A guest that does serve (the Linux baseline with busybox httpd) is ready.
 */
import { strict as assert } from "assert";
import { existsSync, rmSync } from "fs";
import * as http from "http";
import * as path from "path";
import { linuxBaseline } from "../../src/measure/linuxBaseline";
import { jsonOf, unikernel, unikernelAsync } from "../helpers/cli";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";
import { freePort } from "../helpers/net";

describe("unikernel run --ready-port", function () {
    this.timeout(120_000);

    it("does not take QEMU's accepted-but-silent forward for a listening service, and stops the VM", async () => {
        const dir = tempDir("ready-port-");
        try {
            const port = await freePort();
            const pidfile = path.join(dir, "qemu.pid");
            const run = await unikernelAsync([
                "run",
                "--kernel",
                demoKernel(),
                "--cmdline",
                "port stay",
                "--port",
                `${port}:80`,
                "--expect",
                DEMO_LINE,
                "--ready-port",
                String(port),
                "--timeout",
                "8",
                "--detach",
                "--pidfile",
                pidfile,
                "--console",
                path.join(dir, "console.log"),
                "--json",
            ]);
            assert.equal(run.code, 1, run.stderr);
            const result = jsonOf(run) as { matched: boolean; consoleTail: string };
            assert.equal(result.matched, false);
            assert.match(result.consoleTail, new RegExp(`${DEMO_LINE}[\\s\\S]*port ${port} did not answer`));
            assert.ok(!existsSync(pidfile), "the VM that never got ready was stopped");
        } finally {
            // Whatever the assertions said, no VM outlives the test.
            unikernel(["stop", "--pidfile", path.join(dir, "qemu.pid")]);
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("takes a guest that really serves on the port for ready (the Linux baseline with busybox httpd over virtio-net)", async () => {
        const dir = tempDir("ready-port-linux-");
        try {
            const linux = await linuxBaseline();
            const port = await freePort();
            const pidfile = path.join(dir, "qemu.pid");
            const run = await unikernelAsync([
                "run",
                "--kernel",
                linux.kernel,
                "--initrd",
                linux.initrd,
                "--cmdline",
                `${linux.cmdline} serve`,
                "--memory",
                "128M",
                "--port",
                `${port}:80`,
                "--expect",
                linux.readyLine,
                "--ready-port",
                String(port),
                "--timeout",
                "90",
                "--detach",
                "--pidfile",
                pidfile,
                "--console",
                path.join(dir, "console.log"),
                "--json",
            ]);
            assert.equal(run.code, 0, run.stdout + run.stderr);
            assert.equal((jsonOf(run) as { matched: boolean }).matched, true);
            const page = await new Promise<string>((resolve, reject) => {
                http.get(`http://127.0.0.1:${port}/`, (res) => {
                    let body = "";
                    res.on("data", (d) => (body += d));
                    res.on("end", () => resolve(body));
                }).on("error", reject);
            });
            assert.match(page, /served by the Linux baseline/);
        } finally {
            unikernel(["stop", "--pidfile", path.join(dir, "qemu.pid")]);
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses a ready port that is not forwarded", async () => {
        const run = await unikernelAsync([
            "run",
            "--kernel",
            demoKernel(),
            "--ready-port",
            "8080",
            "--detach",
            "--pidfile",
            "/tmp/x.pid",
            "--json",
        ]);
        // Options that contradict each other: a usage error (exit 2, nothing on stdout even with --json).
        assert.equal(run.code, 2);
        assert.equal(run.stdout, "");
        assert.match(run.stderr, /--ready-port 8080 is not a forwarded TCP host port; add --port 8080:<guest port>/);
    });
});
