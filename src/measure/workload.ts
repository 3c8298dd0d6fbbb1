/**
 * A request loop against a guest that serves HTTP (through QEMU's forwarded port): N sequential
 * GET / requests, each on a new connection, timed from the request to the last byte of the answer.
 * Sequential on purpose: it measures what one client sees (latency), not what the host can push.
 */
import * as http from "http";
import * as net from "net";
import type { Stats } from "./bench";

/** A request's whole answer must come within this. */
const REQUEST_DEADLINE_MS = 10_000;
/** Failures in a row after which the guest is taken to have stopped answering. */
const FAILURES_IN_A_ROW = 5;

/** What the loop saw. */
export interface WorkloadResult {
    requests: number;
    /** Requests that failed (no whole answer within 10 s, a connection error, or a status of 500 or more). */
    errors: number;
    /** Latency of the answered requests, ms; null when none was answered. */
    latencyMs: (Stats & { p90: number; p99: number }) | null;
    /** True when the loop gave up after failures in a row (a guest that stopped answering). */
    abandoned: boolean;
    requestsPerSecond: number;
}

/** A TCP port on 127.0.0.1 nobody listens on now (the forward's host side). */
export function freeLocalPort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const { port } = server.address() as net.AddressInfo;
            server.close(() => resolve(port));
        });
    });
}

/** Runs `requests` sequential GETs to http://127.0.0.1:`port`/. */
export async function runWorkload(port: number, requests: number): Promise<WorkloadResult> {
    const latencies: number[] = [];
    let errors = 0;
    let inARow = 0;
    let abandoned = false;
    const started = process.hrtime.bigint();
    for (let i = 0; i < requests; i++) {
        const t0 = process.hrtime.bigint();
        const ok = await new Promise<boolean>((resolve) => {
            const request = http.get({ host: "127.0.0.1", port, path: "/", agent: false }, (res) => {
                res.resume();
                res.once("end", () => resolve((res.statusCode ?? 500) < 500));
                res.once("error", () => resolve(false));
            });
            // A deadline for the whole answer, not an idle timeout a trickling guest could keep resetting.
            const deadline = setTimeout(() => request.destroy(new Error("no answer within 10 s")), REQUEST_DEADLINE_MS);
            request.once("close", () => clearTimeout(deadline));
            request.once("error", () => resolve(false));
        });
        if (ok) {
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            inARow = 0;
        } else {
            errors++;
            if (++inARow >= FAILURES_IN_A_ROW) {
                abandoned = true;
                errors += requests - i - 1; // the rest were never sent
                break;
            }
        }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const sorted = [...latencies].sort((a, b) => a - b);
    const percentile = (p: number) =>
        sorted.length
            ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] * 10) / 10
            : NaN;
    const round = (v: number) => Math.round(v * 10) / 10;
    return {
        requests,
        errors,
        abandoned,
        latencyMs: sorted.length
            ? {
                  median: percentile(50),
                  min: round(sorted[0]),
                  max: round(sorted[sorted.length - 1]),
                  p90: percentile(90),
                  p99: percentile(99),
              }
            : null,
        requestsPerSecond: Math.round(((requests - errors) / seconds) * 10) / 10,
    };
}
