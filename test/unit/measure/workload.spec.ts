/** The request loop on its own: percentiles from a real local server, and a port nobody answers on. */
import { strict as assert } from "assert";
import * as http from "http";
import { freeLocalPort, runWorkload } from "../../../src/measure/workload";

describe("runWorkload", () => {
    it("times each answered request and gives ordered percentiles", async () => {
        const server = http.createServer((_, res) => res.end("ok"));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const { port } = server.address() as { port: number };
            const w = await runWorkload(port, 30);
            assert.equal(w.errors, 0);
            assert.equal(w.abandoned, false);
            const l = w.latencyMs!;
            assert.ok(
                l.min > 0 && l.min <= l.median && l.median <= l.p90 && l.p90 <= l.p99 && l.p99 <= l.max,
                JSON.stringify(l),
            );
            assert.ok(w.requestsPerSecond > 0);
        } finally {
            server.close();
        }
    });

    it("gives up after failures in a row, with no latency rather than NaN", async () => {
        const w = await runWorkload(await freeLocalPort(), 1000);
        assert.equal(w.abandoned, true);
        assert.equal(w.errors, 1000, "the requests never sent count as errors");
        assert.equal(w.latencyMs, null);
        assert.equal(JSON.stringify(w).includes("null"), true);
        assert.equal(Number.isNaN(w.requestsPerSecond), false);
    });
});
