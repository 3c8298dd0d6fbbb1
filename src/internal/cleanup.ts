/**
 * What a run leaves behind when it is stopped: temporary files and directories, and the tools it
 * started. Both are registered here while they exist. The CLI installs {@link installSignalCleanup},
 * so SIGINT, SIGTERM and SIGHUP stop the tools (their whole process groups) and remove the
 * temporaries before the process exits. SIGKILL cannot be caught: tools then die with their parent
 * through PR_SET_PDEATHSIG (src/internal/exec.ts), and the next run sweeps the temporaries
 * ({@link sweepStale}), which carry the pid of the process that made them.
 */
import { ChildProcess } from "child_process";
import { promises as fs, rmSync } from "fs";
import * as path from "path";

const temporaries = new Set<string>();
const children = new Set<ChildProcess>();

/** Registers a temporary path for removal on a signal; returns the function that unregisters it. */
export function trackTemporary(file: string): () => void {
    temporaries.add(file);
    return () => temporaries.delete(file);
}

const actions = new Set<() => void>();

/**
 * Registers a synchronous action to run on a signal (stopping a detached VM that is not ready yet);
 * returns the function that unregisters it.
 */
export function trackCleanup(action: () => void): () => void {
    actions.add(action);
    return () => actions.delete(action);
}

/** Registers a child that leads its own process group, to be stopped on a signal while it runs. */
export function trackChild(child: ChildProcess): void {
    children.add(child);
    child.once("exit", () => children.delete(child));
    child.once("error", () => children.delete(child));
}

let installed = false;

/** Installs handlers that clean up and exit with 128 + the signal number (130 for SIGINT, 143 for SIGTERM). */
export function installSignalCleanup(): void {
    if (installed) return;
    installed = true;
    const numbers: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
    for (const signal of Object.keys(numbers) as NodeJS.Signals[]) {
        process.once(signal, () => {
            cleanUpNow();
            process.exit(128 + numbers[signal]);
        });
    }
}

/** Runs registered actions, stops registered children and removes registered temporaries, synchronously. */
export function cleanUpNow(): void {
    for (const action of actions) {
        try {
            action();
        } catch {
            // a cleanup that fails must not stop the others
        }
    }
    actions.clear();
    for (const child of children) {
        if (child.pid === undefined) continue;
        try {
            process.kill(-child.pid, "SIGKILL"); // the group: the tool and anything it started
        } catch {
            try {
                child.kill("SIGKILL");
            } catch {
                // already gone
            }
        }
    }
    children.clear();
    for (const file of temporaries) rmSync(file, { recursive: true, force: true });
    temporaries.clear();
}

/** The pid embedded in a temporary's name, `<prefix><pid>.<random><suffix>`. */
const PID_IN_NAME = /\.(\d+)\.[0-9a-f]{8}(?:\.tmp)?$/;

/**
 * Removes entries of `dir` whose names start with `prefix` and carry the pid of a process that is
 * gone, or that are older than a day (a pid can be reused): what a killed run left behind.
 */
export async function sweepStale(dir: string, prefix: string): Promise<void> {
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
    await Promise.all(
        names
            .filter((name) => name.startsWith(prefix))
            .map(async (name) => {
                const pid = pidInName(name);
                if (!pid || pid === process.pid) return;
                const full = path.join(dir, name);
                const stat = await fs.lstat(full).catch(() => undefined);
                if (!stat) return;
                if (!processExists(pid) || stat.mtimeMs < dayAgo) {
                    await fs.rm(full, { recursive: true, force: true });
                }
            }),
    );
}

/** The pid in a temporary's name when that process still runs (it may be writing it), else undefined. */
export function livePidInName(name: string): number | undefined {
    const pid = pidInName(name);
    return pid && processExists(pid) ? pid : undefined;
}

/** The pid in a temporary's name (0 when it has none). */
function pidInName(name: string): number {
    return Number(PID_IN_NAME.exec(name)?.[1] ?? 0);
}

function processExists(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}
