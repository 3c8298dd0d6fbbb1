/**
 * The Pulumi engine that scripts/setup-pulumi made, for the quick start and the deploy tests: its
 * environment (the CLI built from Go modules, this checkout's PULUMI_HOME, offline settings) and
 * the examples as Automation API inline programs. Inline, the SDK is the language runtime, so no
 * Node.js language host is needed (its Go module is not served here; see scripts/setup-pulumi).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export const ROOT = path.resolve(__dirname, "..");
const ENV_FILE = path.join(ROOT, ".unikernel", "pulumi.env");

/** The environment scripts/setup-pulumi wrote; fails with the fix when it has not run. */
export function pulumiEnv(): Record<string, string> {
    let text: string;
    try {
        text = readFileSync(ENV_FILE, "utf8");
    } catch {
        throw new Error(`${ENV_FILE} is missing: run ./scripts/setup (or ./scripts/setup-pulumi) first`);
    }
    const env: Record<string, string> = {};
    for (const match of text.matchAll(/^export (\w+)="(.*)"$/gm)) {
        env[match[1]] = match[2].replace("$PATH", process.env.PATH ?? "");
    }
    dropCachedSchema(env.PULUMI_HOME);
    return env;
}

/**
 * The engine caches a plugin's schema by name and version, but this package's plugin runs the
 * checkout's live code: after a change to an Args interface, the cached schema would describe the
 * old inputs (YAML then refuses the new ones). Dropping it makes the engine ask the plugin again.
 */
function dropCachedSchema(pulumiHome: string | undefined): void {
    if (!pulumiHome) return;
    const plugins = path.join(pulumiHome, "plugins");
    let names: string[];
    try {
        names = readdirSync(plugins);
    } catch {
        return;
    }
    for (const name of names.filter((n) => /^schema-pulumi-unikernel-.*\.json$/.test(n))) {
        rmSync(path.join(plugins, name), { force: true });
    }
}

/** The CLI scripts/setup-pulumi built (`<root>/bin/pulumi`). */
export async function pulumiCommand(env: Record<string, string>): Promise<PulumiCommand> {
    return PulumiCommand.get({ root: env.UNIKERNEL_PULUMI_ROOT });
}

/**
 * A stack whose program is an example's index.ts, loaded afresh on every run (so each `up` runs the
 * program as `pulumi up` would). `workDir` holds the project and stack settings (a new temporary
 * directory when not given).
 */
export async function exampleStack(
    example: string,
    stackName: string,
    env: Record<string, string>,
    config: ConfigMap = {},
    workDir?: string,
): Promise<Stack> {
    const program = path.join(ROOT, "examples", example, "index.ts");
    const stack = await LocalWorkspace.createOrSelectStack(
        {
            projectName: `unikernel-${example}`,
            stackName,
            program: () => {
                for (const key of Object.keys(require.cache))
                    if (key.startsWith(path.dirname(program) + path.sep)) delete require.cache[key];
                // require, not import(): the cache entries just dropped make it load the program afresh.
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                return Promise.resolve({ ...(require(program) as Record<string, unknown>) });
            },
        },
        {
            workDir: workDir ?? mkdtempSync(path.join(os.tmpdir(), `unikernel-${example}-`)),
            pulumiCommand: await pulumiCommand(env),
            envVars: env,
            projectSettings: { name: `unikernel-${example}`, runtime: "nodejs" },
        },
    );
    await stack.setAllConfig(config);
    return stack;
}
