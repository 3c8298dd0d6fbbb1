/**
 * `unikernel bench`: what a VM costs, measured the same way for the user's image and for a Linux
 * baseline in the same run. Each system is booted N times under the same QEMU settings (time to the
 * first console output and to the ready line), its smallest bootable memory is found by bisection,
 * and one instance is kept running to read QEMU's resident memory and the CPU time it uses while the
 * guest sits idle. Medians are reported with min and max; nothing is averaged away.
 */
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { BootMode, UnikernelError } from "../model";
import { LocalRunOptions, runDetached, runLocal, stopDetached } from "../hosts/localRun";
import { cpuSeconds, rssBytes, vmStats } from "../hosts/vmStats";
import { WorkloadResult, freeLocalPort, runWorkload } from "./workload";

/** Bad bench input, or a system that never got ready: exit code 1 with the reason. */
export class BenchError extends UnikernelError {
    constructor(message: string) {
        super(message);
    }
}

/** One system to measure. */
export interface BenchSubject {
    /** Name in the table, e.g. "unikernel (demo)" or "linux (debian cloud + busybox)". */
    name: string;
    kernel?: string;
    initrd?: string;
    cmdline?: string;
    disk?: string;
    diskFormat?: string;
    boot?: BootMode;
    /** A console line that means ready. */
    expect: RegExp;
    /** Command line (for kernels) that keeps the guest up, for the idle measurement. */
    stayCmdline?: string;
    /** Memory for the boot runs, MiB. */
    memoryMiB: number;
    /** Bisection range for the smallest memory, MiB; undefined skips it. */
    memoryRange?: [number, number];
    /** A guest TCP port it serves HTTP on while it idles (with `stayCmdline`), for the workload. */
    servePort?: number;
}

export interface BenchSettings {
    runs: number;
    timeoutMs: number;
    /** Seconds the running guest is left idle while its CPU time is counted; 0 skips it. */
    idleSeconds: number;
    accel?: "kvm" | "tcg";
    onProgress?: (line: string) => void;
    /** Sequential HTTP requests sent to each subject that serves, after its idle window; 0 skips. */
    workloadRequests?: number;
}

export interface Stats {
    median: number;
    min: number;
    max: number;
}

export interface SubjectResult {
    name: string;
    /** Bytes of what boots: the disk, or kernel plus initrd. */
    imageBytes: number;
    runs: number;
    firstOutputMs: Stats;
    readyMs: Stats;
    /** Smallest memory (MiB) it reached ready in, within the range tried; null when not measured. */
    minMemoryMiB: number | null;
    /** Largest memory tried that failed, for context (null when none failed). */
    failedMemoryMiB: number | null;
    /** Resident memory of the QEMU process with the guest up and idle, KiB. */
    qemuRssKiB: number | null;
    /** CPU seconds QEMU used during `idleSeconds` of guest idleness. */
    idleCpuSeconds: number | null;
    /** Of those, the vCPU threads' (QMP's thread ids, /proc): the guest's own idle cost. */
    idleVcpuSeconds: number | null;
    /** The largest QEMU resident memory seen, sampled each second of the idle window and the workload, KiB. */
    qemuRssMaxKiB: number | null;
    /** The request loop against its served port, when asked and it serves. */
    workload: WorkloadResult | null;
    accel: "kvm" | "tcg";
    /** Why a measurement is missing (n/a), and the flag that fixes it. */
    notes: string[];
}

export interface BenchReport {
    machine: { cpus: number; cpuModel: string; memoryGiB: number; kernel: string; accel: "kvm" | "tcg"; qemu?: string };
    settings: { runs: number; idleSeconds: number; timeoutMs: number; workloadRequests: number };
    results: SubjectResult[];
}

export function stats(values: number[]): Stats {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    const median = sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
    return { median, min: sorted[0], max: sorted[sorted.length - 1] };
}

/** The smallest value in [lo, hi] for which `boots` holds, assuming it holds for all values above it. */
export async function bisect(
    lo: number,
    hi: number,
    boots: (value: number) => Promise<boolean>,
): Promise<{ min: number | null; failed: number | null }> {
    if (!(await boots(hi))) return { min: null, failed: hi };
    let failed: number | null = null;
    while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (await boots(mid)) hi = mid;
        else {
            failed = mid;
            lo = mid + 1;
        }
    }
    return { min: hi, failed };
}

function runOptions(
    subject: BenchSubject,
    settings: BenchSettings,
    consoleLog: string,
    memoryMiB: number,
): LocalRunOptions {
    return {
        architecture: "x86_64",
        kernel: subject.kernel,
        initrd: subject.initrd,
        cmdline: subject.cmdline,
        disk: subject.disk,
        diskFormat: subject.diskFormat,
        boot: subject.boot,
        memoryMiB,
        accel: settings.accel,
        expect: subject.expect,
        timeoutMs: settings.timeoutMs,
        consoleLog,
    };
}

async function imageBytes(subject: BenchSubject): Promise<number> {
    const files = [subject.disk, subject.kernel, subject.initrd].filter((f): f is string => Boolean(f));
    const sizes = await Promise.all(files.map((f) => fs.stat(f).then((s) => s.size)));
    return sizes.reduce((a, b) => a + b, 0);
}

/** QEMU's CPU seconds (utime + stime) from /proc; a process that is gone is an error. */
async function qemuCpuSeconds(pid: number): Promise<number> {
    const seconds = await cpuSeconds(`/proc/${pid}/stat`);
    if (seconds === undefined) throw new Error(`process ${pid} is gone`);
    return seconds;
}

/** QEMU's resident memory, KiB; a process that is gone is an error. */
async function rssKiB(pid: number): Promise<number> {
    const bytes = await rssBytes(pid);
    if (bytes === undefined) throw new Error(`process ${pid} is gone`);
    return bytes / 1024;
}

/** Measures one subject. Throws with the console tail when it never gets ready at its own memory. */
export async function benchSubject(subject: BenchSubject, settings: BenchSettings): Promise<SubjectResult> {
    const progress = settings.onProgress ?? (() => undefined);
    const work = await fs.mkdtemp(path.join(os.tmpdir(), "unikernel-bench-"));
    try {
        const first: number[] = [];
        const ready: number[] = [];
        let accel: "kvm" | "tcg" = "tcg";
        for (let i = 0; i < settings.runs; i++) {
            const result = await runLocal(
                runOptions(subject, settings, path.join(work, `boot-${i}.log`), subject.memoryMiB),
            );
            accel = result.accel;
            if (!result.matched || result.bootMs === undefined) {
                throw new BenchError(
                    `${subject.name}: boot ${i + 1} did not reach /${subject.expect.source}/ in ${settings.timeoutMs} ms; last console lines:\n${result.consoleTail}`,
                );
            }
            first.push(result.firstOutputMs ?? result.bootMs);
            ready.push(result.bootMs);
            progress(
                `${subject.name}: boot ${i + 1}/${settings.runs}: first output ${result.firstOutputMs} ms, ready ${result.bootMs} ms`,
            );
        }
        let memory: { min: number | null; failed: number | null } = { min: null, failed: null };
        if (subject.memoryRange) {
            // A guest short of memory often hangs rather than fails (Linux at 64 MiB prints nothing):
            // a probe gets five times the slowest timed boot, at least 10 s, not the full timeout.
            const probe = {
                ...settings,
                timeoutMs: Math.min(settings.timeoutMs, Math.max(10_000, 5 * Math.max(...ready))),
            };
            memory = await bisect(subject.memoryRange[0], subject.memoryRange[1], async (mib) => {
                const result = await runLocal(runOptions(subject, probe, path.join(work, `memory-${mib}.log`), mib));
                progress(`${subject.name}: ${mib} MiB: ${result.matched ? "ready" : "no"}`);
                return result.matched;
            });
        }
        let qemuRssKiB: number | null = null;
        let idleCpuSeconds: number | null = null;
        let idleVcpuSeconds: number | null = null;
        let qemuRssMaxKiB: number | null = null;
        let workload: WorkloadResult | null = null;
        const serving = Boolean(settings.workloadRequests) && subject.servePort !== undefined;
        const hostPort = serving ? await freeLocalPort() : undefined;
        const notes: string[] = [];
        const stayHint =
            'give a command line that keeps the guest running with --stay-cmdline (the demo kernel\'s is its --cmdline plus "stay")';
        if (settings.idleSeconds > 0) {
            const pidfile = path.join(work, "idle.pid");
            const running = await runDetached({
                ...runOptions(subject, settings, path.join(work, "idle.log"), subject.memoryMiB),
                cmdline: subject.stayCmdline ?? subject.cmdline,
                pidfile,
                ...(serving
                    ? {
                          ports: [{ protocol: "tcp" as const, host: hostPort!, guest: subject.servePort! }],
                          readyPort: hostPort,
                      }
                    : {}),
            });
            try {
                if (!running.matched) {
                    notes.push(
                        `idle CPU and RSS n/a: the guest did not print its ready line again for the idle run; ${stayHint}`,
                    );
                }
                if (running.matched) {
                    // The host-side view: the vCPU threads (ids from QMP) read at the window's edges
                    // only, RSS from /proc each second, so the measuring adds no QMP work inside it.
                    const vcpusBefore = await vmStats(pidfile);
                    const before = await qemuCpuSeconds(running.pid);
                    const rss: number[] = [];
                    for (let s = 0; s < settings.idleSeconds; s++) {
                        await new Promise((r) => setTimeout(r, 1000));
                        const kib = await rssKiB(running.pid).catch(() => NaN);
                        if (Number.isFinite(kib)) rss.push(kib);
                    }
                    const after = await qemuCpuSeconds(running.pid).catch(() => NaN);
                    qemuRssKiB = await rssKiB(running.pid).catch(() => NaN);
                    const vcpusAfter = await vmStats(pidfile);
                    const vcpuTotal = (v: typeof vcpusAfter) =>
                        v.vcpus.length ? v.vcpus.reduce((sum, c) => sum + c.cpuSeconds, 0) : NaN;
                    const vcpu = vcpuTotal(vcpusAfter) - vcpuTotal(vcpusBefore);
                    idleVcpuSeconds = Number.isFinite(vcpu) && vcpusAfter.up ? Math.round(vcpu * 100) / 100 : null;
                    if (serving) {
                        workload = await runWorkload(hostPort!, settings.workloadRequests!);
                        const kib = await rssKiB(running.pid).catch(() => NaN);
                        if (Number.isFinite(kib)) rss.push(kib);
                        progress(
                            `${subject.name}: ${workload.requests} requests: p50 ${workload.latencyMs?.median ?? "n/a"} ms, p99 ${workload.latencyMs?.p99 ?? "n/a"} ms, ${workload.errors} errors${workload.abandoned ? " (gave up: it stopped answering)" : ""}`,
                        );
                    }
                    qemuRssMaxKiB = rss.length ? Math.max(...rss) : null;
                    // A guest that powered off during the idle window cannot be measured: say so (null).
                    idleCpuSeconds = Number.isFinite(after) ? Math.round((after - before) * 100) / 100 : null;
                    if (!Number.isFinite(qemuRssKiB)) qemuRssKiB = null;
                    if (idleCpuSeconds === null || qemuRssKiB === null) {
                        notes.push(
                            `idle CPU and RSS n/a: the guest powered off during the ${settings.idleSeconds} s idle window, so QEMU was gone; ${stayHint}`,
                        );
                    }
                    progress(
                        `${subject.name}: idle ${settings.idleSeconds} s: ${idleCpuSeconds ?? "n/a"} CPU s, RSS ${qemuRssKiB ?? "n/a"} KiB`,
                    );
                }
            } finally {
                await stopDetached(pidfile);
            }
        }
        return {
            name: subject.name,
            imageBytes: await imageBytes(subject),
            runs: settings.runs,
            firstOutputMs: stats(first),
            readyMs: stats(ready),
            minMemoryMiB: memory.min,
            failedMemoryMiB: memory.failed,
            qemuRssKiB,
            idleCpuSeconds,
            idleVcpuSeconds,
            qemuRssMaxKiB,
            workload,
            accel,
            notes,
        };
    } finally {
        await fs.rm(work, { recursive: true, force: true });
    }
}

/** Measures every subject in turn (never in parallel: they would compete for the same cores). */
export async function runBench(subjects: BenchSubject[], settings: BenchSettings): Promise<BenchReport> {
    const results: SubjectResult[] = [];
    for (const subject of subjects) results.push(await benchSubject(subject, settings));
    const cpus = os.cpus();
    return {
        machine: {
            cpus: cpus.length,
            cpuModel: cpus[0]?.model.trim() ?? "unknown",
            memoryGiB: Math.round(os.totalmem() / 2 ** 30),
            kernel: `${os.type()} ${os.release()}`,
            accel: results[0]?.accel ?? "tcg",
        },
        settings: {
            runs: settings.runs,
            idleSeconds: settings.idleSeconds,
            timeoutMs: settings.timeoutMs,
            workloadRequests: settings.workloadRequests ?? 0,
        },
        results,
    };
}
