/**
 * bench/provider-start: what a Python, Go, .NET or YAML program pays each time the engine starts
 * this package's component provider and asks for its schema, in fresh processes, side by side:
 *
 * - `node -e 1`: the floor, a Node.js process that does nothing;
 * - the explicit provider (src/provider, what the plugin runs now): load it and serve schema.json;
 * - Pulumi's source-based host (what the plugin ran before): load the package and infer the schema
 *   with the TypeScript analyzer, as run-plugin's ComponentProvider does on GetSchema;
 * - `pulumi package get-schema pulumi-unikernel` end to end through the engine, when
 *   scripts/setup-pulumi has run (engine start, plugin launch, GetSchema).
 *
 * Needs `npm run build` (it loads dist/). Medians of RUNS runs (default 5). Prints a Markdown table.
 */
import { execFileSync } from "child_process";
import { existsSync } from "fs";
import * as os from "os";
import * as path from "path";
import { pulumiEnv } from "../scripts/pulumiEngine";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.RUNS ?? 5);

function median(body: () => void): number {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        const start = process.hrtime.bigint();
        body();
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)];
}

/** Runs a script in a fresh node and checks it printed a schema of the package. */
export function nodeSchema(script: string): () => void {
    return () => {
        const out = execFileSync(process.execPath, ["-e", script], {
            cwd: ROOT,
            maxBuffer: 64 * 1024 * 1024,
        }).toString();
        if (!out.includes('"pulumi-unikernel:index:UnikernelImage"'))
            throw new Error(`no schema printed: ${out.slice(0, 200)}`);
    };
}

/** What the plugin does on start for a schema request: load the provider server, serve schema.json. */
export const explicit = `
require("@pulumi/pulumi/provider"); // what src/provider/main.ts loads to serve
const { UnikernelProvider } = require("./dist/provider/unikernelProvider");
const p = new UnikernelProvider(require("fs").readFileSync("schema.json", "utf8"));
p.getSchema().then((s) => process.stdout.write(s));`;

const sourceBased = `
const { ComponentProvider, getPulumiComponents } = require("@pulumi/pulumi/provider/experimental");
const components = getPulumiComponents(require("./dist/index.js"));
new ComponentProvider({ components, name: "pulumi-unikernel", dirname: process.cwd() }).getSchema().then((s) => process.stdout.write(s));`;

function main(): void {
    if (!existsSync(path.join(ROOT, "dist", "provider", "unikernelProvider.js"))) {
        throw new Error("dist/ is missing or old: run `npm run build` first");
    }
    const floor = median(() => execFileSync(process.execPath, ["-e", "1"]));
    const rows: [string, number][] = [
        ["`node -e 1` (floor)", floor],
        ["explicit provider: load, serve schema.json", median(nodeSchema(explicit))],
        ["source-based host: load, infer the schema", median(nodeSchema(sourceBased))],
    ];
    if (existsSync(path.join(ROOT, ".unikernel", "pulumi.env"))) {
        const env = { ...process.env, ...pulumiEnv() };
        const pulumi = path.join(env.UNIKERNEL_PULUMI_ROOT ?? "", "bin", "pulumi");
        rows.push([
            "`pulumi package get-schema pulumi-unikernel` (engine + plugin)",
            median(() =>
                execFileSync(pulumi, ["package", "get-schema", "pulumi-unikernel"], {
                    env,
                    cwd: os.tmpdir(),
                    maxBuffer: 64 * 1024 * 1024,
                }),
            ),
        ]);
        rows.push(["`pulumi version` (the engine alone)", median(() => execFileSync(pulumi, ["version"], { env }))]);
    }
    console.log(`Component provider start, medians of ${RUNS} runs on this machine:\n`);
    console.log("| step | ms | x floor |");
    console.log("| --- | ---: | ---: |");
    for (const [label, ms] of rows) console.log(`| ${label} | ${ms.toFixed(0)} | ${(ms / floor).toFixed(1)} |`);
}

if (require.main === module) main();
