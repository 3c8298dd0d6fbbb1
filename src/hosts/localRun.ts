/**
 * Boots a kernel or disk under QEMU on this machine: KVM when /dev/kvm is usable, TCG otherwise;
 * the serial console goes to a file as it comes; the run waits for a ready pattern (or for QEMU to
 * exit) with a timeout, and reports how long the boot took.
 */
import { spawn } from "child_process";
import { constants as fsConstants, createWriteStream, promises as fs, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { MachineArchitecture, StepFailure } from "../model";
import { sha256 } from "../internal/hashing";
import { spawnTool, tailOf } from "../internal/exec";
import { withWorkDir } from "../internal/files";
import { trackCleanup } from "../internal/cleanup";
import { DiskInputError } from "../disk/diskInputError";
import { checkQemuPidfile, checkQemuPidfileSync, commandLineOf, isQemuWithPidfile } from "./ownProcess";
import { FIRMWARE_CANDIDATES, QemuOptions, UefiFirmware, qemuCommand, qemuOptionValue } from "./qemu";
import { waitForTcp } from "./readiness";

/** What to run locally. */
export interface LocalRunOptions extends Omit<QemuOptions, "accel" | "firmware"> {
    /** Force an accelerator; default: kvm when /dev/kvm is usable, else tcg. */
    accel?: "kvm" | "tcg";
    /** Console lines are matched against this; the first match means ready. */
    expect?: RegExp;
    /** Give up after this many milliseconds. */
    timeoutMs: number;
    /** File that receives the serial console. */
    consoleLog: string;
    /** After a match, wait for QEMU to exit by itself instead of stopping it. */
    waitForExit?: boolean;
    /** Receives console text as it comes (progress). */
    onConsole?: (text: string) => void;
}

/** What happened. */
export interface LocalRunResult {
    /** The expect pattern matched (or, without one, QEMU exited 0 before the timeout). */
    matched: boolean;
    /** Start of QEMU to the first console line matching `expect` (undefined when it never matched). */
    bootMs?: number;
    /** Start of QEMU to the first console output. */
    firstOutputMs?: number;
    /** Start to end of the run. */
    durationMs: number;
    /** QEMU's exit code (null when it was stopped). */
    exitCode: number | null;
    timedOut: boolean;
    accel: "kvm" | "tcg";
    consoleLog: string;
    /** The last console lines, for error messages. */
    consoleTail: string;
    command: string[];
}

/**
 * True when this process can use KVM: /dev/kvm is readable and writable and, on x86, the CPU shows
 * VT-x or AMD-V. The second test matters: some sandboxes expose a /dev/kvm that is emulated in
 * software, where `-accel kvm` is far slower than TCG and fails on OVMF ("emulation failure").
 * UNIKERNEL_ACCEL=kvm|tcg overrides the guess.
 */
export async function kvmAvailable(): Promise<boolean> {
    const forced = process.env.UNIKERNEL_ACCEL;
    if (forced === "kvm" || forced === "tcg") {
        return forced === "kvm";
    }
    if (
        !(await fs.access("/dev/kvm", fsConstants.R_OK | fsConstants.W_OK).then(
            () => true,
            () => false,
        ))
    ) {
        return false;
    }
    if (process.arch !== "x64" && process.arch !== "ia32") {
        return true;
    }
    const cpuinfo = await fs.readFile("/proc/cpuinfo", "utf8").catch(() => "");
    return /^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo);
}

/** Finds UEFI firmware for an architecture; for x86_64 makes a private copy of the variable store. */
export async function findFirmware(architecture: MachineArchitecture, workDir: string): Promise<UefiFirmware> {
    for (const candidate of FIRMWARE_CANDIDATES[architecture]) {
        if (
            await fs.access(candidate.code).then(
                () => true,
                () => false,
            )
        ) {
            if (!candidate.vars) {
                return { code: candidate.code };
            }
            const vars = path.join(workDir, "efivars.fd");
            await fs.copyFile(candidate.vars, vars);
            return { code: candidate.code, vars };
        }
    }
    const pkg = architecture === "x86_64" ? "ovmf" : "qemu-efi-aarch64";
    throw new StepFailure(
        `no UEFI firmware for ${architecture} found (looked for ${FIRMWARE_CANDIDATES[architecture].map((c) => c.code).join(", ")}); install it with \`apt-get install ${pkg}\``,
    );
}

/** Boots and watches. Never throws for a boot that fails; that is `matched: false`. */
export async function runLocal(options: LocalRunOptions): Promise<LocalRunResult> {
    const accel = options.accel ?? ((await kvmAvailable()) ? "kvm" : "tcg");
    return withWorkDir("run", async (work) => {
        const arm = options.architecture === "arm64";
        const needsFirmware = Boolean(options.disk) && (arm || options.boot === "uefi");
        const firmware = needsFirmware ? await findFirmware(options.architecture, work) : undefined;
        const { command, args } = qemuCommand({ ...options, accel, firmware });
        await fs.mkdir(path.dirname(path.resolve(options.consoleLog)), { recursive: true });
        return watch(command, args, accel, options);
    });
}

function watch(
    command: string,
    args: string[],
    accel: "kvm" | "tcg",
    options: LocalRunOptions,
): Promise<LocalRunResult> {
    return new Promise((resolve, reject) => {
        const started = process.hrtime.bigint();
        const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
        const log = createWriteStream(options.consoleLog);
        let logError: Error | undefined;
        log.on("error", (error) => {
            // The console file cannot be written (a directory, a vanished mount): stop, and say so.
            logError = error;
            child.kill("SIGKILL");
        });
        // Its own process group, and killed with this process if this process is killed.
        const { child } = spawnTool(command, args, { stdio: ["ignore", "pipe", "pipe"] });
        let text = "";
        let pending = "";
        let bootMs: number | undefined;
        let firstOutputMs: number | undefined;
        let timedOut = false;
        let stoppedByUs = false;
        const onText = (chunk: Buffer) => {
            const s = chunk.toString("utf8");
            firstOutputMs ??= elapsed();
            log.write(chunk);
            text += s;
            options.onConsole?.(s);
            if (bootMs !== undefined || !options.expect) {
                return;
            }
            pending += s;
            // Match whole lines (and the partial last line, so a prompt without newline counts).
            const lines = pending.replace(/\r/g, "").split("\n");
            pending = lines[lines.length - 1];
            if (lines.some((line) => options.expect!.test(line))) {
                bootMs = elapsed();
                if (!options.waitForExit) {
                    stoppedByUs = true;
                    child.kill("SIGTERM");
                }
            }
        };
        child.stdout!.on("data", onText);
        child.stderr!.on("data", onText);
        const timer = setTimeout(() => {
            timedOut = true;
            stoppedByUs = true;
            child.kill("SIGKILL");
        }, options.timeoutMs);
        let finished = false;
        const finish = (exitCode: number | null) => {
            if (finished) return; // "error" and "close" can both arrive
            finished = true;
            clearTimeout(timer);
            if (logError) {
                reject(
                    new StepFailure(`the console file ${options.consoleLog} cannot be written: ${logError.message}`),
                );
                return;
            }
            log.end(() =>
                resolve({
                    matched: options.expect ? bootMs !== undefined : !timedOut && exitCode === 0,
                    bootMs,
                    firstOutputMs,
                    durationMs: elapsed(),
                    exitCode: stoppedByUs ? null : exitCode,
                    timedOut: timedOut && bootMs === undefined,
                    accel,
                    consoleLog: path.resolve(options.consoleLog),
                    consoleTail: tailOf(text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""), 20),
                    command: [command, ...args],
                }),
            );
        };
        child.on("error", (error: NodeJS.ErrnoException) => {
            text += `${command} could not start: ${error.code === "ENOENT" ? "not installed or not on PATH" : error.message}\n`;
            finish(null);
        });
        child.on("close", (code) => finish(code));
    });
}

/** What a detached run reports. */
export interface DetachedRunResult extends Omit<LocalRunResult, "exitCode"> {
    /** Process id of QEMU, also in `pidfile`. */
    pid: number;
    pidfile: string;
}

/**
 * Starts QEMU in the background (QEMU's own -daemonize and -pidfile, console to a file) and waits
 * for the ready line in that file. The VM keeps running after this returns; {@link stopDetached}
 * stops it. A VM that never gets ready is stopped before this returns. The pidfile's path is in
 * QEMU's command line, which is how a later `stop` proves the process is this VM.
 */
export async function runDetached(
    options: LocalRunOptions & { pidfile: string; readyPort?: number },
): Promise<DetachedRunResult> {
    const accel = options.accel ?? ((await kvmAvailable()) ? "kvm" : "tcg");
    const pidfile = path.resolve(options.pidfile);
    const stateDir = path.dirname(pidfile);
    await fs.mkdir(stateDir, { recursive: true });
    const previous = await stopDetached(pidfile); // a previous VM of the same service
    if (previous.stale && !previous.removed) {
        // QEMU would write its pid over whatever is there: refuse rather than clobber it.
        throw new DiskInputError(
            `--pidfile ${pidfile} names something that is not a pidfile of a stopped VM (${previous.stale}); choose another path`,
        );
    }
    const arm = options.architecture === "arm64";
    const needsFirmware = Boolean(options.disk) && (arm || options.boot === "uefi");
    // The firmware variable store must outlive this call: keep it beside the pidfile.
    const firmware = needsFirmware ? await findFirmware(options.architecture, stateDir) : undefined;
    const consoleLog = path.resolve(options.consoleLog);
    const { command, args } = qemuCommand({ ...options, accel, firmware, consoleFile: { path: consoleLog } });
    await fs.writeFile(consoleLog, "");
    // QMP, for `unikernel stats` (agentless monitoring): read back from this command line later.
    const qmpSocket = await qmpSocketPath(pidfile);
    // QEMU unlinks whatever is at the socket path before it binds: only a socket of ours may be there.
    await removeOwnSocket(qmpSocket, true);
    const detachedArgs = [
        ...args,
        "-qmp",
        `unix:${qemuOptionValue(qmpSocket)},server=on,wait=off`,
        "-daemonize",
        "-pidfile",
        pidfile,
    ];
    const started = process.hrtime.bigint();
    // Until it is ready, a VM that this run started is this run's to stop, also on a signal. The
    // pidfile was cleared above, so a QEMU the pidfile leads to from now on is the one started here.
    // QEMU writes it early and its launching parent exits only when the VM is set up: a signal in
    // between waits (briefly, synchronously: a signal handler cannot await) for the pidfile.
    let launchDone = false;
    const untrack = trackCleanup(() => {
        const deadline = Date.now() + 3000;
        for (;;) {
            const now = checkQemuPidfileSync(pidfile);
            if (now.kind === "ours") {
                process.kill(now.pid, "SIGTERM");
                // A QEMU stopped before its set-up finished may leave its pidfile: remove it once the
                // process is gone (a dead pidfile, checked again), so nothing stale remains.
                while (Date.now() < deadline && checkQemuPidfileSync(pidfile).kind === "ours") sleepSync(20);
                if (checkQemuPidfileSync(pidfile).kind === "dead") rmSync(pidfile, { force: true });
                return;
            }
            if (launchDone || now.kind !== "absent" || Date.now() > deadline) return;
            sleepSync(20);
        }
    });
    try {
        const launch = spawn(command, detachedArgs, { stdio: ["ignore", "pipe", "pipe"] });
        let launchOutput = "";
        launch.stdout.on("data", (c: Buffer) => (launchOutput += c.toString()));
        launch.stderr.on("data", (c: Buffer) => (launchOutput += c.toString()));
        const launchCode: number | null = await new Promise((resolve) => {
            launch.on("error", () => resolve(null));
            launch.on("close", (code) => resolve(code));
        });
        launchDone = true;
        if (launchCode !== 0) {
            throw new StepFailure(
                `${command} did not start (exit ${launchCode}): ${launchOutput.trim() || "no output"}`,
            );
        }
        const state = await checkQemuPidfile(pidfile);
        if (state.kind !== "ours") {
            throw new StepFailure(
                `${command} started but its pidfile ${pidfile} does not lead to it: ${state.kind === "absent" ? "no pidfile" : state.reason}`,
            );
        }
        return await waitUntilReady({
            ...options,
            pidfile,
            pid: state.pid,
            consoleLog,
            command,
            detachedArgs,
            accel,
            started,
        });
    } finally {
        untrack();
    }
}

/** The second half of {@link runDetached}: waits for the ready line (and port); stops the VM when it never comes. */
async function waitUntilReady(
    options: LocalRunOptions & {
        pidfile: string;
        readyPort?: number;
        pid: number;
        consoleLog: string;
        command: string;
        detachedArgs: string[];
        accel: "kvm" | "tcg";
        started: bigint;
    },
): Promise<DetachedRunResult> {
    const { pidfile, pid, consoleLog, command, detachedArgs, accel, started } = options;
    const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    let bootMs: number | undefined;
    let firstOutputMs: number | undefined;
    let text = "";
    while (elapsed() < options.timeoutMs) {
        text = await fs.readFile(consoleLog, "utf8").catch(() => "");
        if (text && firstOutputMs === undefined) firstOutputMs = elapsed();
        if (
            !options.expect ||
            text
                .replace(/\r/g, "")
                .split("\n")
                .some((line) => options.expect!.test(line))
        ) {
            bootMs = options.expect ? elapsed() : undefined;
            break;
        }
        if (!(await running(pid))) break;
        await new Promise((r) => setTimeout(r, 50));
    }
    let matched = options.expect ? bootMs !== undefined : await running(pid);
    if (matched && options.readyPort !== undefined) {
        // Ready means the service answers on its port too, not only that the console said so.
        matched = await waitForTcp(options.readyPort, Date.now() + Math.max(0, options.timeoutMs - elapsed()));
        if (matched) bootMs = elapsed();
        else
            text = `${await fs.readFile(consoleLog, "utf8").catch(() => "")}\n(port ${options.readyPort} did not answer)`;
    }
    if (!matched) {
        await stopDetached(pidfile);
    }
    return {
        matched,
        bootMs,
        firstOutputMs,
        durationMs: elapsed(),
        timedOut: !matched && elapsed() >= options.timeoutMs,
        accel,
        consoleLog,
        consoleTail: tailOf(text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""), 20),
        command: [command, ...detachedArgs],
        pid,
        pidfile,
    };
}

/** Longest unix socket path the kernel takes (sun_path is 108 bytes with its NUL), with a margin. */
const MAX_SOCKET_PATH = 100;

/**
 * Where a detached VM's QMP socket goes: beside its pidfile, or, when that path is too long for a
 * unix socket, in a private directory of this user under the system's temporary directory, named
 * by a hash of the pidfile's path.
 */
async function qmpSocketPath(pidfile: string): Promise<string> {
    const beside = `${pidfile}.qmp`;
    if (Buffer.byteLength(beside) <= MAX_SOCKET_PATH) return beside;
    const dir = path.join(os.tmpdir(), `unikernel-qmp-${process.getuid?.() ?? "user"}`);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    const stat = await fs.lstat(dir);
    if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
        throw new StepFailure(
            `${dir} is not a private directory of this user; remove it, or use a shorter --pidfile path`,
        );
    }
    return path.join(dir, `${sha256(pidfile).slice(0, 24)}.sock`);
}

/**
 * Removes a unix socket of this user at `file`; leaves anything else. With `strict`, anything else
 * there is an error (the caller was about to let QEMU replace it).
 */
async function removeOwnSocket(file: string, strict: boolean): Promise<void> {
    const stat = await fs.lstat(file).catch(() => undefined);
    if (!stat) return;
    if (stat.isSocket() && stat.uid === process.getuid?.()) {
        await fs.rm(file, { force: true });
        return;
    }
    if (strict) {
        throw new DiskInputError(
            `${file} (where this VM's QMP socket goes, beside its pidfile) is ${stat.isSocket() ? "another user's socket" : "not a socket"}; move it away or choose another pidfile`,
        );
    }
}

/** What {@link stopDetached} did. */
export interface StopResult {
    /** True when a VM of ours was running and was stopped. */
    stopped: boolean;
    /** Why the pidfile named no VM of ours (so nobody was signalled), when it did not. */
    stale?: string;
    /** With `stale`: true when the file was a pidfile of a process that is gone, and was removed; false when it was left as it is. */
    removed?: boolean;
}

/**
 * Stops a VM started by {@link runDetached}: TERM, then KILL after 5 s; removes the pidfile. Only a
 * process that is provably the QEMU started with this pidfile is signalled (src/hosts/ownProcess.ts).
 */
export async function stopDetached(pidfile: string): Promise<StopResult> {
    const state = await checkQemuPidfile(pidfile);
    if (state.kind === "absent") return { stopped: false };
    if (state.kind === "dead") {
        await fs.rm(path.resolve(pidfile), { force: true }).catch(() => undefined);
        return { stopped: false, stale: state.reason, removed: true };
    }
    if (state.kind === "foreign") {
        return { stopped: false, stale: state.reason, removed: false };
    }
    // Wait until the process itself has ended (QEMU removes its pidfile early in its exit). An
    // ended process may linger as a zombie until its parent (init, for a daemon) reaps it: it has
    // no command line any more and runs nothing, so it counts as stopped. A pid that turns out to
    // run something else (reused) is never signalled again.
    const absolute = path.resolve(pidfile);
    const stillOurs = async () => {
        const argv = await commandLineOf(state.pid);
        return argv !== undefined && isQemuWithPidfile(argv, absolute);
    };
    signal(state.pid, "SIGTERM");
    for (let i = 0; i < 100 && (await stillOurs()); i++) {
        await new Promise((r) => setTimeout(r, 50));
    }
    if (await stillOurs()) {
        signal(state.pid, "SIGKILL");
        for (let i = 0; i < 40 && (await stillOurs()); i++) await new Promise((r) => setTimeout(r, 50));
    }
    // QEMU removes its pidfile on a clean exit; after a KILL it is left behind (and its QMP socket).
    await fs.rm(path.resolve(pidfile), { force: true });
    // Its QMP socket, where this pidfile's socket goes (never a path read from a command line), when it is one of ours.
    await removeOwnSocket(await qmpSocketPath(absolute), false).catch(() => undefined);
    return { stopped: true };
}

/** Signals a process that may have exited a moment ago (then there is nothing to do). */
function signal(pid: number, name: NodeJS.Signals): void {
    try {
        process.kill(pid, name);
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
}

/** True while a process runs: it exists and is not a zombie (a zombie has no command line). */
async function running(pid: number): Promise<boolean> {
    return (await commandLineOf(pid)) !== undefined;
}

/** Sleeps without the event loop: only for signal handlers, which must finish before the process exits. */
function sleepSync(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
