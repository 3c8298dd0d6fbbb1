/**
 * The artifact pipeline verbs: `build`, `disk`, `convert`, `run`. Each prints progress on stderr
 * and, with --json, one JSON object on stdout; `build`, `disk` and `convert` always report `path`,
 * `sha256` and `sizeBytes`.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { MAKE_GOAL, MAKE_VARIABLE_NAME, RESERVED_MAKE_VARIABLES } from "../../engines/make";
import { inspectDisk } from "../../disk/inspectDisk";
import { directBootProblem } from "../../disk/kernelImage";
import { initrdPath, parseKeyValue, parseMemoryMiB, parsePort, parseSize, parseTimeoutSeconds, parseWholeNumber, safeText } from "../optionValues";
import {
    BootMode, DISK_FORMATS, DiskFormat, ENGINES, EngineName, KERNEL_FAMILIES, KernelFamily, MachineArchitecture, Target, ValidationError, parseApplication, parseDiskFormat,
    parseTargetString, targetId,
} from "../../model";
import { buildArtifact } from "../../engines/build";
import { BuildInputError, BuildRequest } from "../../engines/engine";
import { detectEngine } from "../../engines/detect";
import { formatBytes, makeBootableDisk } from "../../disk/bootableDisk";
import { convertDisk } from "../../disk/formats";
import { DiskInputError } from "../../disk/diskInputError";
import { runDetached, runLocal, stopDetached } from "../../hosts/localRun";
import { PortForward, parsePortForward } from "../../hosts/qemu";
import { checkTool } from "../../internal/toolCheck";
import { GNU_TAR, GRUB_MKIMAGE, MTOOLS, QEMU_AARCH64, QEMU_IMG, QEMU_X86_64, SFDISK } from "../../internal/tools";
import { CliIo, ExitCode, printResult, runVerb } from "../output";

/** Registers `build`, `disk`, `convert` and `run`. */
export function registerBuildCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
    const progress = (text: string) => io.err(text);

    program
        .command("build")
        .description("Build an application into an artifact (kernel or disk); unchanged inputs reuse the cached artifact.")
        .argument("[dir]", "the application directory", ".")
        .addOption(new Option("--engine <engine>", "engine; default: kraft for a Kraftfile, ops for config.json, make for a Makefile").choices([...ENGINES]))
        .option("--target <plat/arch>", "target to build, e.g. qemu/x86_64; default: the application's first", parseTargetOption)
        .addOption(new Option("--family <family>", "what kind of kernel it is; default from the engine").choices([...KERNEL_FAMILIES]))
        .option("--kernel-path <file>", "make: the kernel the Makefile produces, relative to dir", safeText)
        .option("--initrd-path <file>", "make: an initrd the Makefile produces", safeText)
        .option("--goal <target>", "make: the make target to build", parseGoal)
        .option("--make-var <NAME=value>", "make: a variable passed to make, literally (repeatable)", (value: string, previous: string[] = []) => [...previous, parseMakeVariable(value)])
        .option("--jobs <n>", "parallel jobs (kraft, make), 1-1024", (v) => parseWholeNumber(v, 1, 1024))
        .option("--no-cache", "kraft: build from scratch (--no-cache)")
        .option("--application-json <json>", "the application as JSON (what a component passes), instead of the directory's project file")
        .option("--kernel <file>", "prebuilt: the kernel file", safeText)
        .option("--initrd <file>", "prebuilt: the initrd for the kernel", safeText)
        .option("--disk <file>", "prebuilt: a finished disk image", safeText)
        .option("--allow-outside", "let the rootfs, make outputs and symbolic links reach outside dir (what they resolve to is hashed too)")
        .option("--json", "print one JSON object")
        .action(async (dir: string, options: BuildCliOptions) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                const request = buildRequestOf(dir, options);
                const artifact = await buildArtifact(request, progress);
                printResult(io, Boolean(options.json), artifact,
                    `${artifact.path}\n  ${artifact.kind} ${artifact.name} ${targetId(artifact.target)}, ${artifact.sizeBytes} bytes, sha256 ${artifact.sha256}` +
                    `\n  digest ${artifact.digest}${artifact.cached ? " (cached: no engine ran)" : ""}`);
                return ExitCode.Ok;
            }));
        });

    program
        .command("disk")
        .description("Make a bootable raw disk (BIOS: MBR + GRUB; UEFI: GPT + ESP) from a kernel.")
        .requiredOption("--kernel <file>", "the kernel", safeText)
        .option("--initrd <file>", "an initrd handed to the kernel", safeText)
        .option("--cmdline <text>", "the kernel command line", safeText)
        .addOption(new Option("--boot <mode>", "firmware").choices(["bios", "uefi"]).makeOptionMandatory())
        .addOption(new Option("--arch <arch>", "architecture").choices(["x86_64", "arm64"]).default("x86_64"))
        .option("--size <size>", "disk size: GiB as a number (1 = 1 GiB), or with a unit (64M, 2G), at most 2048G; default: the smallest that fits", parseSize)
        .option("--target <plat/arch>", "what the kernel was built for, checked against the compatibility table", parseTargetOption)
        .addOption(new Option("--family <family>", "kernel family, with --target").choices([...KERNEL_FAMILIES]).default("unikraft"))
        .requiredOption("--out <file>", "where to write the raw disk", safeText)
        .option("--json", "print one JSON object")
        .action(async (options: DiskCliOptions) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                await checkOutputPath(options.out);
                await Promise.all([QEMU_IMG, GRUB_MKIMAGE, MTOOLS, SFDISK].map(checkTool));
                progress(`disk: making a ${options.boot.toUpperCase()} ${options.arch} disk from ${options.kernel}\n`);
                const result = await makeBootableDisk({
                    kernel: options.kernel,
                    initrd: options.initrd,
                    cmdline: options.cmdline,
                    boot: options.boot,
                    architecture: options.arch,
                    sizeBytes: options.size,
                    out: options.out,
                    kernelDescription: options.target ? { family: options.family, platform: options.target.platform, architecture: options.target.architecture } : undefined,
                });
                for (const change of result.kernelChanges) progress(`disk: ${change}\n`);
                printResult(io, Boolean(options.json), result,
                    `${result.path}\n  ${result.boot} ${result.architecture} ${result.partitionTable}, ${formatBytes(result.sizeBytes)}, ${result.loader} (${result.kernelProtocol}), sha256 ${result.sha256}`);
                return ExitCode.Ok;
            }));
        });

    program
        .command("convert")
        .description("Convert a disk into a format clouds import, and verify the result.")
        .argument("<disk>", "a raw, qcow2, vmdk or vhd disk (detected from its content)")
        .requiredOption("--format <format>", `one of ${DISK_FORMATS.join(", ")}`, parseFormatOption)
        .requiredOption("--out <file>", "where to write the result", safeText)
        .option("--json", "print one JSON object")
        .action(async (disk: string, options: { format: DiskFormat; out: string; json?: boolean }) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                await checkOutputPath(options.out);
                await Promise.all([QEMU_IMG, ...(options.format === "gce" ? [GNU_TAR, SFDISK] : [])].map(checkTool));
                progress(`convert: ${disk} -> ${options.format} ${options.out}\n`);
                const result = await convertDisk(disk, options.format, options.out);
                printResult(io, Boolean(options.json), result, `${result.path}\n  ${result.format}, ${result.sizeBytes} bytes, sha256 ${result.sha256}\n  ${result.checks.join("; ")}`);
                return ExitCode.Ok;
            }));
        });

    program
        .command("stop")
        .description("Stop a VM started with `run --detach`.")
        .requiredOption("--pidfile <file>", "the pidfile given to `run --detach`", safeText)
        .option("--json", "print one JSON object: {stopped, stale?, removed?}")
        .action(async (options: { pidfile: string; json?: boolean }) => {
            setExit(await runVerb(io, Boolean(options.json), async () => {
                const result = await stopDetached(options.pidfile);
                if (result.stale) {
                    io.err(result.removed
                        ? `stop: removed a stale pidfile without signalling anyone: ${result.stale}\n`
                        : `stop: signalled nobody and left ${options.pidfile} as it is: ${result.stale}\n`);
                }
                printResult(io, Boolean(options.json), result, result.stopped ? "stop: stopped" : "stop: nothing was running");
                return ExitCode.Ok;
            }));
        });

    program
        .command("run")
        .description("Boot a kernel or disk under QEMU here, capture the serial console, and wait for a ready line (exit 0 when it appears).")
        .option("--kernel <file>", "boot this kernel directly (QEMU -kernel)", safeText)
        .option("--initrd <file>", "initrd for --kernel", initrdPath)
        .option("--cmdline <text>", "command line for --kernel", safeText)
        .option("--disk <file>", "boot this disk (raw, qcow2, vmdk or vhd)", safeText)
        .addOption(new Option("--arch <arch>", "architecture").choices(["x86_64", "arm64"]).default("x86_64"))
        .addOption(new Option("--boot <mode>", "firmware for --disk").choices(["bios", "uefi"]))
        .option("--memory <size>", "guest memory from 8M to 1024G, e.g. 64M", parseMemoryMiB, 64)
        .option("--expect <regex>", "ready when a console line matches this", parseRegex)
        .option("--timeout <seconds>", "give up after this long", parseTimeoutSeconds, 60)
        .option("--port <[udp:]host:guest>", "forward a host port to the guest, bound to 127.0.0.1 (repeatable)", (value: string, previous: PortForward[] = []) => [...previous, parsePortOption(value)])
        .option("--console <file>", "write the serial console here; default: a new file under the temp directory", safeText)
        .addOption(new Option("--accel <accel>", "accelerator; default: kvm when /dev/kvm is usable").choices(["kvm", "tcg"]))
        .option("--wait", "after the ready line, wait for the VM to exit instead of stopping it")
        .option("--detach", "leave the VM running in the background after the ready line (needs --pidfile)")
        .option("--pidfile <file>", "with --detach: where QEMU writes its pid", safeText)
        .option("--ready-port <port>", "with --detach: ready also needs this forwarded host port to answer (TCP)", parsePort)
        .option("--json", "print one JSON object: {matched, bootMs, consoleLog, ...}")
        .action(async (options: RunCliOptions) => {
            setExit(await runVerb(io, Boolean(options.json), () => runCommand(options, io)));
        });
}

interface BuildCliOptions {
    engine?: EngineName;
    target?: Target;
    family?: KernelFamily;
    kernelPath?: string;
    initrdPath?: string;
    goal?: string;
    makeVar?: string[];
    jobs?: number;
    cache: boolean;
    kernel?: string;
    initrd?: string;
    disk?: string;
    applicationJson?: string;
    allowOutside?: boolean;
    json?: boolean;
}

interface DiskCliOptions {
    kernel: string;
    initrd?: string;
    cmdline?: string;
    boot: BootMode;
    arch: MachineArchitecture;
    size?: number;
    target?: Target;
    family: KernelFamily;
    out: string;
    json?: boolean;
}

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

function buildRequestOf(dir: string, options: BuildCliOptions): BuildRequest {
    const engine = options.engine ?? detectEngine(dir, Boolean(options.kernel || options.disk));
    const variables = Object.fromEntries((options.makeVar ?? []).map((assignment) => {
        const eq = assignment.indexOf("=");
        return [assignment.slice(0, eq), assignment.slice(eq + 1)];
    }));
    let application;
    if (options.applicationJson !== undefined) {
        let raw: unknown;
        try {
            raw = JSON.parse(options.applicationJson);
        } catch (error) {
            throw new BuildInputError(`--application-json is not JSON: ${(error as Error).message}`);
        }
        const parsed = parseApplication(raw, "application");
        if (!parsed.value) throw new ValidationError(parsed.problems, "--application-json");
        application = parsed.value;
    }
    return {
        engine,
        dir,
        application,
        target: options.target,
        kernelFamily: options.family,
        ...(engine === "make" ? { make: { kernel: options.kernelPath ?? "", initrd: options.initrdPath, goal: options.goal, variables, jobs: options.jobs } } : {}),
        ...(engine === "prebuilt" ? { prebuilt: { kernel: options.kernel, initrd: options.initrd, disk: options.disk } } : {}),
        ...(engine === "kraft" ? { kraft: { jobs: options.jobs, noCache: !options.cache } } : {}),
        allowOutsideDirectory: Boolean(options.allowOutside),
    };
}

async function runCommand(options: RunCliOptions, io: CliIo): Promise<number> {
    if (Boolean(options.kernel) === Boolean(options.disk)) {
        throw new DiskInputError("give exactly one of --kernel or --disk");
    }
    const memoryMiB = options.memory;
    const expect = options.expect;
    const ports = options.port ?? [];
    await checkTool(options.arch === "arm64" ? QEMU_AARCH64 : QEMU_X86_64);
    const file = options.kernel ?? options.disk!;
    let diskFormat: string | undefined;
    if (options.disk) {
        diskFormat = (await inspectDisk(options.disk)).qemuFormat;
    } else {
        // Checked before QEMU starts: a file that is not a kernel fails now, with the reason.
        const bytes = await readKernelHead(options.kernel!);
        const problem = directBootProblem(bytes, options.arch);
        if (problem) throw new DiskInputError(`cannot boot ${options.kernel} with QEMU's -kernel: ${problem}`);
    }
    // The default console goes into a directory of its own (mkdtemp: private, no name to guess).
    const consoleLog = options.console ?? path.join(await fs.mkdtemp(path.join(os.tmpdir(), "unikernel-console-")), "console.log");
    if (options.console) await checkOutputPath(options.console, "--console");
    io.err(`run: booting ${file} under QEMU; console in ${consoleLog}\n`);
    if (options.detach) {
        if (!options.pidfile) {
            throw new DiskInputError("--detach needs --pidfile, so the VM can be stopped later with `unikernel stop --pidfile`");
        }
        if (options.readyPort !== undefined && !ports.some((p) => p.protocol === "tcp" && p.host === options.readyPort)) {
            throw new DiskInputError(`--ready-port ${options.readyPort} is not a forwarded TCP host port; add --port ${options.readyPort}:<guest port>`);
        }
        const detached = await runDetached({
            architecture: options.arch, kernel: options.kernel, initrd: options.initrd, cmdline: options.cmdline, disk: options.disk,
            diskFormat, boot: options.boot, memoryMiB, ports, accel: options.accel, expect,
            timeoutMs: options.timeout * 1000, consoleLog, pidfile: options.pidfile, readyPort: options.readyPort,
        });
        printResult(io, Boolean(options.json), detached, detached.matched
            ? `run: running in the background as pid ${detached.pid}, ready${detached.bootMs !== undefined ? ` after ${detached.bootMs} ms` : ""}\n  console: ${detached.consoleLog}`
            : `run: not ready after ${options.timeout} s; stopped. Last console lines:\n${detached.consoleTail}`);
        return detached.matched ? ExitCode.Ok : ExitCode.Failed;
    }
    const result = await runLocal({
        architecture: options.arch,
        kernel: options.kernel,
        initrd: options.initrd,
        cmdline: options.cmdline,
        disk: options.disk,
        diskFormat,
        boot: options.boot,
        memoryMiB,
        ports,
        accel: options.accel,
        expect,
        timeoutMs: options.timeout * 1000,
        consoleLog,
        waitForExit: options.wait,
        onConsole: (text) => io.err(text),
    });
    const summary = result.matched
        ? `ready${result.bootMs !== undefined ? ` after ${result.bootMs} ms` : ""} (${result.accel})`
        : result.timedOut
            ? `not ready after ${options.timeout} s (${result.accel}); last console lines:\n${result.consoleTail}`
            : `QEMU exited with ${result.exitCode} before the ready line; last console lines:\n${result.consoleTail}`;
    printResult(io, Boolean(options.json), result, `run: ${summary}\n  console: ${result.consoleLog}`);
    return result.matched ? ExitCode.Ok : ExitCode.Failed;
}

function parseTargetOption(value: string): Target {
    const parsed = parseTargetString(value, "--target");
    if (!parsed.value) {
        throw new InvalidArgumentError(parsed.problems.map((p) => p.message).join("; "));
    }
    return parsed.value;
}

/** The largest kernel read to check it before a direct boot. */
const MAX_KERNEL_BYTES = 512 * 1024 * 1024;

async function readKernelHead(file: string): Promise<Buffer> {
    const stat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
        throw new DiskInputError(`the kernel ${file} cannot be read: ${error.code === "ENOENT" ? "no such file" : error.code ?? error.message}`);
    });
    if (!stat.isFile() || stat.size === 0 || stat.size > MAX_KERNEL_BYTES) {
        throw new DiskInputError(`the kernel ${file} is ${stat.isFile() ? `${stat.size} bytes; expected 1 byte to 512 MiB` : "not a regular file"}`);
    }
    return fs.readFile(file);
}

/**
 * An output path must be a file this run may replace: not a directory, and below a directory (not
 * a file). Checked before any work, so the failure is one line and nothing is made.
 */
export async function checkOutputPath(out: string, option = "--out"): Promise<void> {
    const absolute = path.resolve(out);
    const stat = await fs.lstat(absolute).catch(() => undefined);
    if (stat && !stat.isFile()) {
        throw new DiskInputError(`${option} ${out} is ${stat.isDirectory() ? "a directory" : "not a regular file"}; give the path of the file to write`);
    }
    for (let dir = path.dirname(absolute); ; dir = path.dirname(dir)) {
        const parent = await fs.stat(dir).catch(() => undefined);
        if (parent) {
            if (!parent.isDirectory()) throw new DiskInputError(`${option} ${out} is below ${dir}, which is not a directory`);
            return;
        }
        if (dir === path.dirname(dir)) return;
    }
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

function parseMakeVariable(value: string): string {
    const [name] = parseKeyValue(value, "--make-var");
    if (!MAKE_VARIABLE_NAME.test(name)) {
        throw new InvalidArgumentError(`"${name}" is not a make variable name (letters, digits and "_", not starting with a digit)`);
    }
    if (RESERVED_MAKE_VARIABLES.has(name)) {
        throw new InvalidArgumentError(`${name} changes how make runs or which files it reads; it cannot be set here`);
    }
    return value;
}

function parseGoal(value: string): string {
    if (!MAKE_GOAL.test(value)) throw new InvalidArgumentError(`"${value}" is not a make target name (no leading "-", spaces, "=" or "$")`);
    return value;
}

function parseFormatOption(value: string): DiskFormat {
    const parsed = parseDiskFormat(value, "--format");
    if (!parsed.value) throw new InvalidArgumentError(`unknown disk format "${value}"; expected one of ${DISK_FORMATS.join(", ")}`);
    return parsed.value;
}
