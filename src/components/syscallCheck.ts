/**
 * UnikernelImage.syscallCheck: the application run on this machine under strace (`unikernel
 * syscalls`), and its calls compared with its kernel family's table before the image's outputs
 * are given out, so nothing that uses them (a disk upload, a service) is made when the kernel
 * lacks a call the application makes.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Problem, checkSafeText, describeValue } from "../model";
import { unikernelCommand } from "../contract/command";
import { packageVersion } from "../internal/packageVersion";
import { KernelReport, parseSyscallsResult, syscallsArgv } from "../contract/syscalls";
import { SyscallCheckArgs } from "./types";

/** A checked `syscallCheck`. */
export interface ResolvedSyscallCheck {
    command: string[];
    timeoutSeconds: number;
    readyPattern?: string;
    onMissing: "fail" | "warn";
}

/** Checks `syscallCheck`, with every problem under its path. */
export function validateSyscallCheck(
    check: pulumi.Unwrap<SyscallCheckArgs> | undefined,
    problems: Problem[],
): ResolvedSyscallCheck | undefined {
    if (check === undefined) return undefined;
    const at = "syscallCheck";
    if (
        !Array.isArray(check.command) ||
        check.command.length === 0 ||
        check.command.some((w) => typeof w !== "string")
    ) {
        problems.push({
            path: `${at}.command`,
            message: `got ${describeValue(check.command)}; expected the program and its arguments, such as ["./server", "--port", "8080"]`,
        });
    } else {
        check.command.forEach((word, i) => {
            const unsafe = checkSafeText(word, `${at}.command[${i}]`, "the check's command line");
            if (unsafe) problems.push(unsafe);
        });
    }
    const timeoutSeconds = check.timeoutSeconds ?? 30;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 3600) {
        problems.push({
            path: `${at}.timeoutSeconds`,
            message: `got ${timeoutSeconds}; expected whole seconds from 1 to 3600`,
        });
    }
    if (check.readyPattern !== undefined) {
        const unsafe = checkSafeText(check.readyPattern, `${at}.readyPattern`, "the check's command line");
        if (unsafe) problems.push(unsafe);
        else {
            try {
                new RegExp(check.readyPattern);
            } catch (error) {
                problems.push({
                    path: `${at}.readyPattern`,
                    message: `not a regular expression: ${(error as Error).message}`,
                });
            }
        }
    }
    const onMissing = check.onMissing ?? "fail";
    if (onMissing !== "fail" && onMissing !== "warn") {
        problems.push({
            path: `${at}.onMissing`,
            message: `got ${describeValue(onMissing)}; expected "fail" or "warn"`,
        });
    }
    return { command: check.command, timeoutSeconds, readyPattern: check.readyPattern, onMissing };
}

/**
 * The check step, and a gate that resolves once the verdict allows the image's outputs (or fails
 * them, naming the missing calls). Reruns when the build's digest or the check changes.
 */
export function createSyscallCheck(
    name: string,
    planned: pulumi.Output<{ digest: string; directory: string; family: string; syscallCheck?: ResolvedSyscallCheck }>,
    built: pulumi.Output<unknown>,
    parent: pulumi.Resource,
): { report: pulumi.Output<KernelReport | undefined>; gate: pulumi.Output<true> } {
    const step = new command.local.Command(
        `${name}-syscalls`,
        {
            // After the build (a program it makes is there then).
            create: pulumi
                .all([planned, built])
                .apply(([p]) =>
                    unikernelCommand(
                        syscallsArgv(
                            p.syscallCheck!.command,
                            p.syscallCheck!.timeoutSeconds,
                            p.syscallCheck!.readyPattern,
                        ),
                    ),
                ),
            dir: planned.apply((p) => path.resolve(p.directory)),
            // Again for a new build, another check, or another version of the tables (this package's).
            triggers: planned.apply((p) => [p.digest, JSON.stringify(p.syscallCheck), packageVersion()]),
        },
        { parent },
    );
    const report = pulumi
        .all([step.stdout, planned])
        .apply(([stdout, p]) => parseSyscallsResult(stdout).kernels.find((k) => k.family === p.family));
    const gate = pulumi.all([report, planned]).apply(async ([k, p]): Promise<true> => {
        const verdict = syscallVerdict(k, p.family, p.syscallCheck!);
        if (verdict.error) throw new pulumi.ResourceError(verdict.error, parent);
        if (verdict.warning) await pulumi.log.warn(verdict.warning, parent);
        return true;
    });
    return { report, gate };
}

/** What a family's answer means for the image: an error (its outputs fail), a warning, or nothing. @internal */
export function syscallVerdict(
    k: KernelReport | undefined,
    family: string,
    check: ResolvedSyscallCheck,
): { error?: string; warning?: string } {
    if (!k)
        return { warning: `syscallCheck: no system call table for the ${family} kernel family; nothing was compared` };
    const blocking = k.missing.filter((call) => !Object.hasOwn(k.tolerated, call));
    if (!blocking.length) {
        return k.stubbed.length
            ? { warning: `syscallCheck: ${k.family} ${k.version} only stubs ${k.stubbed.join(", ")}` }
            : {};
    }
    const message = `syscallCheck: the application makes calls ${k.family} ${k.version} does not have: ${blocking.join(", ")} (coverage ${Math.round(k.coverage * 100)}%; \`unikernel syscalls -- ${check.command.join(" ")}\` shows where)`;
    return check.onMissing === "warn"
        ? { warning: message }
        : { error: `${message}; the image is not used (onMissing: "warn" would use it anyway)` };
}
