/**
 * Reading what `strace -f -o FILE` wrote: one line per event, each led by the process id. A call
 * that another process interrupts is split into `name(args <unfinished ...>` and
 * `<... name resumed>rest`, and counted once, at its start. Signals arrive as `--- SIGX {...} ---`
 * and the end of a process as `+++ exited with N +++` or `+++ killed by SIGX +++`. Nothing here
 * trusts the text: lines that match nothing are skipped, and every list is bounded.
 */

/** What the program did, as strace saw it. */
export interface TraceSummary {
    /** Calls by name, with how often each was made (the program's first execve, which strace made for it, left out). */
    counts: Record<string, number>;
    /** The first call of each name: its arguments as strace printed them, cut to 200 characters. */
    firstCall: Record<string, string>;
    /** Paths the program opened, stat'ed, read links of or executed (first 200, in order). */
    files: string[];
    /** Socket kinds created (`AF_INET SOCK_STREAM`) and addresses bound or connected to. */
    sockets: string[];
    /** Signals it set handlers for or received. */
    signals: string[];
    /** Process ids seen, the first being the program's. */
    pids: number[];
    /** Whether the program's own execve succeeded (it ran at all). */
    started: boolean;
    /** The program's exit status, or the signal that killed it; undefined when the trace ends first. */
    exit?: { code: number } | { signal: string };
}

const MAX_LIST = 200;
const MAX_ARGS = 200;
/** Calls whose first argument is a path. */
const PATH_FIRST = new Set([
    "open",
    "creat",
    "stat",
    "lstat",
    "access",
    "readlink",
    "execve",
    "statfs",
    "truncate",
    "chdir",
    "mkdir",
    "rmdir",
    "unlink",
    "chmod",
    "chown",
    "lchown",
    "utime",
    "utimes",
    "uselib",
]);
/** Calls whose second argument is a path (after a directory descriptor). */
const PATH_SECOND = new Set([
    "openat",
    "openat2",
    "newfstatat",
    "statx",
    "faccessat",
    "faccessat2",
    "readlinkat",
    "execveat",
    "mkdirat",
    "unlinkat",
    "fchmodat",
    "fchownat",
    "utimensat",
]);

const LINE = /^(\d+)\s+(.*)$/;
const CALL = /^([a-z_][a-z0-9_]*)\((.*)$/;

/** Summarizes a trace file's text. */
export function summarizeTrace(text: string): TraceSummary {
    const reader = traceReader();
    for (const raw of text.split("\n")) reader.line(raw);
    return reader.summary;
}

/** A summary fed one line at a time (a long run's trace is read as a stream, never whole). */
export function traceReader(): { line: (raw: string) => void; summary: TraceSummary } {
    const summary: TraceSummary = {
        counts: {},
        firstCall: {},
        files: [],
        sockets: [],
        signals: [],
        pids: [],
        started: false,
    };
    const add = (list: string[], value: string) => {
        if (value && list.length < MAX_LIST && !list.includes(value)) list.push(value);
    };
    let programPid: number | undefined;
    let skippedExec = false;
    const line = (raw: string): void => {
        const fields = LINE.exec(raw);
        if (!fields) return;
        const pid = Number(fields[1]);
        const rest = fields[2];
        if (!summary.pids.includes(pid) && summary.pids.length < MAX_LIST) summary.pids.push(pid);
        programPid ??= pid;
        if (rest.startsWith("+++ ")) {
            // The program's own end only (a descendant given its pid later does not overwrite it).
            if (pid !== programPid || summary.exit) return;
            const exited = /^\+\+\+ exited with (\d+) \+\+\+/.exec(rest);
            const killed = /^\+\+\+ killed by (SIG[A-Z0-9]+)/.exec(rest);
            if (exited) summary.exit = { code: Number(exited[1]) };
            else if (killed) summary.exit = { signal: killed[1] };
            return;
        }
        if (rest.startsWith("--- ")) {
            const signal = /^--- (SIG[A-Z0-9]+) /.exec(rest);
            if (signal) add(summary.signals, signal[1]);
            return;
        }
        if (rest.startsWith("<... ")) return; // the end of a call counted at its start
        const call = CALL.exec(rest);
        if (!call) return;
        const [, name, args] = call;
        // The program's own execve is strace starting it: on a unikernel the kernel loads it.
        if (name === "execve" && pid === programPid && !skippedExec) {
            skippedExec = true;
            summary.started = /\) = 0$/.test(rest) || /\) = 0 /.test(rest);
            if (!summary.started) return;
            const file = firstString(args);
            if (file !== undefined) add(summary.files, file);
            return;
        }
        if (name === "execve" && pid === programPid && !summary.started && /\) = 0(\s|$)/.test(rest)) {
            summary.started = true; // a later attempt (a PATH search) that worked
        }
        // The kernel's own, after a signal interrupted a call: not one the program made.
        if (name === "restart_syscall") return;
        summary.counts[name] = (summary.counts[name] ?? 0) + 1;
        // The arguments only: not the result strace prints after them.
        summary.firstCall[name] ??= args
            .replace(/ <unfinished \.\.\.>$/, "")
            .replace(/\)\s+= .*$/, "")
            .slice(0, MAX_ARGS);
        if (PATH_FIRST.has(name)) {
            const file = firstString(args);
            if (file !== undefined) add(summary.files, file);
        } else if (PATH_SECOND.has(name)) {
            const file = firstString(args.replace(/^[^,]*,\s*/, ""));
            if (file !== undefined) add(summary.files, file);
        } else if (name === "socket") {
            const kind = /^(AF_[A-Z0-9]+),\s*([A-Z_|0-9]+)/.exec(args);
            if (kind) add(summary.sockets, `${kind[1]} ${kind[2].replace(/\|SOCK_(CLOEXEC|NONBLOCK)/g, "")}`);
        } else if (name === "bind" || name === "connect") {
            const address = socketAddress(args);
            if (address) add(summary.sockets, `${name} ${address}`);
        } else if (name === "rt_sigaction") {
            const signal = /^(SIG[A-Z0-9]+),/.exec(args);
            if (signal) add(summary.signals, signal[1]);
        }
    };
    return { line, summary };
}

/** The first double-quoted string of an argument list, unescaped as far as strace escapes. */
function firstString(args: string): string | undefined {
    const match = /^"((?:[^"\\]|\\.)*)"/.exec(args);
    if (!match) return undefined;
    return match[1].replace(/\\(x[0-9a-f]{2}|[\\"nrt])/g, (_, e: string) =>
        e.startsWith("x")
            ? String.fromCharCode(parseInt(e.slice(1), 16))
            : (({ n: "\n", r: "\r", t: "\t" } as Record<string, string>)[e] ?? e),
    );
}

/** `AF_INET 127.0.0.1:8080`, `AF_INET6 [::]:80`, `AF_UNIX /run/x.sock` from a sockaddr strace printed. */
function socketAddress(args: string): string | undefined {
    const family = /sa_family=(AF_[A-Z0-9]+)/.exec(args)?.[1];
    if (!family) return undefined;
    const port = /sin6?_port=htons\((\d+)\)/.exec(args)?.[1];
    const v4 = /sin_addr=inet_addr\("([0-9.]+)"\)/.exec(args)?.[1];
    const v6 = /inet_pton\(AF_INET6, "([0-9a-f:.]+)"/.exec(args)?.[1];
    const unix = /sun_path="((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
    if (v4 !== undefined) return `${family} ${v4}:${port ?? "?"}`;
    if (v6 !== undefined) return `${family} [${v6}]:${port ?? "?"}`;
    if (unix !== undefined) return `${family} ${unix}`;
    return family;
}
