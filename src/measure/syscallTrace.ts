/**
 * Runs a program on Linux under `strace -f` (Debian's strace: the user-space view of the kernel
 * interface) and summarizes the calls it made, to compare with what a unikernel implements. The
 * program's own output goes to `output` (stderr for the CLI), never into the report. A time limit,
 * or a line the program prints once it is ready (a server), ends the run: then the processes strace
 * traces are killed, and only those (each proven ours by /proc/<pid>/status naming our strace as its
 * tracer), so a program that detached into its own session still does not outlive the check.
 */
import { promises as fs, createReadStream } from "fs";
import * as path from "path";
import * as readline from "readline";
import { StepFailure } from "../model";
import { spawnTool, tailOf } from "../internal/exec";
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
    /** Ends the run (successfully) once the program prints a line matching it. */
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

/** How much of the program's output is kept to look for the ready line in. */
const READY_WINDOW = 64 * 1024;

/** Traces one run of a program; a program that cannot be started is a {@link StepFailure}. */
export async function traceProgram(request: TraceRequest): Promise<TraceRun> {
    const straceVersion = await checkTool(STRACE);
    return withWorkDir("strace", async (work) => {
        const traceFile = path.join(work, "trace.txt");
        // -q: no attach/detach chatter (exit statuses stay: they go to the trace file); -s: enough of
        // each string to see paths and addresses; -o: the trace apart from the program's own output.
        const { child } = spawnTool("strace", ["-f", "-q", "-s", "256", "-o", traceFile, "--", ...request.command], {
            stdio: ["ignore", "pipe", "pipe"],
            env: process.env,
        });
        let seen = "";
        let ready = false;
        let timedOut = false;
        let stopping: Promise<void> | undefined;
        const stop = () =>
            (stopping ??= killTracees(child.pid!, () => child.exitCode === null && child.signalCode === null));
        const onOutput = (chunk: Buffer) => {
            const text = chunk.toString("utf8");
            request.output(text);
            if (!request.ready || ready) return;
            seen = (seen + text).slice(-READY_WINDOW);
            if (seen.split("\n").some((line) => request.ready!.test(line))) {
                ready = true;
                void stop();
            }
        };
        child.stdout!.on("data", onOutput);
        child.stderr!.on("data", onOutput);
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
        } finally {
            clearTimeout(timer);
        }
        await stopping;
        const summary = await readTrace(traceFile);
        if (!summary.started) {
            throw new StepFailure(
                `${request.command[0]} could not be run (strace exited ${String(straceExit)}): ${tailOf(seen, 3).trim() || "no output"}`,
            );
        }
        return { summary, timedOut: timedOut && !ready, ready, straceVersion };
    });
}

/** Streams the trace file through the summarizer. */
async function readTrace(file: string): Promise<TraceSummary> {
    const reader = traceReader();
    const stat = await fs.stat(file).catch(() => undefined);
    if (!stat) return reader.summary;
    const lines = readline.createInterface({
        input: createReadStream(file, { encoding: "utf8" }),
        crlfDelay: Infinity,
    });
    for await (const line of lines) reader.line(line);
    return reader.summary;
}

/**
 * Kills every process our strace traces (found by their TracerPid), then strace itself if it has
 * not ended by then: with no tracee left it exits on its own.
 */
async function killTracees(stracePid: number, running: () => boolean): Promise<void> {
    for (let round = 0; round < 20; round++) {
        const tracees = await tracedBy(stracePid);
        if (!tracees.length) break;
        for (const pid of tracees) {
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // gone already
            }
        }
        // Until each has ended (a zombie waits for its parent, or init, to reap it: it runs nothing).
        for (let i = 0; i < 40 && (await Promise.all(tracees.map(alive))).some(Boolean); i++) {
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
    // strace is our child, not yet reaped (so its id is still its own): end it if it still waits.
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (running()) process.kill(stracePid, "SIGKILL");
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
        if (new RegExp(`^TracerPid:\\s+${tracer}$`, "m").test(status)) found.push(Number(entry));
    }
    return found;
}
