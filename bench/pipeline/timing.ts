/** Timing and table rows shared by the pipeline benchmark's sections. */

/** Runs per measurement: RUNS (default 5). */
export const RUNS = Number(process.env.RUNS ?? 5);

/** Wall time of one run of `body(i)`, in ms. */
async function timed(body: (i: number) => unknown, i: number): Promise<number> {
    const start = process.hrtime.bigint();
    await body(i);
    return Number(process.hrtime.bigint() - start) / 1e6;
}

function middle(times: number[]): number {
    return [...times].sort((x, y) => x - y)[Math.floor(times.length / 2)];
}

/** The median wall time of `runs` runs of `body`, in ms. `body(i)` gets the run's index. */
export async function median(body: (i: number) => unknown, runs = RUNS): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await timed(body, i));
    return middle(times);
}

/**
 * Medians of `ours` and `baseline` run in turn (so a machine that slows down mid-run slows both):
 * RUNS pairs, or three times as many when a pair takes under 200 ms (noise is larger there).
 */
export async function medianPair(
    ours: (i: number) => unknown,
    baseline: (i: number) => unknown,
): Promise<{ oursMs: number; baselineMs: number }> {
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < RUNS * (i > 0 && a[0] + b[0] < 200 ? 3 : 1); i++) {
        a.push(await timed(ours, i));
        b.push(await timed(baseline, i));
    }
    return { oursMs: middle(a), baselineMs: middle(b) };
}

/** One row: what we do, against the baseline measured in the same run, and the target ratio if there is one. */
export interface Row {
    step: string;
    oursMs: number;
    baseline: string;
    baselineMs: number;
    /** The ratio ours/baseline must stay at or under. */
    target?: number;
}

/** The rows as a Markdown table, with the ratio and whether the target is met. */
export function table(rows: readonly Row[]): string {
    const lines = [
        "| step | ours (ms) | baseline | baseline (ms) | ours / baseline | target |",
        "|---|---:|---|---:|---:|---|",
    ];
    for (const r of rows) {
        const ratio = r.oursMs / r.baselineMs;
        const target = r.target === undefined ? "" : `<= ${r.target}x ${ratio <= r.target ? "met" : "**missed**"}`;
        lines.push(
            `| ${r.step} | ${r.oursMs.toFixed(0)} | ${r.baseline} | ${r.baselineMs.toFixed(0)} | ${ratio.toFixed(2)}x | ${target} |`,
        );
    }
    return lines.join("\n");
}
