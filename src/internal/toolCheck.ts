/**
 * External tool checks: before any run, make sure the tool is on PATH and new enough, and say
 * exactly what is wrong otherwise: the tool, the minimum version, the version found, how to
 * install it (as pulumi-eks:nodejs/eks/dependencies.ts does for kubectl and aws).
 */
import { UnikernelError } from "../model";
import { runTool } from "./exec";

/** What one tool must be. */
export interface ToolRequirement {
    /** Command name looked up on PATH. */
    command: string;
    /** Arguments that make it print its version. */
    versionArgs: readonly string[];
    /** First capture group is the version number. */
    versionPattern: RegExp;
    /** Oldest version known to work, dotted numbers. */
    minimum: string;
    /** How to install or upgrade it, with a link. */
    install: string;
}

/** A tool that is missing or too old. */
export class ToolCheckError extends UnikernelError {
    constructor(
        public readonly tool: string,
        public readonly minimum: string,
        public readonly found: string | undefined,
        public readonly install: string,
    ) {
        super(`${tool} ${minimum} or newer is required; found ${found ?? "none (not on PATH)"}. ${install}`);
    }
}

const checked = new Map<string, Promise<string>>();

/**
 * Checks a tool once per process and PATH, and resolves to its version. Later calls reuse the
 * answer, so checking before every step costs nothing.
 */
export function checkTool(requirement: ToolRequirement): Promise<string> {
    const key = `${requirement.command}\0${process.env.PATH ?? ""}`;
    let pending = checked.get(key);
    if (!pending) {
        pending = probe(requirement);
        checked.set(key, pending);
        pending.catch(() => checked.delete(key));
    }
    return pending;
}

async function probe(requirement: ToolRequirement): Promise<string> {
    let output: string;
    try {
        const run = await runTool(requirement.command, requirement.versionArgs, { timeoutMs: 30_000 });
        output = `${run.stdout}\n${run.stderr}`;
    } catch (error) {
        const failure = error as { exitCode?: number | null; tail?: string };
        // A tool that prints its version and exits non-zero still tells us its version.
        if (failure.exitCode === null || failure.exitCode === undefined || !failure.tail) {
            throw new ToolCheckError(requirement.command, requirement.minimum, undefined, requirement.install);
        }
        output = failure.tail;
    }
    const version = requirement.versionPattern.exec(output)?.[1];
    if (!version) {
        const first = output.trim().split("\n")[0] ?? "";
        throw new ToolCheckError(
            requirement.command,
            requirement.minimum,
            `an unrecognized version ("${first.slice(0, 60)}")`,
            requirement.install,
        );
    }
    if (compareVersions(version, requirement.minimum) < 0) {
        throw new ToolCheckError(requirement.command, requirement.minimum, version, requirement.install);
    }
    return version;
}

/** Compares dotted version numbers numerically: 2.10 > 2.9. */
export function compareVersions(a: string, b: string): number {
    const pa = a.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
    const pb = b.split(/[.+-]/).map((x) => parseInt(x, 10) || 0);
    for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
        const d = (pa[i] ?? 0) - (pb[i] ?? 0);
        if (d !== 0) return d;
    }
    return 0;
}
