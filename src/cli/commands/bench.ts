/**
 * `unikernel bench`: boots an image N times and reports time to first output and to ready, image
 * size, the smallest memory it boots in, and what one idle instance costs the host; with
 * `--baseline linux` the same for a minimal Debian Linux VM in the same run. Table (Markdown) by
 * default, one JSON object with --json, and an SVG chart with --svg.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { promises as fs } from "fs";
import * as path from "path";
import type { BenchSubject } from "../../measure/bench";
import { checkTool } from "../../internal/toolCheck";
import { QEMU_X86_64 } from "../../internal/tools";
import { CliIo, ExitCode, printResult, runVerb } from "../output";
import { checkOutputPath } from "../../internal/files";
import {
    initrdPath,
    parseNonNegativeInt,
    parsePort,
    parsePositiveInt,
    parseTimeoutSeconds,
    parseWholeNumber,
    safeText,
} from "../optionValues";
import { BootMode } from "../../model";

interface BenchCliOptions {
    kernel?: string;
    initrd?: string;
    cmdline?: string;
    stayCmdline?: string;
    disk?: string;
    boot?: BootMode;
    name: string;
    expect: string;
    runs: number;
    memory: number;
    memoryRange?: [number, number];
    memorySearch: boolean;
    idleSeconds: number;
    timeout: number;
    baseline?: "linux";
    svg?: string;
    accel?: "kvm" | "tcg";
    workload?: number;
    workloadPort?: number;
    json?: boolean;
}

/** Registers `bench`. */
export function registerBenchCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
    program
        .command("bench")
        .description(
            "Boot an image N times and report boot times, image size, smallest memory and the host cost of an idle instance; optionally against a Linux VM.",
        )
        .option("--kernel <file>", "boot this kernel directly (QEMU -kernel)", safeText)
        .option("--initrd <file>", "initrd for --kernel", initrdPath)
        .option("--cmdline <text>", "command line for --kernel", safeText)
        .option(
            "--stay-cmdline <text>",
            "command line that keeps the guest up, for the idle measurement (default: --cmdline)",
            safeText,
        )
        .option("--disk <file>", "boot this disk", safeText)
        .addOption(new Option("--boot <mode>", "firmware for --disk").choices(["bios", "uefi"]))
        .option("--name <name>", "the system's name in the report", safeText, "unikernel")
        .requiredOption("--expect <regex>", "ready when a console line matches this")
        .option("--runs <n>", "boots per system", parsePositiveInt, 5)
        .option("--memory <MiB>", "guest memory for the timed boots, MiB", memoryMiB, 128)
        .option(
            "--memory-range <lo:hi>",
            "range searched for the smallest memory, MiB (default 1:--memory)",
            memoryRange,
        )
        .option("--no-memory-search", "skip the smallest-memory search")
        .option(
            "--idle-seconds <s>",
            "seconds an instance idles while its host CPU time is counted; 0 skips",
            parseNonNegativeInt,
            10,
        )
        .option("--timeout <seconds>", "give up on a boot after this long", parseTimeoutSeconds, 120)
        .addOption(
            new Option("--baseline <kind>", "also measure a minimal Linux VM (Debian cloud kernel + busybox)").choices([
                "linux",
            ]),
        )
        .option(
            "--workload <n>",
            "after the idle window, send n sequential HTTP requests to each system that serves (the baseline serves on 80)",
            parsePositiveInt,
        )
        .option(
            "--workload-port <port>",
            "the guest port your system serves HTTP on while it runs with --stay-cmdline",
            parsePort,
        )
        .option("--svg <file>", "write an SVG bar chart here", safeText)
        .addOption(
            new Option("--accel <accel>", "accelerator; default: kvm when /dev/kvm is usable").choices(["kvm", "tcg"]),
        )
        .option("--json", "print one JSON object: {machine, settings, results: [...]}")
        .action(async (options: BenchCliOptions) => {
            setExit(await runVerb(io, Boolean(options.json), () => benchCommand(options, io)));
        });
}

async function benchCommand(options: BenchCliOptions, io: CliIo): Promise<number> {
    const problems: string[] = [];
    if (Boolean(options.kernel) === Boolean(options.disk)) problems.push("give exactly one of --kernel or --disk");
    let expect: RegExp | undefined;
    try {
        expect = new RegExp(options.expect);
    } catch (error) {
        problems.push(`--expect is not a valid regular expression: ${(error as Error).message}`);
    }
    const file = options.kernel ?? options.disk;
    if (
        file &&
        !(await fs.stat(file).then(
            (s) => s.isFile(),
            () => false,
        ))
    )
        problems.push(`the ${options.kernel ? "kernel" : "disk"} ${file} does not exist`);
    if (options.svg) await checkOutputPath(options.svg, "--svg").catch((error: Error) => problems.push(error.message));
    const range = options.memoryRange ?? [1, options.memory];
    if (options.workloadPort !== undefined && !options.workload)
        problems.push("--workload-port goes with --workload <n>");
    if (options.workload && options.idleSeconds === 0)
        problems.push("--workload runs on the idle instance: give --idle-seconds 1 or more");
    if (options.memorySearch && range[0] >= range[1])
        problems.push(`--memory-range ${range.join(":")}: the low end must be below the high end`);
    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
    const { BenchError, runBench } = await import("../../measure/bench");
    const { reportSvg, reportTable } = await import("../../measure/report");
    if (problems.length) throw new BenchError(problems.join("; "));
    await checkTool(QEMU_X86_64);

    const subjects: BenchSubject[] = [
        {
            name: options.name,
            kernel: options.kernel,
            initrd: options.initrd,
            cmdline: options.cmdline,
            stayCmdline: options.stayCmdline,
            disk: options.disk,
            diskFormat: options.disk
                ? (await (await import("../../disk/inspectDisk")).inspectDisk(options.disk)).qemuFormat
                : undefined,
            boot: options.boot,
            expect: expect!,
            memoryMiB: options.memory,
            memoryRange: options.memorySearch ? range : undefined,
            servePort: options.workloadPort,
        },
    ];
    if (options.baseline === "linux") {
        const { linuxBaseline } = await import("../../measure/linuxBaseline");
        const linux = await linuxBaseline((line) => io.err(`bench: ${line}\n`));
        subjects.push({
            name: "linux (debian cloud + busybox)",
            kernel: linux.kernel,
            initrd: linux.initrd,
            cmdline: linux.cmdline,
            // "serve": virtio-net and busybox httpd on port 80, for the request loop.
            stayCmdline: `${linux.cmdline} ${options.workload ? "serve" : "stay"}`,
            servePort: options.workload ? 80 : undefined,
            expect: new RegExp(linux.readyLine),
            memoryMiB: options.memory,
            memoryRange: options.memorySearch ? range : undefined,
        });
    }
    const report = await runBench(subjects, {
        runs: options.runs,
        timeoutMs: options.timeout * 1000,
        idleSeconds: options.idleSeconds,
        accel: options.accel,
        onProgress: (line) => io.err(`bench: ${line}\n`),
        workloadRequests: options.workload ?? 0,
    });
    let svgPath: string | undefined;
    if (options.svg) {
        svgPath = path.resolve(options.svg);
        await fs.mkdir(path.dirname(svgPath), { recursive: true });
        await fs.writeFile(svgPath, reportSvg(report));
    }
    printResult(
        io,
        Boolean(options.json),
        { ...report, ...(svgPath ? { svg: svgPath } : {}) },
        `${reportTable(report)}${svgPath ? `\nchart: ${svgPath}` : ""}`,
    );
    return ExitCode.Ok;
}

/** Guest memory as plain MiB (the report's unit), 8 MiB to 1 TiB. */
function memoryMiB(value: string): number {
    return parseWholeNumber(value, 8, 1024 * 1024);
}

function memoryRange(value: string): [number, number] {
    const m = /^(\d+):(\d+)$/.exec(value.trim());
    if (!m || Number(m[1]) < 1) throw new InvalidArgumentError(`"${value}" is not a range of MiB such as 4:128`);
    return [Number(m[1]), Number(m[2])];
}
