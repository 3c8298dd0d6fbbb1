/** The `unikernel syscalls` report: the fixed JSON, a text summary and a Markdown table. */
import { SyscallTable, coverageOf } from "../model/syscalls";
import type { KernelReport, SyscallsResult } from "../contract/syscalls";
import { TraceRun } from "./syscallTrace";

/** The result of a trace against each table. */
export function syscallsResult(run: TraceRun, tables: readonly SyscallTable[]): SyscallsResult {
    const { summary } = run;
    const kernels: KernelReport[] = tables.map((table) => ({
        ...coverageOf(summary.counts, table),
        source: table.sources.map((s) => `${s.repository}@${s.ref}`).join(", "),
    }));
    const flagged = new Set(kernels.flatMap((k) => [...k.missing, ...k.stubbed]));
    return {
        exitCode: summary.exit && "code" in summary.exit ? summary.exit.code : null,
        ...(summary.exit && "signal" in summary.exit ? { signal: summary.exit.signal } : {}),
        timedOut: run.timedOut,
        ready: run.ready,
        syscalls: Object.fromEntries(Object.entries(summary.counts).sort(([a], [b]) => a.localeCompare(b))),
        kernels,
        firstCalls: Object.fromEntries(
            Object.entries(summary.firstCall)
                .filter(([name]) => flagged.has(name))
                .sort(([a], [b]) => a.localeCompare(b)),
        ),
        files: summary.files,
        sockets: summary.sockets,
        signals: summary.signals,
        straceVersion: run.straceVersion,
    };
}

/** How the program ended, in words. */
function ending(r: SyscallsResult): string {
    if (r.ready) return "ready (then stopped)";
    if (r.timedOut) return "still running at the time limit (stopped)";
    if (r.exitCode !== null) return `exited ${r.exitCode}`;
    return `killed by ${r.signal ?? "a signal"}`;
}

/** A few lines for a terminal. */
export function syscallsText(r: SyscallsResult): string {
    const distinct = Object.keys(r.syscalls).length;
    const total = Object.values(r.syscalls).reduce((a, b) => a + b, 0);
    const lines = [`${distinct} distinct system calls, ${total} calls; the program ${ending(r)}`];
    for (const k of r.kernels) {
        lines.push(`${k.family} ${k.version}: ${Math.round(k.coverage * 100)}% implemented: ${k.verdict}`);
        const call = (name: string) =>
            `${name} x${r.syscalls[name]}${r.firstCalls[name] ? ` (${r.firstCalls[name]})` : ""}`;
        const blocking = k.missing.filter((name) => !Object.hasOwn(k.tolerated, name));
        if (blocking.length) lines.push(`  missing: ${blocking.map(call).join(", ")}`);
        for (const [name, why] of Object.entries(k.tolerated)) lines.push(`  missing, tolerated: ${name} (${why})`);
        if (k.stubbed.length) lines.push(`  stubbed: ${k.stubbed.map(call).join(", ")}`);
    }
    if (r.files.length) lines.push(`files: ${r.files.slice(0, 20).join(", ")}${r.files.length > 20 ? ", ..." : ""}`);
    if (r.sockets.length) lines.push(`sockets: ${r.sockets.join(", ")}`);
    if (r.signals.length) lines.push(`signals: ${r.signals.join(", ")}`);
    return lines.join("\n");
}

/** A Markdown table: one row per call made, one column per kernel family. */
export function syscallsMarkdown(r: SyscallsResult): string {
    const cell = (k: KernelReport, name: string) =>
        k.stubbed.includes(name)
            ? "stub"
            : k.missing.includes(name)
              ? Object.hasOwn(k.tolerated, name)
                  ? "missing (libc falls back)"
                  : "**missing**"
              : "yes";
    const head = `| call | count | ${r.kernels.map((k) => `${k.family} ${k.version}`).join(" | ")} |`;
    const rule = `|---|---:|${r.kernels.map(() => "---").join("|")}|`;
    const rows = Object.entries(r.syscalls).map(
        ([name, count]) => `| \`${name}\` | ${count} | ${r.kernels.map((k) => cell(k, name)).join(" | ")} |`,
    );
    const verdicts = `| **verdict** | | ${r.kernels.map((k) => `${k.verdict} (${Math.round(k.coverage * 100)}%)`).join(" | ")} |`;
    return [head, rule, ...rows, verdicts].join("\n");
}
