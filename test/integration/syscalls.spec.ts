/**
 * `unikernel syscalls` with real strace and real programs, built here as static C: the calls a
 * program makes are counted (its own execve, which strace makes for it, is not), with the files,
 * sockets and signals it used; a call no table has is reported missing with its first arguments; a
 * time limit or a ready line ends the run and leaves no process of the program behind, even one that
 * left its session; a program that cannot be started exits 1.
 */
import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { BIN, jsonOf, unikernel } from "../helpers/cli";
import { tempDir } from "../helpers/demoKernel";
import { SYSCALL_TABLES } from "../../src/model/syscalls";
import type { SyscallsResult } from "../../src/contract/syscalls";

describe("unikernel syscalls (strace, static C programs)", function () {
    this.timeout(120_000);
    const dir = tempDir("syscalls-");
    /** Builds a static program from C source. */
    const program = (name: string, source: string) => {
        const file = path.join(dir, name);
        writeFileSync(`${file}.c`, source);
        execFileSync("gcc", ["-static", "-O1", "-o", file, `${file}.c`]);
        return file;
    };
    /** A program that forks a child into a session of its own, writes both pids to `pids`, and waits forever. */
    const daemonProgram = (name: string, pids: string) =>
        program(
            name,
            `#include <stdio.h>
#include <unistd.h>
int main(void) {
    pid_t child = fork();
    if (child == 0) { setsid(); for (;;) pause(); }
    FILE *f = fopen("${pids}", "w");
    fprintf(f, "%d %d\\n", getpid(), child);
    fclose(f);
    for (;;) pause();
}
`,
        );
    /** Each pid in the file is gone, or a zombie waiting to be reaped (it runs nothing). */
    const assertEnded = (pids: string) => {
        for (const pid of readFileSync(pids, "utf8").trim().split(" ")) {
            const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
            assert.ok(stat === "" || / Z /.test(stat.slice(stat.lastIndexOf(")"))), `process ${pid} ended: ${stat}`);
        }
    };
    const trace = (args: string[]) => {
        const run = unikernel(["syscalls", "--json", ...args]);
        return { run, result: run.code === 0 ? (jsonOf(run) as unknown as SyscallsResult) : undefined };
    };

    it("counts the calls a program makes, with the files, sockets and signals it used", () => {
        const data = path.join(dir, "data.txt");
        writeFileSync(data, "x");
        const known = program(
            "known",
            `#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/syscall.h>
static void on_usr1(int s) { (void)s; }
int main(void) {
    write(1, "hi\\n", 3);
    syscall(SYS_getpid);
    int fd = open("${data}", O_RDONLY);
    close(fd);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(0), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    bind(s, (struct sockaddr *)&a, sizeof a);
    signal(SIGUSR1, on_usr1);
    return 3;
}
`,
        );
        const { run, result } = trace(["--", known]);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(result);
        assert.equal(result.exitCode, 3);
        assert.equal(result.timedOut, false);
        assert.equal(result.syscalls.write, 1);
        assert.equal(result.syscalls.getpid, 1);
        assert.equal(result.syscalls.socket, 1);
        assert.equal(result.syscalls.bind, 1);
        assert.equal(result.syscalls.execve, undefined, "strace's execve of the program is not the program's");
        assert.ok(result.files.includes(data), result.files.join(", "));
        assert.ok(result.sockets.includes("AF_INET SOCK_STREAM"), result.sockets.join(", "));
        assert.ok(result.sockets.includes("bind AF_INET 127.0.0.1:0"), result.sockets.join(", "));
        assert.ok(result.signals.includes("SIGUSR1"));
        assert.match(run.stderr, /^hi$/m, "the program's output goes to stderr, not into the report");
        assert.deepEqual(
            result.kernels.map((k) => k.family),
            SYSCALL_TABLES.map((t) => t.family),
        );
        for (const k of result.kernels) {
            assert.ok(k.coverage > 0 && k.coverage <= 1, `${k.family} ${k.coverage}`);
            assert.equal(k.version, SYSCALL_TABLES.find((t) => t.family === k.family)!.version);
            for (const name of ["write", "getpid"]) assert.ok(!k.missing.includes(name), `${k.family} has ${name}`);
        }
    });

    it("reports a call no kernel family implements as missing, with its first arguments", () => {
        // Harmless calls with arguments the kernel refuses (EFAULT/EINVAL): nothing is changed.
        const candidates: Record<string, string> = {
            swapon: "syscall(SYS_swapon, (void *)0, 0)",
            quotactl: "syscall(SYS_quotactl, 0, (void *)0, 0, (void *)0)",
            syslog: "syscall(SYS_syslog, 10, (void *)0, 0)",
            acct: "syscall(SYS_acct, (void *)1)",
        };
        const name = Object.keys(candidates).find((n) =>
            SYSCALL_TABLES.every((t) => !Object.hasOwn(t.implemented, n) && !Object.hasOwn(t.stubbed, n)),
        );
        assert.ok(name, "one of the candidates is in no table");
        const file = program(
            "missing",
            `#include <unistd.h>
#include <sys/syscall.h>
int main(void) { ${candidates[name]}; return 0; }
`,
        );
        const { run, result } = trace(["--", file]);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(result);
        assert.equal(result.exitCode, 0);
        for (const k of result.kernels) {
            assert.ok(k.missing.includes(name), `${k.family}: ${k.missing.join(", ")}`);
            assert.equal(k.verdict, "missing calls");
            assert.ok(k.coverage < 1);
        }
        assert.ok(result.firstCalls[name]?.length, JSON.stringify(result.firstCalls));
        const markdown = unikernel(["syscalls", "--markdown", "--", file]);
        assert.equal(markdown.code, 0, markdown.stderr);
        assert.match(
            markdown.stdout,
            new RegExp(`^\\| \`${name}\` \\| 1 \\| \\*\\*missing\\*\\* \\| \\*\\*missing\\*\\* \\|$`, "m"),
        );
        assert.match(markdown.stdout, /^\| \*\*verdict\*\* \|/m);
    });

    it("ends a run at its time limit and leaves no process behind, even one that left its session", () => {
        const pids = path.join(dir, "pids");
        const daemon = daemonProgram("daemon", pids);
        const { run, result } = trace(["--timeout", "2", "--", daemon]);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(result);
        assert.equal(result.timedOut, true);
        assert.equal(result.exitCode, null);
        assert.equal(result.signal, "SIGKILL");
        assertEnded(pids);
    });

    it("leaves no process behind when the CLI itself is stopped by a signal", async () => {
        const pids = path.join(dir, "pids-signal");
        const daemon = daemonProgram("daemon2", pids);
        const cli = spawn(process.execPath, [BIN, "syscalls", "--timeout", "120", "--", daemon], { stdio: "ignore" });
        for (let i = 0; i < 100 && !existsSync(pids); i++) await new Promise((r) => setTimeout(r, 100));
        assert.ok(existsSync(pids), "the program started");
        await new Promise((r) => setTimeout(r, 300));
        const code = await new Promise<number | null>((resolve) => {
            cli.once("exit", (c) => resolve(c));
            cli.kill("SIGTERM");
        });
        assert.equal(code, 143);
        await new Promise((r) => setTimeout(r, 500));
        assertEnded(pids);
    });

    it("tries the ready pattern on whole lines only", () => {
        const slow = program(
            "slowline",
            `#include <stdio.h>
#include <unistd.h>
int main(void) { fputs("listening on :80", stdout); fflush(stdout); sleep(1); puts("80"); fflush(stdout); for (;;) pause(); }
`,
        );
        const { run, result } = trace(["--timeout", "4", "--ready", "listening on :80$", "--", slow]);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(result);
        assert.equal(result.ready, false, "the line was :8080, not :80");
        assert.equal(result.timedOut, true);
    });

    it("ends a server's run once it prints its ready line", () => {
        const server = program(
            "server",
            `#include <stdio.h>
#include <unistd.h>
int main(void) { puts("listening on :8080"); fflush(stdout); for (;;) pause(); }
`,
        );
        const started = Date.now();
        const { run, result } = trace(["--timeout", "60", "--ready", "^listening", "--", server]);
        assert.equal(run.code, 0, run.stderr);
        assert.ok(result);
        assert.equal(result.ready, true);
        assert.equal(result.timedOut, false);
        assert.ok(Date.now() - started < 30_000, "it did not wait for the time limit");
    });

    it("exits 1 for a program that cannot be run, and 2 for usage errors", () => {
        const missing = unikernel(["syscalls", "--json", "--", path.join(dir, "no-such-program")]);
        assert.equal(missing.code, 1, missing.stdout);
        assert.match(JSON.parse(missing.stdout).error as string, /could not be run .*No such file or directory/);
        const script = path.join(dir, "no-shebang.sh");
        writeFileSync(script, "echo hi\n", { mode: 0o755 });
        const noShebang = unikernel(["syscalls", "--json", "--", script]);
        assert.equal(noShebang.code, 1, noShebang.stdout);
        assert.match(JSON.parse(noShebang.stdout).error as string, /could not be run .*Exec format error/);
        assert.equal(unikernel(["syscalls", "--timeout", "0", "--", "true"]).code, 2);
        assert.equal(unikernel(["syscalls", "--json", "--markdown", "--", "true"]).code, 2);
    });
});
