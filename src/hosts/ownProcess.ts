/**
 * Proof that a pid in a pidfile is a QEMU this package started, before it is ever signalled, and
 * proof that a file is a stale pidfile before it is ever removed.
 *
 * A pidfile is only a number in a file: after a reboot, or once the VM has exited, the same pid can
 * belong to anyone, and a file holding `-1` or `0` would signal every process or the whole group.
 * So a pid is trusted only when /proc shows a live QEMU whose own command line names this very
 * pidfile (`-pidfile <absolute path>`, which QEMU was started with): nobody else's process has that.
 * And since `--pidfile` is a path a user types, the file is removed only when it is plainly a
 * pidfile whose process is gone; anything else there (a disk image named by mistake, /etc/passwd,
 * a pid of a process that lives) is left exactly as it is.
 */
import { lstatSync, readFileSync, promises as fs } from "fs";
import * as path from "path";
import { FileCheckError, readBoundedFile } from "../internal/files";

/** What a pidfile says, checked. */
export type PidfileState =
    /** The QEMU started with this pidfile runs with this pid. */
    | { kind: "ours"; pid: number }
    /** A pidfile (a small file holding a pid above 1) whose process is gone: safe to remove. */
    | { kind: "dead"; reason: string }
    /** Something that is not a pidfile of ours, or names a live process that is not our QEMU: left alone. */
    | { kind: "foreign"; reason: string }
    | { kind: "absent" };

/** Largest pidfile worth reading: a pid is at most 7 digits on Linux. */
const MAX_PIDFILE_BYTES = 64;

/** Reads and checks a QEMU pidfile written by `-pidfile`. Never throws for a bad or missing file. */
export async function checkQemuPidfile(pidfile: string): Promise<PidfileState> {
    const absolute = path.resolve(pidfile);
    const stat = await fs.lstat(absolute).catch(() => undefined);
    if (!stat) return { kind: "absent" };
    if (!stat.isFile()) return { kind: "foreign", reason: `${absolute} is not a regular file` };
    let text: string;
    try {
        text = ((await readBoundedFile(absolute, MAX_PIDFILE_BYTES)) ?? Buffer.alloc(0)).toString("utf8");
    } catch (error) {
        return {
            kind: "foreign",
            reason:
                error instanceof FileCheckError
                    ? `${error.message}, so it is no pidfile`
                    : `${absolute} cannot be read`,
        };
    }
    return classify(absolute, text, await commandLineOfPidText(text));
}

/** The same check, synchronously: for signal handlers, which cannot wait. */
export function checkQemuPidfileSync(pidfile: string): PidfileState {
    const absolute = path.resolve(pidfile);
    let text: string;
    try {
        const stat = lstatSync(absolute);
        if (!stat.isFile() || stat.size > MAX_PIDFILE_BYTES)
            return { kind: "foreign", reason: `${absolute} is no pidfile` };
        text = readFileSync(absolute, "utf8");
    } catch {
        return { kind: "absent" };
    }
    const pid = Number(text.trim());
    let argv: string[] | undefined;
    try {
        argv = /^\d{1,10}\s*$/.test(text) ? splitCommandLine(readFileSync(`/proc/${pid}/cmdline`)) : undefined;
    } catch {
        argv = undefined;
    }
    return classify(absolute, text, argv);
}

function classify(absolute: string, text: string, argv: string[] | undefined): PidfileState {
    if (!/^\d{1,10}\s*$/.test(text))
        return {
            kind: "foreign",
            reason: `${absolute} does not hold a process id (${JSON.stringify(text.slice(0, 20))}), so it is no pidfile`,
        };
    const pid = Number(text.trim());
    if (pid <= 1) return { kind: "foreign", reason: `${absolute} holds ${pid}, which is never a VM of ours` };
    if (!argv) return { kind: "dead", reason: `process ${pid} is not running` };
    if (!isQemuWithPidfile(argv, absolute)) {
        return {
            kind: "foreign",
            reason: `process ${pid} runs, but it is not the QEMU started with this pidfile (it runs ${JSON.stringify(path.basename(argv[0] ?? ""))})`,
        };
    }
    return { kind: "ours", pid };
}

async function commandLineOfPidText(text: string): Promise<string[] | undefined> {
    return /^\d{1,10}\s*$/.test(text) ? commandLineOf(Number(text.trim())) : undefined;
}

/** True when argv is a qemu-system binary started with `-pidfile <pidfile>`. */
export function isQemuWithPidfile(argv: readonly string[], pidfile: string): boolean {
    if (!/^qemu-system-[a-z0-9_]+$/.test(path.basename(argv[0] ?? ""))) return false;
    return argv.some((arg, i) => arg === "-pidfile" && argv[i + 1] === pidfile);
}

/** The command line of a live process, from /proc; undefined when it is gone (or a zombie, or not readable). */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
    const raw = await fs.readFile(`/proc/${pid}/cmdline`).catch(() => undefined);
    return raw ? splitCommandLine(raw) : undefined;
}

function splitCommandLine(raw: Buffer): string[] | undefined {
    if (raw.length === 0) return undefined; // a zombie has no command line
    const text = raw.toString("utf8");
    return (text.endsWith("\0") ? text.slice(0, -1) : text).split("\0");
}
