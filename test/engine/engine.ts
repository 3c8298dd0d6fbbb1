/**
 * The real Pulumi engine for tests: the CLI that scripts/setup-engine built from Go modules, a file
 * backend in a temporary directory, and the examples run as Automation API inline programs (the SDK
 * is then the language runtime, so no Node.js language host is needed; see scripts/setup-engine).
 * These tests run in a mocha process of their own (test/engine/.mocharc.json): the unit tests'
 * `setMocks` and a real deployment must not share @pulumi/pulumi's global runtime state.
 */
import { spawnSync } from "child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "..", "..");
const ENV_FILE = path.join(ROOT, ".unikernel", "engine.env");

/** The environment scripts/setup-engine wrote; fails with the fix when it has not run. */
export function engineEnv(): Record<string, string> {
    let text: string;
    try {
        text = readFileSync(ENV_FILE, "utf8");
    } catch {
        throw new Error(`${ENV_FILE} is missing: run ./scripts/setup (or ./scripts/setup-engine) first`);
    }
    const env: Record<string, string> = {};
    for (const match of text.matchAll(/^export (\w+)="(.*)"$/gm)) {
        env[match[1]] = match[2].replace("$PATH", process.env.PATH ?? "");
    }
    return env;
}

/** A throw-away file backend and passphrase, plus the engine environment, in this process's env. */
export function useEngine(): { backend: string; env: Record<string, string>; cleanup: () => void } {
    const backend = mkdtempSync(path.join(os.tmpdir(), "unikernel-backend-"));
    const env = {
        ...engineEnv(),
        PULUMI_BACKEND_URL: `file://${backend}`,
        PULUMI_CONFIG_PASSPHRASE: "engine-tests",
    };
    const saved = { ...process.env };
    // The inline program runs in this process and the providers inherit the CLI's environment.
    Object.assign(process.env, env);
    return {
        backend, env,
        cleanup: () => {
            for (const key of Object.keys(env)) delete process.env[key];
            Object.assign(process.env, saved);
            rmSync(backend, { recursive: true, force: true });
        },
    };
}

/** The CLI scripts/setup-engine built (`<root>/bin/pulumi`). */
export async function pulumiCommand(env: Record<string, string>): Promise<PulumiCommand> {
    return PulumiCommand.get({ root: env.UNIKERNEL_ENGINE_ROOT });
}

/**
 * A stack whose program is an example's index.ts, loaded afresh on every run (so each `up` runs the
 * program as `pulumi up` would), with its own work directory.
 */
export async function exampleStack(example: string, stackName: string, env: Record<string, string>, config: ConfigMap = {}): Promise<Stack> {
    const program = path.join(ROOT, "examples", example, "index.ts");
    const workDir = mkdtempSync(path.join(os.tmpdir(), `unikernel-${example}-`));
    const stack = await LocalWorkspace.createOrSelectStack({
        projectName: `unikernel-${example}`,
        stackName,
        program: async () => {
            for (const key of Object.keys(require.cache)) if (key.startsWith(path.dirname(program) + path.sep)) delete require.cache[key];
            // eslint-disable-next-line @typescript-eslint/no-var-requires
            return { ...require(program) };
        },
    }, {
        workDir, pulumiCommand: await pulumiCommand(env), envVars: env,
        projectSettings: { name: `unikernel-${example}`, runtime: "nodejs" },
    });
    await stack.setAllConfig(config);
    return stack;
}

/** True while the process lives. */
export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** The pulumi CLI with the engine environment, synchronously (for `package get-schema` and the like). */
export function pulumi(args: string[], env: Record<string, string>, cwd = ROOT) {
    return spawnSync(path.join(env.UNIKERNEL_ENGINE_ROOT, "bin", "pulumi"), args, { cwd, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}
