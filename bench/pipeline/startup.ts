/**
 * Start-up rows: every Pulumi step runs the `unikernel` CLI, and every YAML/Python/Go program starts
 * the component provider; both against `node -e 1`, the cost of any Node.js process.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { explicit, nodeSchema } from "../provider-start";
import { Row, median, medianPair } from "./timing";

const ROOT = path.resolve(__dirname, "..", "..");

export async function startupRows(): Promise<Row[]> {
    const { oursMs: cli, baselineMs: node } = await medianPair(
        () => execFileSync(process.execPath, [path.join(ROOT, "dist", "cli", "main.js"), "--version"]),
        () => execFileSync(process.execPath, ["-e", "1"]),
    );
    const provider = await median(nodeSchema(explicit));
    return [
        {
            step: "`unikernel --version` (CLI start)",
            oursMs: cli,
            baseline: "`node -e 1`",
            baselineMs: node,
            target: 2.5,
        },
        {
            step: "component provider: start, serve the schema",
            oursMs: provider,
            baseline: "`node -e 1`",
            baselineMs: node,
        },
    ];
}
