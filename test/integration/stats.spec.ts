/**
 * `unikernel stats` against a real QEMU (TCG) running the demo kernel from a disk: QMP and /proc
 * give counters that moved while it booted (vCPU time, disk reads through GRUB), a stopped VM is
 * reported down, and the Prometheus endpoint answers on loopback.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "fs";
import * as http from "http";
import * as path from "path";
import { BIN, jsonOf, unikernel } from "../helpers/cli";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";
import { freePort } from "../helpers/net";

interface VmJson {
    name: string;
    up: boolean;
    status?: string;
    reason?: string;
    vcpus: { index: number; cpuSeconds: number }[];
    qemuCpuSeconds?: number;
    guestMemoryBytes?: number;
    hostRssBytes?: number;
    blocks: { device: string; readBytes: number; readOps: number }[];
    consoleBytes?: number;
}

function get(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) =>
        http
            .get(url, (res) => {
                let body = "";
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            })
            .on("error", reject),
    );
}

describe("unikernel stats (QMP and /proc, real QEMU)", function () {
    this.timeout(300_000);
    const dir = tempDir("stats-");
    const pidfile = path.join(dir, "web", "qemu.pid");
    const stats = (extra: string[] = []) => unikernel(["stats", "--pidfile", pidfile, ...extra]);

    before(() => {
        const disk = path.join(dir, "disk.img");
        const made = unikernel([
            "disk",
            "--kernel",
            demoKernel(),
            "--boot",
            "bios",
            "--cmdline",
            "stay",
            "--out",
            disk,
            "--json",
        ]);
        assert.equal(made.code, 0, made.stderr);
        const run = unikernel([
            "run",
            "--disk",
            disk,
            "--memory",
            "64M",
            "--expect",
            DEMO_LINE,
            "--timeout",
            "120",
            "--detach",
            "--pidfile",
            pidfile,
            "--json",
        ]);
        assert.equal(run.code, 0, run.stdout + run.stderr);
    });
    after(() => {
        unikernel(["stop", "--pidfile", pidfile]);
    });

    it("reads a running guest from outside: its state, vCPU time, memory and the disk reads of its boot", () => {
        const run = stats(["--json"]);
        assert.equal(run.code, 0, run.stderr);
        const [vm] = (jsonOf(run) as { vms: VmJson[] }).vms;
        assert.equal(vm.name, "web");
        assert.equal(vm.up, true);
        assert.equal(vm.reason, undefined, "QMP answered");
        assert.equal(vm.status, "running");
        assert.equal(vm.vcpus.length, 1);
        assert.ok(vm.vcpus[0].cpuSeconds > 0, "the vCPU thread ran the boot");
        assert.ok((vm.qemuCpuSeconds ?? 0) >= vm.vcpus[0].cpuSeconds);
        assert.equal(vm.guestMemoryBytes, 64 * 1024 * 1024);
        assert.ok((vm.hostRssBytes ?? 0) > 1024 * 1024);
        const disk = vm.blocks.find((b) => b.readBytes > 0);
        assert.ok(disk && disk.readOps > 0, `GRUB read the disk: ${JSON.stringify(vm.blocks)}`);
        assert.ok((vm.consoleBytes ?? 0) >= DEMO_LINE.length);
    });

    it("prints Prometheus text and serves it on loopback", async () => {
        const text = stats(["--prometheus", "--name", 'we"b']);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /^# TYPE unikernel_up gauge$/m);
        assert.match(text.stdout, /^unikernel_up\{vm="we\\"b"\} 1$/m, "label values escaped");
        assert.match(text.stdout, /^unikernel_vcpu_seconds_total\{vm="we\\"b",vcpu="0"\} [0-9.]+$/m);
        assert.match(text.stdout, /^unikernel_block_read_bytes_total\{vm="we\\"b",device="[^"]+"\} [1-9]\d*$/m);

        const port = await freePort();
        const server = spawn(process.execPath, [BIN, "stats", "--pidfile", pidfile, "--serve", `127.0.0.1:${port}`], {
            stdio: ["ignore", "ignore", "pipe"],
        });
        try {
            let listening = "";
            await new Promise<void>((resolve, reject) => {
                server.stderr.on("data", (d: Buffer) => {
                    listening += d.toString();
                    if (listening.includes("/metrics")) resolve();
                });
                server.once("exit", (code) => reject(new Error(`stats --serve exited ${code}: ${listening}`)));
            });
            const page = await get(`http://127.0.0.1:${port}/metrics`);
            assert.equal(page.status, 200);
            assert.match(page.body, /^unikernel_up\{vm="web"\} 1$/m);
            assert.equal((await get(`http://127.0.0.1:${port}/`)).status, 404);
        } finally {
            server.kill("SIGTERM");
        }
    });

    it("refuses two pidfiles that would give one series, and a port it cannot listen on", async () => {
        const other = path.join(dir, "other", "web", "qemu.pid");
        const twice = unikernel(["stats", "--pidfile", pidfile, "--pidfile", other, "--prometheus"]);
        assert.equal(twice.code, 2, twice.stdout);
        assert.match(twice.stderr, /both be labelled vm="web"/);
        const taken = http.createServer();
        await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
        try {
            const port = (taken.address() as { port: number }).port;
            const busy = unikernel(["stats", "--pidfile", pidfile, "--serve", `127.0.0.1:${port}`]);
            assert.equal(busy.code, 1, busy.stderr);
            assert.match(busy.stderr, /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
        } finally {
            taken.close();
        }
    });

    it("never lets QEMU replace a file at its QMP socket's path", () => {
        const victim = path.join(dir, "victim", "qemu.pid");
        mkdirSync(path.dirname(victim), { recursive: true });
        writeFileSync(`${victim}.qmp`, "precious");
        const run = unikernel([
            "run",
            "--kernel",
            demoKernel(),
            "--timeout",
            "30",
            "--detach",
            "--pidfile",
            victim,
            "--json",
        ]);
        assert.equal(run.code, 1, run.stdout);
        assert.match(run.stderr, /QMP socket goes, beside its pidfile\) is not a socket/);
        assert.equal(readFileSync(`${victim}.qmp`, "utf8"), "precious");
    });

    it("reports a stopped guest as down, without an error", () => {
        assert.ok(existsSync(`${pidfile}.qmp`), "the socket beside the pidfile");
        assert.equal(unikernel(["stop", "--pidfile", pidfile]).code, 0);
        assert.equal(existsSync(`${pidfile}.qmp`), false, "stop removes its socket");
        const run = stats(["--json"]);
        assert.equal(run.code, 0, run.stderr);
        const [vm] = (jsonOf(run) as { vms: VmJson[] }).vms;
        assert.equal(vm.up, false);
        assert.match(vm.reason ?? "", /not running/);
        assert.match(stats(["--prometheus"]).stdout, /^unikernel_up\{vm="web"\} 0$/m);
    });
});
