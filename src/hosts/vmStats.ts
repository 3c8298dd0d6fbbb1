/**
 * A running VM's state read from outside the guest: QMP (status, vCPU threads, guest memory, block
 * counters) and the host's /proc (each vCPU thread's CPU time, QEMU's resident memory), for a VM
 * started with `run --detach`. Only a QEMU proven to be the one started with the pidfile is read
 * (its command line names the pidfile); the QMP socket is the one on that command line.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { checkQemuPidfile, commandLineOf } from "./ownProcess";
import { openQmp } from "./qmp";

/** Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat on every architecture QEMU runs here. */
const TICKS_PER_SECOND = 100;

/** One VM's counters. */
export interface VmStats {
    /** The QEMU of this pidfile runs. */
    up: boolean;
    /** Why it is not up, or why a part could not be read. */
    reason?: string;
    pid?: number;
    /** QMP's run state: running, paused, shutdown, internal-error, ... */
    status?: string;
    /** CPU time of each vCPU thread (user + system), seconds. */
    vcpus: { index: number; threadId: number; cpuSeconds: number }[];
    /** CPU time of the whole QEMU process, seconds. */
    qemuCpuSeconds?: number;
    /** The guest's memory size (QMP query-memory-size-summary), bytes. */
    guestMemoryBytes?: number;
    /** QEMU's resident memory on the host, bytes. */
    hostRssBytes?: number;
    blocks: { device: string; readBytes: number; writtenBytes: number; readOps: number; writeOps: number }[];
    /** Size of the console log, bytes. */
    consoleBytes?: number;
}

/** Reads a detached VM's counters; a VM that is not running is `up: false` with the reason, never an error. */
export async function vmStats(pidfile: string): Promise<VmStats> {
    const absolute = path.resolve(pidfile);
    const state = await checkQemuPidfile(absolute);
    if (state.kind !== "ours") {
        return {
            up: false,
            reason: state.kind === "absent" ? "no pidfile: not running" : state.reason,
            vcpus: [],
            blocks: [],
        };
    }
    const argv = (await commandLineOf(state.pid)) ?? [];
    const stats: VmStats = { up: true, pid: state.pid, vcpus: [], blocks: [] };
    stats.qemuCpuSeconds = await cpuSeconds(`/proc/${state.pid}/stat`);
    stats.hostRssBytes = await rssBytes(state.pid);
    const consoleLog = optionPath(argv, "-chardev", /^file,id=console0,path=/);
    if (consoleLog) stats.consoleBytes = (await fs.stat(consoleLog).catch(() => undefined))?.size;
    const socket = qmpSocketOf(argv);
    if (!socket) {
        stats.reason = "started without a QMP socket: only host-side counters";
        return stats;
    }
    let session;
    try {
        session = await openQmp(socket);
        const status = await session.execute<{ status: string }>("query-status");
        stats.status = status.status;
        const cpus = await session.execute<{ "cpu-index": number; "thread-id": number }[]>("query-cpus-fast");
        for (const cpu of cpus) {
            stats.vcpus.push({
                index: cpu["cpu-index"],
                threadId: cpu["thread-id"],
                cpuSeconds: (await cpuSeconds(`/proc/${state.pid}/task/${cpu["thread-id"]}/stat`)) ?? 0,
            });
        }
        const memory = await session.execute<{ "base-memory": number; "plugged-memory"?: number }>(
            "query-memory-size-summary",
        );
        stats.guestMemoryBytes = memory["base-memory"] + (memory["plugged-memory"] ?? 0);
        const blocks =
            await session.execute<
                { device?: string; qdev?: string; "node-name"?: string; stats: Record<string, number> }[]
            >("query-blockstats");
        for (const b of blocks) {
            stats.blocks.push({
                device: b.device || b.qdev || b["node-name"] || "?",
                readBytes: b.stats.rd_bytes ?? 0,
                writtenBytes: b.stats.wr_bytes ?? 0,
                readOps: b.stats.rd_operations ?? 0,
                writeOps: b.stats.wr_operations ?? 0,
            });
        }
    } catch (error) {
        stats.reason = `QMP: ${(error as Error).message}`;
    } finally {
        session?.close();
    }
    return stats;
}

/** The QMP unix socket on a QEMU command line (`-qmp unix:PATH,server=on,wait=off`). */
export function qmpSocketOf(argv: readonly string[]): string | undefined {
    const i = argv.indexOf("-qmp");
    if (i < 0) return undefined;
    const match = /^unix:((?:[^,]|,,)+)/.exec(argv[i + 1] ?? "");
    return match ? match[1].replace(/,,/g, ",") : undefined;
}

/** A `path=` in the value of an option whose value starts as `prefix` says. */
function optionPath(argv: readonly string[], option: string, prefix: RegExp): string | undefined {
    for (let i = 0; i < argv.length - 1; i++) {
        if (argv[i] !== option || !prefix.test(argv[i + 1])) continue;
        const match = /path=((?:[^,]|,,)+)/.exec(argv[i + 1]);
        if (match) return match[1].replace(/,,/g, ",");
    }
    return undefined;
}

/** utime + stime of a /proc stat file, seconds (the command name in parentheses may hold blanks). */
export async function cpuSeconds(file: string): Promise<number | undefined> {
    const text = await fs.readFile(file, "utf8").catch(() => undefined);
    if (!text) return undefined;
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    // After the name: state is field 3, utime 14 and stime 15 (proc(5)), here offsets 11 and 12.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / TICKS_PER_SECOND : undefined;
}

/** A process's resident memory from /proc/<pid>/status, bytes; undefined when it is gone. */
export async function rssBytes(pid: number): Promise<number | undefined> {
    const status = await fs.readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
}

/** Prometheus text exposition (version 0.0.4) of several VMs, labelled `vm`. */
export function prometheusText(vms: readonly { name: string; stats: VmStats }[]): string {
    const label = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const families: { name: string; type: "gauge" | "counter"; help: string; samples: string[] }[] = [];
    const family = (name: string, type: "gauge" | "counter", help: string) => {
        const f = { name, type, help, samples: [] as string[] };
        families.push(f);
        return (labels: Record<string, string>, value: number | undefined) => {
            if (value === undefined || !Number.isFinite(value)) return;
            const text = Object.entries(labels)
                .map(([k, v]) => `${k}="${label(v)}"`)
                .join(",");
            f.samples.push(`${name}{${text}} ${value}`);
        };
    };
    const up = family("unikernel_up", "gauge", "1 when the VM's QEMU runs, else 0.");
    const running = family("unikernel_running", "gauge", "1 when QMP says the guest runs (not paused or shut down).");
    const vcpu = family("unikernel_vcpu_seconds_total", "counter", "CPU time of each vCPU thread on the host.");
    const qemuCpu = family("unikernel_qemu_cpu_seconds_total", "counter", "CPU time of the whole QEMU process.");
    const memory = family("unikernel_guest_memory_bytes", "gauge", "Memory given to the guest.");
    const rss = family("unikernel_host_rss_bytes", "gauge", "QEMU's resident memory on the host.");
    const readBytes = family("unikernel_block_read_bytes_total", "counter", "Bytes the guest read from each disk.");
    const writtenBytes = family(
        "unikernel_block_written_bytes_total",
        "counter",
        "Bytes the guest wrote to each disk.",
    );
    const readOps = family("unikernel_block_read_ops_total", "counter", "Read requests of each disk.");
    const writeOps = family("unikernel_block_write_ops_total", "counter", "Write requests of each disk.");
    const consoleBytes = family("unikernel_console_bytes", "gauge", "Size of the console log.");
    for (const { name, stats } of vms) {
        const vm = { vm: name };
        up(vm, stats.up ? 1 : 0);
        if (stats.status !== undefined) running(vm, stats.status === "running" ? 1 : 0);
        for (const c of stats.vcpus) vcpu({ ...vm, vcpu: String(c.index) }, c.cpuSeconds);
        qemuCpu(vm, stats.qemuCpuSeconds);
        memory(vm, stats.guestMemoryBytes);
        rss(vm, stats.hostRssBytes);
        for (const b of stats.blocks) {
            const labels = { ...vm, device: b.device };
            readBytes(labels, b.readBytes);
            writtenBytes(labels, b.writtenBytes);
            readOps(labels, b.readOps);
            writeOps(labels, b.writeOps);
        }
        consoleBytes(vm, stats.consoleBytes);
    }
    return (
        families
            .filter((f) => f.samples.length)
            .map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.samples].join("\n"))
            .join("\n") + "\n"
    );
}
