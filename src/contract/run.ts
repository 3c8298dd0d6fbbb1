/** `unikernel run --detach` and `unikernel stop`: a VM on this machine that outlives the command. */
import { BootMode, MachineArchitecture, Protocol } from "../model";
import type { DetachedRunResult, StopResult } from "../hosts/localRun";
import { parseResult } from "./command";

/** What a component asks `run --detach` for. */
export interface RunDetachedCommand {
    /** Exactly one of `disk` and `kernel`. */
    disk?: string;
    kernel?: string;
    /** Command line for `kernel`. */
    cmdline?: string;
    architecture: MachineArchitecture;
    boot?: BootMode;
    memoryMiB: number;
    /** Forwards from 127.0.0.1:`host` to the guest's `guest`. */
    ports: { protocol: Protocol; host: number; guest: number }[];
    expect?: string;
    readyPort?: number;
    timeoutSeconds: number;
    pidfile: string;
    console: string;
}

/** The argv of `unikernel run --detach`, ending in `--json`. */
export function runDetachedArgv(c: RunDetachedCommand): string[] {
    return [
        "run",
        ...(c.disk ? ["--disk", c.disk] : ["--kernel", c.kernel ?? "", ...(c.cmdline ? ["--cmdline", c.cmdline] : [])]),
        "--arch",
        c.architecture,
        ...(c.boot ? ["--boot", c.boot] : []),
        "--memory",
        `${c.memoryMiB}M`,
        ...c.ports.flatMap((p) => ["--port", `${p.protocol}:${p.host}:${p.guest}`]),
        ...(c.expect ? ["--expect", c.expect] : []),
        ...(c.readyPort !== undefined ? ["--ready-port", String(c.readyPort)] : []),
        "--timeout",
        String(c.timeoutSeconds),
        "--detach",
        "--pidfile",
        c.pidfile,
        "--console",
        c.console,
        "--json",
    ];
}

/** What `run --detach --json` prints and a component reads. */
export type RunDetachedResult = Pick<DetachedRunResult, "matched" | "consoleLog" | "pidfile" | "bootMs" | "accel">;

/** Parses `run --detach --json` output. */
export function parseRunDetachedResult(stdout: string): RunDetachedResult {
    return parseResult<RunDetachedResult>("run", stdout, {
        matched: "boolean",
        consoleLog: "string",
        pidfile: "string",
        bootMs: "number?",
        accel: "string",
    });
}

/** The argv of `unikernel stop` (what a component's delete runs). */
export function stopArgv(pidfile: string): string[] {
    return ["stop", "--pidfile", pidfile];
}

/** What `stop --json` prints. */
export type StopCommandResult = StopResult;
