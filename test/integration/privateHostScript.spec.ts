/**
 * The private-host install and remove scripts, run for real with sh and QEMU on this machine (the
 * same scripts PrivateHostService runs over SSH): background mode, since there is no systemd here.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync } from "fs";
import * as path from "path";
import { makeBootableDisk } from "../../src/disk/bootableDisk";
import { HostServiceSpec, hostPaths, installScript, metricsFile, removeScript } from "../../src/hosts/privateHost";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";
import { freePort } from "../helpers/net";

/** True while any process of the group lives (signal 0 to the negative pid: the whole group). */
function alive(pgid: number): boolean {
    try {
        process.kill(-pgid, 0);
        return true;
    } catch {
        return false;
    }
}

describe("private host scripts (background mode, real QEMU)", function () {
    this.timeout(180_000);
    let dir: string;
    const installed: HostServiceSpec[] = [];
    before(() => {
        dir = tempDir();
    });
    // Even when an assertion fails, no supervisor or VM outlives the test.
    afterEach(() => {
        for (const spec of installed.splice(0)) spawnSync("sh", ["-c", removeScript(spec)]);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("installs a supervised VM that boots and restarts, waits for its line, and removes it all", async () => {
        const disk = await makeBootableDisk({ kernel: demoKernel(), boot: "bios", out: path.join(dir, "disk.img") });
        const spec: HostServiceSpec = {
            name: "demo",
            stateDir: path.join(dir, "state"),
            imagePath: disk.path,
            imageKind: "disk",
            hypervisor: "qemu",
            architecture: "x86_64",
            boot: "bios",
            memoryMiB: 64,
            ports: [],
            mode: "background",
            expect: DEMO_LINE,
            timeoutSeconds: 60,
        };
        installed.push(spec);
        const install = spawnSync("sh", ["-c", installScript(spec)], { encoding: "utf8" });
        assert.equal(install.status, 0, install.stderr);
        assert.deepEqual(JSON.parse(install.stdout.trim().split("\n").pop()!), {
            mode: "background",
            console: hostPaths(spec).console,
        });
        const pgid = Number(readFileSync(hostPaths(spec).pidfile, "utf8"));
        assert.ok(alive(pgid), "the supervisor runs");
        // The demo kernel powers off at once; the supervisor must start it again (restart on exit).
        await new Promise((r) => setTimeout(r, 3000));
        assert.ok(alive(pgid), "the supervisor keeps running after the VM exits");
        const boots = readFileSync(hostPaths(spec).console, "utf8").split(DEMO_LINE).length - 1;
        assert.ok(boots >= 2, `the console shows ${boots} boot(s); the supervisor should have restarted the VM`);

        const remove = spawnSync("sh", ["-c", removeScript(spec)], { encoding: "utf8" });
        assert.equal(remove.status, 0, remove.stderr);
        assert.equal(alive(pgid), false, "supervisor and VM are gone");
        assert.equal(existsSync(spec.stateDir), false);
        assert.equal(spawnSync("sh", ["-c", removeScript(spec)]).status, 0, "removing twice is fine");
    });

    it("refuses a state directory others can write to, or one that is a symbolic link, before writing anything there", () => {
        const base: Omit<HostServiceSpec, "stateDir"> = {
            name: "shared",
            imagePath: "/nonexistent.img",
            imageKind: "disk",
            hypervisor: "qemu",
            architecture: "x86_64",
            boot: "bios",
            memoryMiB: 64,
            ports: [],
            mode: "background",
            expect: DEMO_LINE,
            timeoutSeconds: 5,
        };
        const shared = path.join(dir, "shared");
        mkdirSync(shared);
        chmodSync(shared, 0o777);
        const open = spawnSync("sh", ["-c", installScript({ ...base, stateDir: shared })], { encoding: "utf8" });
        assert.equal(open.status, 1, open.stderr);
        assert.match(open.stderr, /the state directory .*shared belongs to another user or can be written by others/);
        assert.deepEqual(readdirSync(shared), [], "no script was written where another user could swap it");

        const target = path.join(dir, "elsewhere");
        mkdirSync(target);
        const linked = path.join(dir, "linked");
        symlinkSync(target, linked);
        const link = spawnSync("sh", ["-c", installScript({ ...base, stateDir: linked })], { encoding: "utf8" });
        assert.equal(link.status, 1, link.stderr);
        assert.match(link.stderr, /is not a directory \(or is a symbolic link\)/);
        assert.deepEqual(readdirSync(target), []);
    });

    it("fails the install with the console tail when the ready line never comes", async () => {
        const disk = await makeBootableDisk({ kernel: demoKernel(), boot: "bios", out: path.join(dir, "disk2.img") });
        const spec: HostServiceSpec = {
            name: "never",
            stateDir: path.join(dir, "never"),
            imagePath: disk.path,
            imageKind: "disk",
            hypervisor: "qemu",
            architecture: "x86_64",
            boot: "bios",
            memoryMiB: 64,
            ports: [],
            mode: "background",
            expect: "this line is never printed",
            timeoutSeconds: 3,
        };
        installed.push(spec);
        const install = spawnSync("sh", ["-c", installScript(spec)], { encoding: "utf8" });
        assert.equal(install.status, 1);
        assert.match(
            install.stderr,
            /unikernel never did not print this line is never printed within 3 s; last console lines:/,
        );
        assert.equal(existsSync(hostPaths(spec).pidfile), false, "the VM that never got ready was stopped");
        assert.match(
            readFileSync(hostPaths(spec).console, "utf8"),
            new RegExp(DEMO_LINE),
            "its console is kept for diagnosis",
        );
    });

    it("fails the install when the ready port never answers (QEMU's forward alone does not count)", async () => {
        const disk = await makeBootableDisk({
            kernel: demoKernel(),
            boot: "bios",
            cmdline: "port stay",
            out: path.join(dir, "disk3.img"),
        });
        const port = await freePort();
        const spec: HostServiceSpec = {
            name: "silent",
            stateDir: path.join(dir, "silent"),
            imagePath: disk.path,
            imageKind: "disk",
            hypervisor: "qemu",
            architecture: "x86_64",
            boot: "bios",
            memoryMiB: 64,
            ports: [{ protocol: "tcp", port }],
            mode: "background",
            expect: DEMO_LINE,
            timeoutSeconds: 4,
            readyPort: port,
        };
        installed.push(spec);
        const install = spawnSync("sh", ["-c", installScript(spec)], { encoding: "utf8" });
        assert.equal(install.status, 1, install.stdout);
        assert.match(
            install.stderr,
            new RegExp(
                `unikernel silent: port ${port} did not answer within 4 s; last console lines:[\\s\\S]*${DEMO_LINE}`,
            ),
        );
        assert.equal(existsSync(hostPaths(spec).pidfile), false, "the VM that never answered was stopped");
    });

    it("runs a watchdog that restarts the VM when its port stops answering, counts it in the metrics file, and removes both with the service", async () => {
        const disk = await makeBootableDisk({
            kernel: demoKernel(),
            boot: "bios",
            cmdline: "watchdog stay",
            out: path.join(dir, "disk4.img"),
        });
        const port = await freePort();
        const spec: HostServiceSpec = {
            name: "watched",
            stateDir: path.join(dir, "watched"),
            imagePath: disk.path,
            imageKind: "disk",
            hypervisor: "qemu",
            architecture: "x86_64",
            boot: "bios",
            memoryMiB: 64,
            ports: [{ protocol: "tcp", port }],
            mode: "background",
            expect: "staying up",
            timeoutSeconds: 60,
            watchdog: { port, intervalSeconds: 1, failures: 2 },
            metrics: { textfileDirectory: path.join(dir, "textfile"), intervalSeconds: 1 },
        };
        installed.push(spec);
        const install = spawnSync("sh", ["-c", installScript(spec)], { encoding: "utf8" });
        assert.equal(install.status, 0, install.stderr);
        const watchdog = Number(readFileSync(hostPaths(spec).watchdogPid, "utf8"));
        assert.ok(alive(watchdog), "the watchdog runs");
        // The demo kernel stays up but never answers on the port: the watchdog restarts it.
        let text = "";
        for (let i = 0; i < 60 && !(text.includes("[watchdog]") && text.split("staying up").length - 1 >= 2); i++) {
            await new Promise((r) => setTimeout(r, 500));
            text = readFileSync(hostPaths(spec).console, "utf8");
        }
        assert.match(text, new RegExp(`\\[watchdog\\] port ${port} did not answer 2 times: restarting the VM`));
        assert.ok(text.split("staying up").length - 1 >= 2, `booted again after the watchdog: ${text}`);

        // The metrics writer's file, from the host alone: the restarts counted, the VM read by /proc.
        const prom = metricsFile({ name: spec.name, metrics: spec.metrics! });
        const metricsPid = Number(readFileSync(hostPaths(spec).metricsPid, "utf8"));
        let metrics = "";
        const value = (sample: string) =>
            Number(new RegExp(`^${sample.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(metrics)?.[1]);
        for (let i = 0; i < 40; i++) {
            await new Promise((r) => setTimeout(r, 500));
            metrics = existsSync(prom) ? readFileSync(prom, "utf8") : "";
            if (value('unikernel_up{vm="watched"}') === 1 && value('unikernel_vm_starts_total{vm="watched"}') >= 2)
                break;
        }
        assert.equal(value('unikernel_up{vm="watched"}'), 1, metrics);
        assert.ok(value('unikernel_vm_starts_total{vm="watched"}') >= 2, metrics);
        assert.ok(value('unikernel_watchdog_restarts_total{vm="watched"}') >= 1, metrics);
        assert.ok(value('unikernel_watchdog_misses_total{vm="watched"}') >= 2, metrics);
        assert.ok(value('unikernel_qemu_cpu_seconds_total{vm="watched"}') > 0, metrics);
        assert.ok(value('unikernel_vcpu_seconds_total{vm="watched",vcpu="0"}') >= 0, `named vCPU thread: ${metrics}`);
        assert.ok(value('unikernel_host_rss_bytes{vm="watched"}') > 1024 * 1024, metrics);
        assert.ok(value('unikernel_console_bytes{vm="watched"}') > 0, metrics);
        // Prometheus text: every family announced before its samples, every sample "name{labels} number".
        const announced = new Set<string>();
        for (const line of metrics.trim().split("\n")) {
            const type = /^# TYPE (\S+) (gauge|counter)$/.exec(line);
            if (type) announced.add(type[1]);
            else if (!line.startsWith("# HELP ")) {
                const sample = /^([a-z_]+)\{[^}]*\} (-?[0-9.]+)$/.exec(line);
                assert.ok(sample && announced.has(sample[1]), `not a sample of an announced family: ${line}`);
            }
        }

        // Installed again without metrics (an update that turns them off): the old writer and its file go.
        const plain: HostServiceSpec = { ...spec, metrics: undefined, watchdog: undefined };
        installed.push(plain);
        const again = spawnSync("sh", ["-c", installScript(plain)], { encoding: "utf8" });
        assert.equal(again.status, 0, again.stderr);
        assert.equal(alive(metricsPid), false, "the old metrics writer is stopped");
        assert.equal(alive(watchdog), false, "and the old watchdog");
        assert.equal(existsSync(prom), false, "and its file removed: nothing frozen at its last values");
        assert.deepEqual(readdirSync(spec.metrics!.textfileDirectory), [], "no temporary file left either");

        const remove = spawnSync("sh", ["-c", removeScript(plain)], { encoding: "utf8" });
        assert.equal(remove.status, 0, remove.stderr);
        assert.equal(existsSync(spec.stateDir), false);
    });
});
