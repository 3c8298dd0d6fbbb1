/**
 * Running external tools: streamed output for progress, the tail kept for errors, and a clear
 * failure that names the command. Every tool run in the package goes through here.
 */
import { ChildProcess, SpawnOptions, spawn } from "child_process";
import { existsSync } from "fs";
import { UnikernelError } from "../model";
import { trackChild } from "./cleanup";
import { shellCommand } from "./shellQuote";

/** How to run one command. */
export interface RunOptions {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Where to copy the tool's output as it comes (progress); nothing when undefined. */
    stream?: (chunk: string) => void;
    /** Bytes written to the tool's standard input. */
    input?: string | Buffer;
    /** Kill the tool after this many milliseconds. */
    timeoutMs?: number;
    /** How many trailing lines of output a failure shows. Default 40. */
    tailLines?: number;
    /** An open file descriptor the tool gets as its fd 3 (it reads the file as /proc/self/fd/3). */
    inheritFd?: number;
    /** Stops the tool (its whole group, SIGKILL) when aborted; the run fails with the abort's reason. */
    signal?: AbortSignal;
}

/** The outcome of a successful run. */
export interface RunResult {
    stdout: string;
    stderr: string;
    /** stdout byte for byte (what a digest is computed over: decoding would replace invalid UTF-8). */
    stdoutBytes: Buffer;
}

/** A tool that exited non-zero, was killed, or could not start. Carries the tail of its output. */
export class ToolFailure extends UnikernelError {
    constructor(
        public readonly command: string,
        public readonly exitCode: number | null,
        public readonly tail: string,
        reason: string,
    ) {
        super(`${command} ${reason}${tail ? `; its last output:\n${tail}` : ""}`);
    }
}

/** Quotes an argv for messages, the way a shell user would type it. */
export function formatCommand(command: string, args: readonly string[]): string {
    return shellCommand([command, ...args]);
}

/** util-linux's setpriv, when this machine has it (Debian: always; util-linux is essential). */
const SETPRIV = "/usr/bin/setpriv";
let setprivPresent: boolean | undefined;

/** setpriv's exit code when it cannot exec the tool. */
const SETPRIV_EXEC_FAILED = 127;

/**
 * Starts a tool the way every tool of the package is started: in a process group of its own (so a
 * signal to this process can stop the tool and whatever it started, src/internal/cleanup.ts), and,
 * where util-linux's setpriv exists, with PR_SET_PDEATHSIG=SIGKILL, so the tool dies with this
 * process even when this process is killed with SIGKILL and can clean up nothing itself.
 */
export function spawnTool(
    command: string,
    args: readonly string[],
    options: SpawnOptions,
): { child: ChildProcess; wrapped: boolean } {
    setprivPresent ??= process.platform === "linux" && existsSync(SETPRIV);
    const child = setprivPresent
        ? spawn(SETPRIV, ["--pdeathsig", "KILL", "--", command, ...args], { ...options, detached: true })
        : spawn(command, [...args], { ...options, detached: true });
    trackChild(child);
    return { child, wrapped: setprivPresent };
}

/** Runs a command to completion; rejects with {@link ToolFailure} unless it exits 0. */
export function runTool(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const shown = formatCommand(command, args);
    return new Promise((resolve, reject) => {
        const stdio: ("pipe" | number)[] = [
            "pipe",
            "pipe",
            "pipe",
            ...(options.inheritFd !== undefined ? [options.inheritFd] : []),
        ];
        const { child, wrapped } = spawnTool(command, args, {
            cwd: options.cwd,
            env: options.env ?? process.env,
            stdio,
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        const interleaved: string[] = [];
        const collect = (sink: Buffer[]) => (chunk: Buffer) => {
            sink.push(chunk);
            const text = chunk.toString("utf8");
            interleaved.push(text);
            options.stream?.(text);
        };
        child.stdout!.on("data", collect(out));
        child.stderr!.on("data", collect(err));
        let timedOut = false;
        const timer = options.timeoutMs
            ? setTimeout(() => {
                  timedOut = true;
                  try {
                      process.kill(-child.pid!, "SIGKILL"); // the tool's whole group
                  } catch {
                      child.kill("SIGKILL");
                  }
              }, options.timeoutMs)
            : undefined;
        let aborted: string | undefined;
        const onAbort = () => {
            aborted = String(options.signal?.reason ?? "stopped");
            try {
                process.kill(-child.pid!, "SIGKILL"); // the tool's whole group
            } catch {
                child.kill("SIGKILL");
            }
        };
        if (options.signal?.aborted) onAbort();
        else options.signal?.addEventListener("abort", onAbort, { once: true });
        const tail = () => tailOf(interleaved.join(""), options.tailLines ?? 40);
        child.on("error", (error: NodeJS.ErrnoException) => {
            if (timer) clearTimeout(timer);
            reject(
                new ToolFailure(
                    shown,
                    null,
                    "",
                    error.code === "ENOENT"
                        ? `could not start: ${command} is not installed or not on PATH`
                        : `could not start: ${error.message}`,
                ),
            );
        });
        child.on("close", (code, signal) => {
            if (timer) clearTimeout(timer);
            options.signal?.removeEventListener("abort", onAbort);
            if (code === 0 && aborted === undefined) {
                const stdoutBytes = Buffer.concat(out);
                resolve({
                    stdout: stdoutBytes.toString("utf8"),
                    stderr: Buffer.concat(err).toString("utf8"),
                    stdoutBytes,
                });
                return;
            }
            if (
                wrapped &&
                code === SETPRIV_EXEC_FAILED &&
                /^setpriv: failed to execute/m.test(Buffer.concat(err).toString("utf8"))
            ) {
                reject(new ToolFailure(shown, null, "", `could not start: ${command} is not installed or not on PATH`));
                return;
            }
            const reason =
                aborted !== undefined
                    ? `was stopped: ${aborted}`
                    : timedOut
                      ? `timed out after ${options.timeoutMs} ms`
                      : signal
                        ? `was killed by ${signal}`
                        : `failed with exit code ${code}`;
            reject(new ToolFailure(shown, code, tail(), reason));
        });
        child.stdin!.on("error", () => undefined); // a tool that exits without reading its input is not our failure
        child.stdin!.end(options.input ?? "");
    });
}

/** The last `lines` lines of `text`, without a trailing newline. */
export function tailOf(text: string, lines: number): string {
    const all = text.replace(/\r/g, "").trimEnd().split("\n");
    return all.slice(Math.max(0, all.length - lines)).join("\n");
}
