/**
 * The plugin's entry point: package.json's `main`, which Pulumi's Node.js plugin runner
 * (run-plugin) loads from the package directory. Programs that import the package resolve
 * `exports["."]` (dist/index.js) instead, so they never start a provider.
 *
 * run-plugin calls an exported function and keeps the process for the provider's gRPC server.
 */
import { readFileSync } from "fs";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import { UnikernelProvider } from "./unikernelProvider";

/** schema.json beside package.json: the package root is two levels above dist/provider/. */
const SCHEMA_PATH = path.join(__dirname, "..", "..", "schema.json");

function serve(): Promise<void> {
    return provider.main(new UnikernelProvider(readFileSync(SCHEMA_PATH, "utf8")), process.argv.slice(2));
}

export = serve;
