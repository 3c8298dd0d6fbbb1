/** `unikernel syscalls`: will this Linux program run as a unikernel? Its system calls, traced, against each family's table. */
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "../../model";
import { parseTimeoutSeconds, safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

interface SyscallsOptions {
    timeout: number;
    ready?: RegExp;
    markdown?: boolean;
    json?: boolean;
}

function readyOption(value: string): RegExp {
    try {
        return new RegExp(safeText(value));
    } catch (error) {
        throw new InvalidArgumentError(`not a regular expression: ${(error as Error).message}`);
    }
}

/** Registers `syscalls`. */
export const registerSyscallsCommand: CommandRegistration = (program: Command, io, setExit) => {
    program
        .command("syscalls")
        .description(
            "Run a program on Linux under strace and compare the system calls it makes with what Unikraft and Nanos implement.",
        )
        .usage("[options] -- <command> [args...]")
        .argument("<command...>", "the program and its arguments (after --)")
        .option("--timeout <s>", "stop the program after this many seconds (1 s to a day)", parseTimeoutSeconds, 30)
        .option(
            "--ready <regex>",
            "stop the program once it prints a line matching this (a server that is up)",
            readyOption,
        )
        .option("--markdown", "print a Markdown table: one row per call, one column per kernel family")
        .option(
            "--json",
            'print one JSON object: {"exitCode", "syscalls": {name: count}, "kernels": [{family, version, coverage, missing, stubbed}], ...}',
        )
        .action(async (command: string[], options: SyscallsOptions) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    if (options.json && options.markdown) throw new UsageError("--json and --markdown: give one");
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { traceProgram } = await import("../../measure/syscallTrace");
                    const { syscallsMarkdown, syscallsResult, syscallsText } =
                        await import("../../measure/syscallReport");
                    const { SYSCALL_TABLES } = await import("../../model/syscalls");
                    const run = await traceProgram({
                        // Straight to execve through strace, no shell: any argument is passed as it is.
                        command,
                        timeoutSeconds: options.timeout,
                        ready: options.ready,
                        output: (text) => io.err(text),
                    });
                    const result = syscallsResult(run, SYSCALL_TABLES);
                    printResult(
                        io,
                        Boolean(options.json),
                        result,
                        options.markdown ? syscallsMarkdown(result) : syscallsText(result),
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};
