/**
 * Progress for long steps (disk making, conversions, uploads): one line on stderr rewritten each
 * second with the time spent, only on a terminal. With --json, when stderr is a file or a pipe,
 * or under CI (the CI variable every CI service sets), nothing is printed: logs stay clean.
 */
import { CliIo } from "./output";

/** True when progress may be drawn: a terminal on stderr, not --json, not CI. */
export function progressWanted(json: boolean): boolean {
    return !json && process.stderr.isTTY && !process.env.CI;
}

/** Runs `body`, drawing `label … N s` after the first second while it runs, then clearing the line. */
export async function withProgress<T>(io: CliIo, json: boolean, label: string, body: () => Promise<T>): Promise<T> {
    if (!progressWanted(json)) return body();
    const started = Date.now();
    let drawn = false;
    const timer = setInterval(() => {
        drawn = true;
        io.err(`\r${label} ${Math.round((Date.now() - started) / 1000)} s\x1b[K`);
    }, 1000);
    try {
        return await body();
    } finally {
        clearInterval(timer);
        if (drawn) io.err("\r\x1b[K");
    }
}
