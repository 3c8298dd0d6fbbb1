/**
 * Property tests over every value that enters the private-host scripts and units: random strings
 * built from shell, systemd, QEMU and grep metacharacters (quotes, `$(...)`, backticks, `;`, `|`,
 * commas, `%`, `$`, backslashes, leading dashes, a fixed heredoc terminator). The install and remove
 * scripts run for real under `sh` with a stub QEMU; a marker file that every injected command would
 * create must never appear, and the stub must receive each value as exactly the argument it was.
 * The systemd units are checked by systemd itself (`systemd-analyze verify`) and parsed back.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fc from "fast-check";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "fs";
import * as path from "path";
import {
    HostServiceSpec,
    PROCESS_FUNCTIONS,
    hostPaths,
    installScript,
    metricsFile,
    removeScript,
} from "../../src/hosts/privateHost";
import { systemdCommandLine, systemdText, systemdWord, unitFile } from "../../src/hosts/systemdUnit";
import { tempDir } from "../helpers/demoKernel";

/** Pieces hostile input is made of; `@M` becomes the marker file's path. */
const HOSTILE = [
    "$(touch @M)",
    "`touch @M`",
    "; touch @M",
    "' ; touch @M ; '",
    '"; touch @M; "',
    "\\'",
    '\\"',
    "$HOME",
    "${IFS}",
    "%n",
    "%%",
    "$$",
    ",file=/etc/passwd",
    ",,",
    "-e",
    "--",
    "-f/etc/shadow",
    "UNIKERNEL_EOF",
    "EOF",
    "|",
    "&",
    "&&",
    "*",
    "?",
    "[a]",
    "~",
    "#",
    "!",
    "=",
    "{a,b}",
    " ",
    "  ",
    "\\",
    "\\\\",
    "'",
    '"',
    "(",
    ")",
    "<",
    ">",
    ">>",
    "2>&1",
];

/** A hostile string with no line breaks or control characters (those are refused at input; tested elsewhere). */
function hostile(marker: string, minLength = 0) {
    return fc
        .array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: "grapheme-ascii", maxLength: 4 })), {
            minLength,
            maxLength: 6,
        })
        .map((parts) =>
            parts
                .join("")
                .replace(/@M/g, marker)
                .replace(/[\x00-\x1f\x7f]/g, ""),
        );
}

/** A path segment: hostile, but never "", "." or "..", and without "/". */
function segment(marker: string) {
    return hostile(marker, 1)
        .map((s) => s.replace(/\//g, "_"))
        .filter((s) => s !== "" && s !== "." && s !== "..");
}

describe("private-host scripts under hostile values (real sh, stub QEMU)", function () {
    this.timeout(600_000);
    let dir: string;
    let stubs: string;
    let marker: string;

    before(() => {
        dir = tempDir("unikernel-inject-");
        marker = path.join(dir, "PWNED");
        stubs = path.join(dir, "bin");
        mkdirSync(stubs);
        // The stub QEMU records its argv (NUL-separated), prints the ready line into the console file
        // named by its -chardev option (commas unescaped), and stays up like a VM.
        writeFileSync(
            path.join(stubs, "qemu-system-x86_64"),
            [
                "#!/bin/bash",
                'printf \'%s\\0\' "$@" > "$STUB_ARGV"',
                'for a in "$@"; do case "$a" in file,id=console0,path=*) p=${a#file,id=console0,path=}; p=${p%,append=on}; p=${p//,,/,}; printf \'READY\\n\' >> "$p";; esac; done',
                "exec sleep 300",
                "",
            ].join("\n"),
        );
        chmodSync(path.join(stubs, "qemu-system-x86_64"), 0o755);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    function run(script: string, argvFile: string) {
        return spawnSync("sh", ["-c", script], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, STUB_ARGV: argvFile },
            timeout: 60_000,
        });
    }

    it("never runs a value as code, and hands QEMU each value as exactly one argument", () => {
        let n = 0;
        fc.assert(
            fc.property(
                segment(marker),
                hostile(marker),
                hostile(marker),
                fc.boolean(),
                (name, cmdline, pattern, matchReady) => {
                    n++;
                    const stateDir = path.join(dir, `s${n}`, name);
                    const argvFile = path.join(dir, `argv-${n}`);
                    const spec: HostServiceSpec = {
                        name: `svc-${n}`,
                        stateDir,
                        imagePath: path.join(stateDir, "image.kernel"),
                        imageKind: "kernel",
                        hypervisor: "qemu",
                        architecture: "x86_64",
                        memoryMiB: 64,
                        cmdline: cmdline || undefined,
                        ports: [],
                        mode: "background",
                        // A pattern that matches the stub's line, or a hostile one (which may even be an invalid regex).
                        expect: matchReady ? `^(READY|${pattern.replace(/[^A-Za-z0-9]/g, "")}x)$` : pattern || "never",
                        timeoutSeconds: 1,
                        // The metrics writer's directory is a hostile value too.
                        metrics: { textfileDirectory: path.join(dir, `t${n}`, name), intervalSeconds: 1 },
                    };
                    try {
                        const install = run(installScript(spec), argvFile);
                        assert.ok(
                            !existsSync(marker),
                            `injected command ran for name=${JSON.stringify(name)} cmdline=${JSON.stringify(cmdline)} pattern=${JSON.stringify(pattern)}:\n${install.stderr}`,
                        );
                        assert.ok(
                            existsSync(stateDir),
                            `the state directory is the value itself: ${JSON.stringify(stateDir)}\n${install.stderr}`,
                        );
                        if (matchReady) {
                            assert.equal(install.status, 0, install.stderr);
                            const argv = readFileSync(argvFile, "utf8").split("\0").slice(0, -1);
                            assert.equal(argv[argv.indexOf("-kernel") + 1], spec.imagePath);
                            if (spec.cmdline)
                                assert.equal(
                                    argv[argv.indexOf("-append") + 1],
                                    spec.cmdline,
                                    "the command line is one argument, byte for byte",
                                );
                            assert.deepEqual(JSON.parse(install.stdout.trim().split("\n").pop()!), {
                                mode: "background",
                                console: hostPaths(spec).console,
                            });
                            const prom = metricsFile({ name: spec.name, metrics: spec.metrics! });
                            for (let i = 0; i < 50 && !existsSync(prom); i++) spawnSync("sleep", ["0.1"]);
                            assert.ok(existsSync(prom), `the metrics file is at the value itself: ${prom}`);
                        }
                    } finally {
                        const remove = run(removeScript(spec), argvFile);
                        assert.equal(remove.status, 0, remove.stderr);
                        assert.ok(!existsSync(marker), `injected command ran on removal:\n${remove.stderr}`);
                        assert.ok(!existsSync(hostPaths(spec).pidfile), "the supervisor is gone");
                        assert.ok(!existsSync(hostPaths(spec).metricsPid), "the metrics writer is gone");
                    }
                },
            ),
            { numRuns: 30 },
        );
        assert.equal(readdirSync(dir).filter((f) => f === "PWNED").length, 0);
    });
});

describe("process ownership checks in the scripts (real sh)", function () {
    this.timeout(60_000);

    function stopOurs(pidfile: string, mark: string) {
        return spawnSync("sh", ["-c", `${PROCESS_FUNCTIONS}\nstop_ours "$1" "$2"`, "sh", pidfile, mark], {
            encoding: "utf8",
        });
    }

    it("never signals a process whose command line lacks the service's mark, nor pid 1, -1, 0 or garbage; removes the stale pidfile", () => {
        const dir = tempDir("unikernel-pids-");
        try {
            const bystander = spawnSync("sh", ["-c", "sleep 120 > /dev/null 2>&1 & echo $!"], { encoding: "utf8" });
            const pid = Number(bystander.stdout.trim());
            for (const content of [String(pid), "1", "-1", "0", "", "12abc", `${pid}\n-1`, "$(touch x)"]) {
                const pidfile = path.join(dir, "supervisor.pid");
                writeFileSync(pidfile, content);
                const result = stopOurs(pidfile, path.join(dir, "supervise.sh"));
                assert.equal(result.status, 0, result.stderr);
                assert.ok(!existsSync(pidfile), `a stale pidfile (${JSON.stringify(content)}) is removed`);
                assert.doesNotThrow(
                    () => process.kill(pid, 0),
                    `the bystander survives a pidfile holding ${JSON.stringify(content)}`,
                );
            }
            process.kill(pid, "SIGKILL");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it("stops its own process group when the mark matches", () => {
        const dir = tempDir("unikernel-pids-");
        try {
            const script = path.join(dir, "supervise.sh");
            writeFileSync(script, `echo $$ > ${JSON.stringify(path.join(dir, "supervisor.pid"))}\nsleep 120 & wait\n`);
            spawnSync("sh", ["-c", `setsid /bin/sh ${JSON.stringify(script)} > /dev/null 2>&1 < /dev/null &`]);
            const pidfile = path.join(dir, "supervisor.pid");
            for (let i = 0; i < 50 && !existsSync(pidfile); i++) spawnSync("sleep", ["0.1"]);
            const pid = Number(readFileSync(pidfile, "utf8"));
            assert.ok(pid > 1);
            const result = stopOurs(pidfile, script);
            assert.equal(result.status, 0, result.stderr);
            assert.throws(() => process.kill(-pid, 0), "the whole group is gone (the supervisor and its child)");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

/**
 * systemd's unquoting of one ExecStart= word, written from systemd.syntax(7) and systemd.service(5)
 * independently of the quoting code: specifiers (`%%` -> `%`), double quotes with C escapes, then
 * `$$` -> `$` at exec time.
 */
function systemdArgv(value: string): string[] {
    const words: string[] = [];
    let i = 0;
    while (i < value.length) {
        while (value[i] === " ") i++;
        if (i >= value.length) break;
        let word = "";
        const quoted = value[i] === '"';
        if (quoted) i++;
        for (; i < value.length; i++) {
            const c = value[i];
            if (quoted && c === '"') {
                i++;
                break;
            }
            if (!quoted && c === " ") break;
            if (c === "\\") {
                const next = value[++i];
                word += next === "n" ? "\n" : next === "t" ? "\t" : next;
                continue;
            }
            if (c === "%") {
                assert.equal(value[i + 1], "%", `an unescaped specifier %${value[i + 1]} in ${value}`);
                i++;
            }
            word += c;
        }
        words.push(word.replace(/\$\$/g, "$"));
    }
    return words;
}

describe("systemd units from hostile values", function () {
    this.timeout(120_000);

    it("parse back to exactly the argv they were made from (systemd's documented rules)", () => {
        fc.assert(
            fc.property(fc.array(hostile("/tmp/PWNED", 1), { minLength: 1, maxLength: 4 }), (words) => {
                assert.deepEqual(systemdArgv(systemdCommandLine(words)), words);
            }),
            { numRuns: 500 },
        );
    });

    it("are accepted by systemd-analyze verify with no warning, and systemd reads a quoted executable path back as it was", () => {
        const dir = tempDir("unikernel-units-");
        try {
            const values = fc.sample(segment("/tmp/PWNED"), 40);
            values.forEach((value, i) => {
                const unit = unitFile({
                    Unit: [["Description", systemdText(`unikernel ${value} (managed by pulumi-unikernel)`)]],
                    Service: [
                        ["ExecStart", systemdCommandLine(["/bin/sh", `/srv/${value}/vm.sh`])],
                        ["Restart", "on-failure"],
                    ],
                    Install: [["WantedBy", "multi-user.target"]],
                });
                const file = path.join(dir, `u${i}.service`);
                writeFileSync(file, unit);
                const verify = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
                assert.equal(verify.status, 0, `${unit}\n${verify.stderr}`);
                assert.equal(verify.stderr.trim(), "", `${unit}\n${verify.stderr}`);
                // As the executable, the same quoting is read back by systemd itself and printed in its complaint.
                const probe = path.join(dir, `p${i}.service`);
                const executable = `/nonexistent/${value}`;
                writeFileSync(probe, unitFile({ Service: [["ExecStart", systemdWord(executable)]] }));
                const back = spawnSync("systemd-analyze", ["verify", "--man=no", probe], { encoding: "utf8" });
                const shown =
                    /(?:Executable name contains special characters|Command): (.*?)(?: is not executable.*)?$/m.exec(
                        back.stderr,
                    )?.[1] ?? /Command (.*) is not executable/.exec(back.stderr)?.[1];
                // `$$` becomes `$` only when the command runs, so systemd shows it doubled here.
                assert.equal(shown, executable.replace(/\$/g, "$$$$"), back.stderr);
            });
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
