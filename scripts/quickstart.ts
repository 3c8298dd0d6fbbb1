/**
 * The quick start: `pulumi up` of examples/local (the demo unikernel built with make, put on a BIOS
 * disk, run here under QEMU), then the kernel's console line. `--destroy` stops and removes it.
 * The stack lives in a file backend in this checkout (.unikernel/quickstart-state) with a local
 * passphrase, so nothing needs a Pulumi account; set PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE
 * to use your own.
 */
import { mkdirSync, readFileSync } from "fs";
import * as path from "path";
import { ROOT, pulumiEnv, exampleStack } from "./pulumiEngine";

async function main(destroy: boolean): Promise<void> {
    const state = path.join(ROOT, ".unikernel", "quickstart-state");
    const workDir = path.join(ROOT, ".unikernel", "quickstart");
    mkdirSync(state, { recursive: true });
    mkdirSync(workDir, { recursive: true });
    const env = {
        ...pulumiEnv(),
        PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL ?? `file://${state}`,
        PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? "quickstart-local-only",
    };
    Object.assign(process.env, env);
    const stack = await exampleStack("local", "quickstart", env, {}, workDir);
    const onOutput = (text: string) => process.stdout.write(text);
    if (destroy) {
        await stack.destroy({ onOutput });
        process.stdout.write(
            "\n`pulumi` above is the CLI the set-up built: `. .unikernel/pulumi.env` puts it on PATH (./scripts/quickstart --help)\n",
        );
        return;
    }
    const up = await stack.up({ onOutput });
    const consoleLog = up.outputs.consoleLog.value as string;
    // GRUB clears the serial terminal with ANSI sequences before the kernel speaks: drop them.
    const text = readFileSync(consoleLog, "utf8").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    const line = text.split(/\r?\n/).find((l) => l.includes("Hello from"));
    process.stdout.write(`\nconsole (${consoleLog}):\n  ${line ?? "(no demo line yet)"}\n`);
    process.stdout.write(
        [
            "stop it with: ./scripts/quickstart --destroy",
            "the same stack with the Pulumi CLI built here, by hand (./scripts/quickstart --help):",
            "  . .unikernel/pulumi.env",
            `  export PULUMI_BACKEND_URL="${env.PULUMI_BACKEND_URL}" PULUMI_CONFIG_PASSPHRASE=${env.PULUMI_CONFIG_PASSPHRASE === "quickstart-local-only" ? "quickstart-local-only" : "<yours>"}`,
            "  (cd .unikernel/quickstart && pulumi stack output --stack quickstart)",
            "",
        ].join("\n"),
    );
}

main(process.argv.includes("--destroy")).catch((error: Error) => {
    process.stderr.write(`quickstart: ${error.message}\n`);
    process.exit(1);
});
