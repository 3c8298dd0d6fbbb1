/**
 * The `unikernel` command line: argument parsing and printing only. The work lives in the model,
 * engines, disk and hosts modules; the verbs are registered from ./commands.
 *
 * Exit codes are a contract scripts depend on: 0 success/valid, 1 bad input, 2 usage error.
 */
import { Command, CommanderError } from "commander";
import { registerAwsCommands } from "./commands/aws";
import { registerBenchCommand } from "./commands/bench";
import { registerCacheCommands } from "./commands/cache";
import { registerBuildCommand } from "./commands/build";
import { registerConvertCommand } from "./commands/convert";
import { registerDiskCommand } from "./commands/disk";
import { registerKraftfileCommand } from "./commands/kraftfile";
import { registerRegistryCommands } from "./commands/registry";
import { registerRunCommand } from "./commands/run";
import { registerStatsCommand } from "./commands/stats";
import { registerStopCommand } from "./commands/stop";
import { registerSyscallsCommand } from "./commands/syscalls";
import { registerValidateCommand } from "./commands/validate";
import { CliIo, CommandRegistration, ExitCode } from "./output";
import { printable } from "../model/printable";
import { version } from "./version";

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly CommandRegistration[] = [
    registerValidateCommand,
    registerKraftfileCommand,
    registerBuildCommand,
    registerDiskCommand,
    registerConvertCommand,
    registerRunCommand,
    registerStopCommand,
    registerStatsCommand,
    registerRegistryCommands,
    registerAwsCommands,
    registerBenchCommand,
    registerSyscallsCommand,
    registerCacheCommands,
];

const processIo: CliIo = {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
};

/** The `unikernel` program with every command registered; actions report exit codes through `setExit`. */
export function createProgram(io: CliIo, setExit: (code: number) => void): Command {
    const program = new Command("unikernel")
        .description("Build, check and boot unikernels; the engine behind the pulumi-unikernel components.")
        .version(version(), "-V, --version")
        .exitOverride()
        .showHelpAfterError("(run `unikernel --help` for usage)")
        // Commander's usage errors quote the value given; a value holding terminal escapes is shown escaped.
        .configureOutput({
            writeOut: io.out,
            writeErr: io.err,
            outputError: (text, write) => write(printable(text, true)),
        });
    for (const register of COMMANDS) register(program, io, setExit);
    return program;
}

/**
 * Runs the CLI with `argv` (the words after the program name) and resolves to the exit code.
 * Never calls process.exit, so it can run in-process.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
    let exitCode: number = ExitCode.Ok;
    const setExit = (code: number) => {
        exitCode = Math.max(exitCode, code);
    };
    const program = createProgram(io, setExit);
    try {
        await program.parseAsync([...argv], { from: "user" });
    } catch (error) {
        if (error instanceof CommanderError) {
            // Help and version exit 0; everything else commander rejects is a usage error.
            return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
        }
        throw error;
    }
    return exitCode;
}
