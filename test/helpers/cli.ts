/** Runs the built `unikernel` binary in a child process, as scripts and pipelines do. */
import { spawn, spawnSync } from "child_process";
import * as path from "path";
import { ROOT } from "./demoKernel";

export const BIN = path.join(ROOT, "dist", "cli", "main.js");

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs `unikernel ...args` with extra environment (e.g. a private cache directory). */
export function unikernel(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): CliRun {
    const run = spawnSync(process.execPath, [BIN, ...args], {
        encoding: "utf8",
        cwd,
        env: { ...process.env, ...env },
        timeout: 300_000,
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Parses the one JSON object a `--json` run prints, with the run's stderr in the failure message. */
export function jsonOf(run: CliRun): Record<string, unknown> {
    try {
        return JSON.parse(run.stdout) as Record<string, unknown>;
    } catch {
        throw new Error(`stdout is not one JSON object (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
    }
}

/**
 * Like {@link unikernel}, without blocking this process: for tests whose servers (a proxy, an
 * emulator front) live in the test process and must keep answering while the CLI runs.
 */
export function unikernelAsync(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): Promise<CliRun> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}
