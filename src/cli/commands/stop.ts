/** `unikernel stop`: stops a VM started with `run --detach`, and only that VM. */
import { StopCommandResult } from "../../contract/run";
import { safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

/** Registers `stop`. */
export const registerStopCommand: CommandRegistration = (program, io, setExit) => {
    program
        .command("stop")
        .description("Stop a VM started with `run --detach`.")
        .requiredOption("--pidfile <file>", "the pidfile given to `run --detach`", safeText)
        .option("--json", "print one JSON object: {stopped, stale?, removed?}")
        .action(async (options: { pidfile: string; json?: boolean }) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { stopDetached } = await import("../../hosts/localRun");
                    const result: StopCommandResult = await stopDetached(options.pidfile);
                    if (result.stale) {
                        io.err(
                            result.removed
                                ? `stop: removed a stale pidfile without signalling anyone: ${result.stale}\n`
                                : `stop: signalled nobody and left ${options.pidfile} as it is: ${result.stale}\n`,
                        );
                    }
                    printResult(
                        io,
                        Boolean(options.json),
                        result,
                        result.stopped ? "stop: stopped" : "stop: nothing was running",
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};
