/** `unikernel syscalls`: which system calls a Linux program makes, against each unikernel family's table. */
import type { KernelCoverage } from "../model/syscalls/compare";
import { parseResult } from "./command";

/** One family's answer, with where its table came from. */
export type KernelReport = KernelCoverage & { source: string };

/** What `syscalls --json` prints (a fixed contract: scripts depend on it). */
export interface SyscallsResult {
    /** The program's exit status; null when it did not exit by itself (killed at the time limit or once ready). */
    exitCode: number | null;
    /** The signal that ended it, when one did. */
    signal?: string;
    timedOut: boolean;
    ready: boolean;
    /** Calls by name, with counts (the program's first execve, strace's doing, left out). */
    syscalls: Record<string, number>;
    kernels: KernelReport[];
    /** The first call's arguments of each missing or stubbed call, as strace printed them. */
    firstCalls: Record<string, string>;
    files: string[];
    sockets: string[];
    signals: string[];
    straceVersion: string;
}

/** The argv of `unikernel syscalls`, for a build step that checks an image's program. */
export function syscallsArgv(command: readonly string[], timeoutSeconds: number, ready?: string): string[] {
    return [
        "syscalls",
        "--timeout",
        String(timeoutSeconds),
        ...(ready ? ["--ready", ready] : []),
        "--json",
        "--",
        ...command,
    ];
}

/** Parses `syscalls --json` output. */
export function parseSyscallsResult(stdout: string): SyscallsResult {
    return parseResult<SyscallsResult>("syscalls", stdout, {
        exitCode: "number?",
        signal: "string?",
        timedOut: "boolean",
        ready: "boolean",
        syscalls: "object",
        kernels: "object",
        firstCalls: "object",
        files: "object",
        sockets: "object",
        signals: "object",
        straceVersion: "string",
    });
}
