/**
 * bench/pipeline: every local step of the pipeline against its floor, measured side by side in one
 * run, each row with its ratio and, where there is one, the target ratio it must stay under:
 *
 * - start-up: the CLI and the component provider against `node -e 1`;
 * - the content hash of a 100 MB, 2,000-file application against `sha256sum` over the same files;
 * - the disk build against its bare steps, and each conversion against the bare tool plus one
 *   SHA-256 of its output (the demo disk and a 1 GiB sparse disk);
 * - what an EBS direct upload sends, and its throughput by concurrency against moto on loopback.
 *
 * Needs `npm run build` (the CLI rows run dist/). Medians of RUNS runs (default 5). Prints Markdown.
 */
import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { contentHashRows } from "./pipeline/contentHash";
import { diskRows } from "./pipeline/conversions";
import { startupRows } from "./pipeline/startup";
import { RUNS, table } from "./pipeline/timing";
import { sentTable, throughputTable } from "./pipeline/upload";

async function main(): Promise<void> {
    const work = mkdtempSync(path.join(os.tmpdir(), "bench-pipeline-"));
    try {
        const rows = [...(await startupRows()), ...(await contentHashRows(work))];
        const disks = await diskRows(work);
        rows.push(...disks.rows);
        const sent = await sentTable([
            ["demo disk (9 MiB)", disks.small],
            ["1 GiB sparse disk", disks.big],
        ]);
        const throughput = await throughputTable(work);
        console.log(
            `Pipeline benchmark: median of ${RUNS} runs, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "unknown"}), ${new Date().toISOString().slice(0, 10)}`,
        );
        console.log("");
        console.log(table(rows));
        console.log("");
        console.log(sent);
        console.log("");
        console.log("EBS direct upload of a 64 MiB disk of random data to moto on loopback (median of 3):");
        console.log("");
        console.log(throughput);
    } finally {
        rmSync(work, { recursive: true, force: true });
    }
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
