/**
 * Runs a program on Linux under `strace -f` (Debian's strace: the user-space view of the kernel
 * interface) and summarizes the calls it made, to compare with what a unikernel implements. The
 * trace comes through a FIFO and is summarized as it arrives, so a long run keeps no trace on disk. The program's own output goes to `output` (stderr for the CLI), never
 * into the report. A time limit, or a line the program prints once it is ready (a server), ends the
 * run: then the processes strace traces are killed, and only those (each proven ours by
 * /proc/<pid>/status naming our strace as its tracer), so a program that detached into its own
 * session does not outlive the check; the same happens, synchronously, when the CLI is stopped by
 * a signal.
 */
import { constants as fsConstants, createReadStream, promises as fs, readdirSync, readFileSync } from "fs";
import * as path from "path";
import * as readline from "readline";
import { StringDecoder } from "string_decoder";
import { StepFailure } from "../model";
import { trackCleanup } from "../internal/cleanup";
import { runTool, spawnTool } from "../internal/exec";
import { withWorkDir } from "../internal/files";
import { checkTool } from "../internal/toolCheck";
import { STRACE } from "../internal/tools";
import { TraceSummary, traceReader } from "./straceLog";

/** What to run and for how long. */
export interface TraceRequest {
    /** The program and its arguments (a name is looked up in PATH, as a shell would). */
    command: readonly string[];
    /** Seconds before the run is ended. */
    timeoutSeconds: number;
    /** Ends the run (successfully) once the program prints a whole line matching it. */
    ready?: RegExp;
    /** The program's stdout and stderr as they come. */
    output: (text: string) => void;
}

/** A finished trace. */
export interface TraceRun {
    summary: TraceSummary;
    /** The time limit ended the run. */
    timedOut: boolean;
    /** The ready pattern ended the run. */
    ready: boolean;
    straceVersion: string;
}

/** Longest line the ready pattern is tried on (longer lines are tried on their first part). */
const MAX_READY_LINE = 4096;
/** Lines of output kept to explain a program that could not be run. */
const TAIL_LINES = 5;

/** Traces one run of a program; a program that cannot be started is a {@link StepFailure}. */
export async function traceProgram(request: TraceRequest): Promise<TraceRun> {
    const straceVersion = await checkTool(STRACE);
    return withWorkDir("strace", async (work) => {
        // A FIFO, not a file: the trace is summarized as strace writes it, so a long run keeps
        // nothing on disk. strace opens it close-on-exec, so the program does not inherit it.
        const fifo = path.join(work, "trace.fifo");
        await runTool("mkfifo", ["-m", "600", "--", fifo]);
        // -q: no attach/detach chatter (exit statuses stay: they are in the trace); -s: enough of
        // each string to see paths and addresses.
        const { child } = spawnTool("strace", ["-f", "-q", "-s", "256", "-o", fifo, "--", ...request.command], {
            stdio: ["ignore", "pipe", "pipe"],
            env: process.env,
        });
        const running = () => child.exitCode === null && child.signalCode === null;
        const untrack = trackCleanup(() => killTraceesSync(child.pid!));
        const reader = traceReader();
        const traced = (async () => {
            const lines = readline.createInterface({ input: createReadStream(fifo), crlfDelay: Infinity });
            for await (const line of lines) reader.line(line);
        })();
        let ready = false;
        let timedOut = false;
        let stopping: Promise<void> | undefined;
        const stop = () => (stopping ??= killTracees(child.pid!, running));
        const tail: string[] = [];
        /** Whole lines of one stream, decoded across chunk borders; each tried once against `ready`. */
        const lineReader = () => {
            const decoder = new StringDecoder("utf8");
            let partial = "";
            return (chunk: Buffer) => {
                const text = decoder.write(chunk);
                request.output(text);
                const lines = (partial + text).split("\n");
                partial = lines.pop()!.slice(-MAX_READY_LINE);
                for (const line of lines) {
                    tail.push(line.slice(0, 300));
                    if (tail.length > TAIL_LINES) tail.shift();
                    if (request.ready && !ready && request.ready.test(line.slice(0, MAX_READY_LINE))) {
                        ready = true;
                        void stop();
                    }
                }
            };
        };
        child.stdout!.on("data", lineReader());
        child.stderr!.on("data", lineReader());
        const timer = setTimeout(() => {
            timedOut = true;
            void stop();
        }, request.timeoutSeconds * 1000);
        const exited = new Promise<number | null>((resolve, reject) => {
            child.once("error", reject);
            child.once("close", (code) => resolve(code));
        });
        let straceExit: number | null;
        try {
            straceExit = await exited;
            await stopping;
            // A strace that failed before opening the FIFO leaves our reader waiting in open():
            // open it for writing once (which lets that open return) and close it (end of file).
            await fs
                .open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK)
                .then((handle) => handle.close())
                .catch(() => undefined);
            await traced;
        } finally {
            clearTimeout(timer);
            untrack();
        }
        const summary = reader.summary;
        if (!summary.started) {
            throw new StepFailure(
                `${request.command[0]} could not be run (strace exited ${String(straceExit)}): ${tail.join(" / ").trim() || "no output"}`,
            );
        }
        return { summary, timedOut: timedOut && !ready, ready, straceVersion };
    });
}

/**
 * Kills every process our strace traces (found by their TracerPid) until none is left or each has
 * ended, then strace itself if it has not exited by then (with no tracee left it exits on its own).
 */
async function killTracees(stracePid: number, running: () => boolean): Promise<void> {
    for (let round = 0; round < 20; round++) {
        const tracees = await tracedBy(stracePid);
        if (!tracees.length) break;
        for (const pid of tracees) kill(pid);
        // Until each has ended (a zombie waits for its parent, or init, to reap it: it runs nothing).
        for (let i = 0; i < 40 && (await Promise.all(tracees.map(alive))).some(Boolean); i++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
    // strace is our child, not yet reaped (so its id is still its own): end it if it still waits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (running()) kill(stracePid);
}

/** The same, synchronously, for a signal handler: before strace is killed, which would set its tracees free. */
function killTraceesSync(stracePid: number): void {
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        let status: string;
        try {
            status = readFileSync(`/proc/${entry}/status`, "utf8");
        } catch {
            continue; // gone meanwhile
        }
        if (tracerIs(status, stracePid)) kill(Number(entry));
    }
}

function kill(pid: number): void {
    try {
        process.kill(pid, "SIGKILL");
    } catch {
        // gone already
    }
}

function tracerIs(status: string, tracer: number): boolean {
    return new RegExp(`^TracerPid:\\s+${tracer}$`, "m").test(status);
}

/** True while a process exists and is not a zombie. */
async function alive(pid: number): Promise<boolean> {
    const stat = await fs.readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return stat !== "" && state !== "Z" && state !== "X";
}

/** Process ids whose /proc status names `tracer` as their tracer. */
async function tracedBy(tracer: number): Promise<number[]> {
    const entries = await fs.readdir("/proc").catch(() => [] as string[]);
    const found: number[] = [];
    for (const entry of entries) {
        if (!/^\d+$/.test(entry)) continue;
        const status = await fs.readFile(`/proc/${entry}/status`, "utf8").catch(() => "");
        if (tracerIs(status, tracer)) found.push(Number(entry));
    }
    return found;
}
