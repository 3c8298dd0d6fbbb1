/**
 * Proof that a pid in a pidfile is a QEMU this package started, before it is ever signalled.
 *
 * A pidfile is only a number in a file: after a reboot, or once the VM has exited, the same pid can
 * belong to anyone, and a file holding `-1` or `0` would signal every process or the whole group.
 * So a pid is trusted only when /proc shows a live QEMU whose own command line names this very
 * pidfile (`-pidfile <absolute path>`, which QEMU was started with): nobody else's process has that.
 * Anything else is a stale pidfile, removed without signalling.
 */
import { promises as fs } from "fs";
import * as path from "path";

/** What a pidfile says, checked. */
export type PidfileState =
    | { kind: "ours"; pid: number }
    | { kind: "stale"; reason: string }
    | { kind: "absent" };

/** Largest pidfile worth reading: a pid is at most 7 digits on Linux. */
const MAX_PIDFILE_BYTES = 64;

/** Reads and checks a QEMU pidfile written by `-pidfile`. Never throws for a bad or missing file. */
export async function checkQemuPidfile(pidfile: string): Promise<PidfileState> {
    const absolute = path.resolve(pidfile);
    const stat = await fs.lstat(absolute).catch(() => undefined);
    if (!stat) return { kind: "absent" };
    if (!stat.isFile()) return { kind: "stale", reason: `${absolute} is not a regular file` };
    if (stat.size > MAX_PIDFILE_BYTES) return { kind: "stale", reason: `${absolute} is ${stat.size} bytes, too long for a pid` };
    const text = await fs.readFile(absolute, "utf8").catch(() => "");
    if (!/^\d{1,10}\s*$/.test(text)) return { kind: "stale", reason: `${absolute} does not hold a process id (${JSON.stringify(text.slice(0, 20))})` };
    const pid = Number(text.trim());
    if (pid <= 1) return { kind: "stale", reason: `${absolute} holds ${pid}, which is never a VM of ours` };
    const argv = await commandLineOf(pid);
    if (!argv) return { kind: "stale", reason: `process ${pid} is not running` };
    if (!isQemuWithPidfile(argv, absolute)) {
        return { kind: "stale", reason: `process ${pid} is not the QEMU started with this pidfile (it runs ${JSON.stringify(path.basename(argv[0] ?? ""))})` };
    }
    return { kind: "ours", pid };
}

/** True when argv is a qemu-system binary started with `-pidfile <pidfile>`. */
export function isQemuWithPidfile(argv: readonly string[], pidfile: string): boolean {
    if (!/^qemu-system-[a-z0-9_]+$/.test(path.basename(argv[0] ?? ""))) return false;
    return argv.some((arg, i) => arg === "-pidfile" && argv[i + 1] === pidfile);
}

/** The command line of a live process, from /proc; undefined when it is gone (or not readable). */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
    const raw = await fs.readFile(`/proc/${pid}/cmdline`).catch(() => undefined);
    if (!raw || raw.length === 0) return undefined; // gone, or a zombie (empty cmdline)
    const text = raw.toString("utf8");
    return (text.endsWith("\0") ? text.slice(0, -1) : text).split("\0");
}
