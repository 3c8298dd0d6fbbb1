#!/usr/bin/env node
/** Entry point of the `unikernel` binary. */
import { installSignalCleanup } from "../internal/cleanup";
import { runCli } from "./program";

// SIGINT/SIGTERM/SIGHUP stop the tools this run started and remove its temporary files.
installSignalCleanup();
runCli(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        // An unexpected failure is a bug, not bad input: show it whole and exit non-zero.
        process.stderr.write(
            `unikernel: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        process.exitCode = 70;
    },
);
