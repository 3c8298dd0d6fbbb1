/** Reading strace's output: calls split across processes, signals, exits, paths and sockets. */
import { strict as assert } from "assert";
import { summarizeTrace } from "../../../src/measure/straceLog";

describe("summarizeTrace", () => {
    const trace = [
        '100   execve("/srv/app", ["/srv/app", "--port", "80"], 0x7ffd /* 5 vars */) = 0',
        "100   brk(NULL)                         = 0x55d",
        '100   openat(AT_FDCWD, "/etc/app\\x2econf", O_RDONLY|O_CLOEXEC) = 3',
        "100   read(3,  <unfinished ...>",
        "101   set_robust_list(0x7f, 24 <unfinished ...>",
        '100   <... read resumed>"x", 4096) = 1',
        "101   <... set_robust_list resumed>) = 0",
        "100   socket(AF_INET6, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_IP) = 4",
        '100   bind(4, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '101   connect(5, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = -1 ENOENT (No such file or directory)',
        "100   rt_sigaction(SIGTERM, {sa_handler=0x4, sa_mask=[], sa_flags=SA_RESTORER}, NULL, 8) = 0",
        "100   --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=101} ---",
        '101   execve("/bin/sh", ["sh"], 0x7ffd /* 5 vars */) = 0',
        "101   +++ exited with 1 +++",
        "100   exit_group(0)                     = ?",
        "100   +++ exited with 0 +++",
        "garbage line",
    ].join("\n");

    it("counts each call once, at its start, and leaves out only the program's own first execve", () => {
        const s = summarizeTrace(trace);
        assert.deepEqual(s.counts, {
            brk: 1,
            openat: 1,
            read: 1,
            set_robust_list: 1,
            socket: 1,
            bind: 1,
            connect: 1,
            rt_sigaction: 1,
            execve: 1,
            exit_group: 1,
        });
        assert.equal(s.started, true);
        assert.deepEqual(s.exit, { code: 0 }, "the program's exit, not its child's");
        assert.deepEqual(s.pids, [100, 101]);
        assert.equal(s.firstCall.read, "3, ");
        assert.equal(
            s.firstCall.openat,
            'AT_FDCWD, "/etc/app\\x2econf", O_RDONLY|O_CLOEXEC',
            "arguments, not the result",
        );
    });

    it("keeps the files, sockets and signals it used", () => {
        const s = summarizeTrace(trace);
        assert.deepEqual(s.files, ["/srv/app", "/etc/app.conf", "/bin/sh"]);
        assert.deepEqual(s.sockets, ["AF_INET6 SOCK_STREAM", "bind AF_INET6 [::]:80", "connect AF_UNIX /run/x.sock"]);
        assert.deepEqual(s.signals, ["SIGTERM", "SIGCHLD"]);
    });

    it("says a program that could not be executed never started, and one killed how it ended", () => {
        assert.equal(
            summarizeTrace('7 execve("/x", ["/x"], 0x1 /* 1 var */) = -1 ENOENT (No such file or directory)').started,
            false,
        );
        const killed = summarizeTrace(
            ['7 execve("/x", ["/x"], 0x1 /* 1 var */) = 0', "7 +++ killed by SIGKILL +++"].join("\n"),
        );
        assert.deepEqual(killed.exit, { signal: "SIGKILL" });
    });
});
