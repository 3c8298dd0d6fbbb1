/**
 * `unikernel bench` for real: the demo kernel and the Linux baseline (Debian cloud kernel + busybox,
 * made from Debian packages) boot under QEMU; the JSON report and the SVG chart are checked for
 * shape and consistency. No timing thresholds: the numbers depend on the machine.
 */
import { strict as assert } from "assert";
import { readFileSync, rmSync } from "fs";
import * as path from "path";
import { XMLValidator } from "fast-xml-parser";
import { bisect, stats } from "../../src/measure/bench";
import { jsonOf, unikernel, unikernelAsync } from "../helpers/cli";
import { DEMO_LINE, demoKernel, tempDir } from "../helpers/demoKernel";

interface Result {
    name: string;
    imageBytes: number;
    runs: number;
    accel: string;
    firstOutputMs: { median: number; min: number; max: number };
    readyMs: { median: number; min: number; max: number };
    minMemoryMiB: number | null;
    failedMemoryMiB: number | null;
    qemuRssKiB: number | null;
    idleCpuSeconds: number | null;
    idleVcpuSeconds: number | null;
    qemuRssMaxKiB: number | null;
    workload: {
        requests: number;
        errors: number;
        latencyMs: { median: number; min: number; max: number; p90: number; p99: number };
        requestsPerSecond: number;
    } | null;
}

function checkStats(s: { median: number; min: number; max: number }, label: string): void {
    assert.ok(s.min > 0 && s.min <= s.median && s.median <= s.max, `${label}: ${JSON.stringify(s)}`);
}

describe("unikernel bench", function () {
    this.timeout(10 * 60_000);
    let dir: string;
    before(() => (dir = tempDir("bench-")));
    /** The demo kernel (kept up for the idle run) and the Linux baseline, one boot each, no memory search. */
    const withBaseline = (idleSeconds: string) => [
        "bench",
        "--kernel",
        demoKernel(),
        "--cmdline",
        "bench",
        "--stay-cmdline",
        "bench stay",
        "--expect",
        DEMO_LINE,
        "--runs",
        "1",
        "--no-memory-search",
        "--idle-seconds",
        idleSeconds,
        "--baseline",
        "linux",
    ];
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("boots the demo kernel N times, finds its smallest memory, measures an idle instance, writes JSON and SVG", async () => {
        const svg = path.join(dir, "demo.svg");
        const run = await unikernelAsync([
            "bench",
            "--kernel",
            demoKernel(),
            "--cmdline",
            "bench",
            "--stay-cmdline",
            "bench stay",
            "--expect",
            DEMO_LINE,
            "--runs",
            "3",
            "--memory",
            "16",
            "--memory-range",
            "1:16",
            "--idle-seconds",
            "2",
            "--svg",
            svg,
            "--json",
        ]);
        assert.equal(run.code, 0, run.stderr);
        const report = jsonOf(run) as {
            machine: { cpus: number; accel: string };
            settings: { runs: number };
            results: Result[];
            svg: string;
        };
        assert.equal(report.settings.runs, 3);
        assert.ok(report.machine.cpus >= 1);
        assert.equal(report.results.length, 1);
        const [demo] = report.results;
        assert.equal(demo.runs, 3);
        checkStats(demo.readyMs, "ready");
        checkStats(demo.firstOutputMs, "first output");
        assert.ok(demo.firstOutputMs.median <= demo.readyMs.median);
        assert.equal(demo.imageBytes, readFileSync(demoKernel()).length);
        assert.ok(
            demo.minMemoryMiB !== null && demo.minMemoryMiB >= 1 && demo.minMemoryMiB <= 16,
            String(demo.minMemoryMiB),
        );
        if (demo.failedMemoryMiB !== null)
            assert.ok(demo.failedMemoryMiB < demo.minMemoryMiB, "what failed is below what booted");
        assert.ok(
            demo.qemuRssKiB !== null && demo.qemuRssKiB > 1024,
            `the kernel stays up with "stay", so QEMU's RSS is measured: ${demo.qemuRssKiB}`,
        );
        assert.ok(demo.idleCpuSeconds !== null && demo.idleCpuSeconds >= 0);
        assert.equal(report.svg, svg);
        const text = readFileSync(svg, "utf8");
        assert.equal(XMLValidator.validate(text), true);
        assert.match(text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
        assert.equal((text.match(/<rect /g) ?? []).length, 1 + 5, "background plus one bar per panel");
        assert.ok(text.includes(">unikernel<"));
    });

    it("says why idle CPU and RSS are n/a when the guest powers off, and which flag fixes it", async () => {
        // The demo kernel without "stay" prints its line and powers off: nothing is left to measure.
        const run = await unikernelAsync([
            "bench",
            "--kernel",
            demoKernel(),
            "--cmdline",
            "bench",
            "--expect",
            DEMO_LINE,
            "--runs",
            "1",
            "--no-memory-search",
            "--idle-seconds",
            "2",
        ]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /\| n\/a \| n\/a \|/);
        assert.match(
            run.stdout,
            /- unikernel: idle CPU and RSS n\/a: the guest (powered off|did not print).*--stay-cmdline/,
        );
    });

    it("measures the Linux baseline made from Debian packages in the same run", async () => {
        const run = await unikernelAsync([
            ...withBaseline("1"),
            "--memory",
            "128",
            "--svg",
            path.join(dir, "both.svg"),
            "--json",
        ]);
        assert.equal(run.code, 0, run.stderr);
        const report = jsonOf(run) as { results: Result[] };
        assert.deepEqual(
            report.results.map((r) => r.name),
            ["unikernel", "linux (debian cloud + busybox)"],
        );
        const linux = report.results[1];
        checkStats(linux.readyMs, "linux ready");
        assert.ok(linux.imageBytes > 1024 * 1024, "a real kernel and initramfs");
        assert.equal(linux.minMemoryMiB, null, "--no-memory-search");
        assert.ok(linux.qemuRssKiB !== null, 'the baseline stays up with "stay" for the idle measurement');
        assert.equal(XMLValidator.validate(readFileSync(path.join(dir, "both.svg"), "utf8")), true);
    });

    it("runs a request loop against the systems that serve, with latency percentiles and the host-side view from QMP", async () => {
        const run = await unikernelAsync([
            ...withBaseline("2"),
            "--workload",
            "20",
            "--svg",
            path.join(dir, "workload.svg"),
            "--json",
        ]);
        assert.equal(run.code, 0, run.stderr);
        const report = jsonOf(run) as { results: Result[]; settings: { workloadRequests: number } };
        assert.equal(report.settings.workloadRequests, 20);
        const [demo, linux] = report.results;
        assert.equal(demo.workload, null, "the demo kernel serves nothing (no --workload-port)");
        assert.ok(linux.workload, "the baseline serves with busybox httpd");
        assert.equal(linux.workload.requests, 20);
        assert.equal(linux.workload.errors, 0);
        const l = linux.workload.latencyMs;
        assert.ok(
            l.min > 0 && l.min <= l.median && l.median <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max,
            JSON.stringify(l),
        );
        assert.ok(linux.workload.requestsPerSecond > 0);
        for (const r of report.results) {
            assert.ok(
                r.idleVcpuSeconds !== null && r.idleVcpuSeconds >= 0,
                `${r.name}: vCPU time from QMP's thread ids`,
            );
            assert.ok(r.qemuRssMaxKiB !== null && r.qemuRssMaxKiB >= 1024, `${r.name}: RSS sampled while idle`);
        }
        const svg = readFileSync(path.join(dir, "workload.svg"), "utf8");
        assert.equal(XMLValidator.validate(svg), true);
        assert.match(svg, /HTTP latency under a sequential request loop/);
    });

    it("prints a Markdown table without --json", async () => {
        const run = await unikernelAsync([
            "bench",
            "--kernel",
            demoKernel(),
            "--expect",
            DEMO_LINE,
            "--runs",
            "1",
            "--no-memory-search",
            "--idle-seconds",
            "0",
        ]);
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /^\d+ CPUs \(/);
        assert.match(run.stdout, /\| system \| image \| first output ms/);
        assert.match(
            run.stdout,
            /\| unikernel \| [\d.]+ KiB \| \d+ \(\d+-\d+\) \| \d+ \(\d+-\d+\) \| n\/a \| n\/a \| n\/a \|/,
        );
    });

    it("reports every input problem at once, and a kernel that never gets ready with its console tail", async () => {
        const bad = unikernel(["bench", "--expect", "(", "--memory-range", "8:4", "--json"]);
        assert.equal(bad.code, 1);
        const error = String(jsonOf(bad).error);
        assert.match(error, /exactly one of --kernel or --disk/);
        assert.match(error, /--expect is not a valid regular expression/);
        assert.match(error, /--memory-range 8:4/);
        const never = await unikernelAsync([
            "bench",
            "--kernel",
            demoKernel(),
            "--expect",
            "never printed",
            "--runs",
            "1",
            "--timeout",
            "5",
            "--json",
        ]);
        assert.equal(never.code, 1);
        assert.match(
            String(jsonOf(never).error),
            /boot 1 did not reach \/never printed\/[\s\S]*Hello from the pulumi-unikernel demo kernel/,
        );
    });
});

describe("bench statistics", () => {
    it("takes the median, min and max without averaging", () => {
        assert.deepEqual(stats([5, 1, 9]), { median: 5, min: 1, max: 9 });
        assert.deepEqual(stats([4, 2, 10, 8]), { median: 6, min: 2, max: 10 });
    });

    it("bisects to the smallest value that works, with the largest failure below it", async () => {
        const tried: number[] = [];
        const result = await bisect(1, 64, async (v) => (tried.push(v), v >= 11));
        assert.deepEqual(result, { min: 11, failed: 10 });
        assert.ok(tried.length <= 8, `${tried.length} probes`);
        assert.deepEqual(await bisect(1, 8, async () => false), { min: null, failed: 8 });
        assert.deepEqual(await bisect(1, 8, async () => true), { min: 1, failed: null });
    });
});
