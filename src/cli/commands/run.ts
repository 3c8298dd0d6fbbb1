/** `unikernel run`: boots a kernel or disk under QEMU here and waits for its ready line; `--detach` leaves it running. */
import { InvalidArgumentError, Option } from "commander";
import { BOOT_MODES, BootMode, MACHINE_ARCHITECTURES, MachineArchitecture } from "../../model";
import { RunDetachedResult } from "../../contract/run";
import { PortForward, parsePortForward } from "../../hosts/qemu";
import { initrdPath, parseMemoryMiB, parsePort, parseTimeoutSeconds, safeText } from "../optionValues";
import { CliIo, CommandRegistration, ExitCode, printResult, runVerb } from "../output";

interface RunCliOptions {
    kernel?: string;
    initrd?: string;
    cmdline?: string;
    disk?: string;
    arch: MachineArchitecture;
    boot?: BootMode;
    memory: number;
    expect?: RegExp;
    timeout: number;
    port?: PortForward[];
    console?: string;
    accel?: "kvm" | "tcg";
    wait?: boolean;
    detach?: boolean;
    pidfile?: string;
    readyPort?: number;
    json?: boolean;
}

/** Registers `run`. */
export const registerRunCommand: CommandRegistration = (program, io, setExit) => {
    program
        .command("run")
        .description(
            "Boot a kernel or disk under QEMU here, capture the serial console, and wait for a ready line (exit 0 when it appears).",
        )
        .option("--kernel <file>", "boot this kernel directly (QEMU -kernel)", safeText)
        .option("--initrd <file>", "initrd for --kernel", initrdPath)
        .option("--cmdline <text>", "command line for --kernel", safeText)
        .option("--disk <file>", "boot this disk (raw, qcow2, vmdk or vhd)", safeText)
        .addOption(new Option("--arch <arch>", "architecture").choices([...MACHINE_ARCHITECTURES]).default("x86_64"))
        .addOption(new Option("--boot <mode>", "firmware for --disk").choices([...BOOT_MODES]))
        .option("--memory <size>", "guest memory from 8M to 1024G, e.g. 64M", parseMemoryMiB, 64)
        .option("--expect <regex>", "ready when a console line matches this", parseRegex)
        .option("--timeout <seconds>", "give up after this long", parseTimeoutSeconds, 60)
        .option(
            "--port <[udp:]host:guest>",
            "forward a host port to the guest, bound to 127.0.0.1 (repeatable)",
            (value: string, previous: PortForward[] = []) => [...previous, parsePortOption(value)],
        )
        .option(
            "--console <file>",
            "write the serial console here; default: a new file under the temp directory",
            safeText,
        )
        .addOption(
            new Option("--accel <accel>", "accelerator; default: kvm when /dev/kvm is usable").choices(["kvm", "tcg"]),
        )
        .option("--wait", "after the ready line, wait for the VM to exit instead of stopping it")
        .option("--detach", "leave the VM running in the background after the ready line (needs --pidfile)")
        .option("--pidfile <file>", "with --detach: where QEMU writes its pid", safeText)
        .option(
            "--ready-port <port>",
            "with --detach: ready also needs this forwarded host port to answer (TCP)",
            parsePort,
        )
        .option("--json", "print one JSON object: {matched, bootMs, consoleLog, ...}")
        .action(async (options: RunCliOptions) => {
            setExit(await runVerb(io, Boolean(options.json), () => runCommand(options, io)));
        });
};

async function runCommand(options: RunCliOptions, io: CliIo): Promise<number> {
    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
    const { prepareRun } = await import("../../hosts/runRequest");
    const { runDetached, runLocal } = await import("../../hosts/localRun");
    const run = await prepareRun({
        kernel: options.kernel,
        initrd: options.initrd,
        cmdline: options.cmdline,
        disk: options.disk,
        architecture: options.arch,
        boot: options.boot,
        memoryMiB: options.memory,
        expect: options.expect,
        timeoutSeconds: options.timeout,
        ports: options.port ?? [],
        console: options.console,
        accel: options.accel,
        detach: options.detach,
        pidfile: options.pidfile,
        readyPort: options.readyPort,
    });
    io.err(`run: booting ${options.kernel ?? options.disk} under QEMU; console in ${run.consoleLog}\n`);
    if (run.pidfile) {
        const detached = await runDetached({ ...run, pidfile: run.pidfile });
        const result: RunDetachedResult = detached; // the contract a component reads, and more
        printResult(
            io,
            Boolean(options.json),
            result,
            detached.matched
                ? `run: running in the background as pid ${detached.pid}, ready${detached.bootMs !== undefined ? ` after ${detached.bootMs} ms` : ""}\n  console: ${detached.consoleLog}`
                : `run: not ready after ${options.timeout} s; stopped. Last console lines:\n${detached.consoleTail}`,
        );
        return detached.matched ? ExitCode.Ok : ExitCode.Failed;
    }
    const result = await runLocal({ ...run, waitForExit: options.wait, onConsole: (text) => io.err(text) });
    const summary = result.matched
        ? `ready${result.bootMs !== undefined ? ` after ${result.bootMs} ms` : ""} (${result.accel})`
        : result.timedOut
          ? `not ready after ${options.timeout} s (${result.accel}); last console lines:\n${result.consoleTail}`
          : `QEMU exited with ${result.exitCode} before the ready line; last console lines:\n${result.consoleTail}`;
    printResult(io, Boolean(options.json), result, `run: ${summary}\n  console: ${result.consoleLog}`);
    return result.matched ? ExitCode.Ok : ExitCode.Failed;
}

function parseRegex(value: string): RegExp {
    try {
        return new RegExp(safeText(value));
    } catch (error) {
        throw new InvalidArgumentError(`is not a valid regular expression: ${(error as Error).message}`);
    }
}

function parsePortOption(value: string): PortForward {
    try {
        return parsePortForward(value);
    } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
    }
}
