/**
 * Writes schema.json: the component provider schema inferred from src/index.ts by Pulumi's own
 * analyzer (the one `pulumi package get-schema` runs). The reviewed copy lives in the repository,
 * so an API change shows as a diff; test/unit/components/schema.spec.ts fails when they differ.
 */
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { ComponentProvider, getPulumiComponents } from "@pulumi/pulumi/provider/experimental";

export const ROOT = path.resolve(__dirname, "..");

/**
 * The provider name, derived from package.json's name exactly as @pulumi/pulumi's run-plugin (what
 * the Node.js language host runs for `pulumi package add/get-schema`) derives it: an npm scope is
 * dropped, other characters outside [-a-zA-Z0-9_] become "-". Component type tokens must use it.
 */
export function providerName(): string {
    const { name } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string };
    return name.replace(/^@.*?\//, "").replace(/[^-a-zA-Z0-9_]/g, "-");
}

/** The schema as the provider would report it, pretty-printed. */
export async function generateSchema(): Promise<string> {
    const components = getPulumiComponents(await import(path.join(ROOT, "src", "index")));
    const schema = JSON.parse(
        await new ComponentProvider({ components, name: providerName(), dirname: ROOT }).getSchema(),
    ) as { language?: Record<string, Record<string, unknown>> };
    // Python codegen names the module "pulumi_" + the package name, which would be
    // pulumi_pulumi_unikernel; name it as the npm package reads. (The provider serves this file as is.)
    schema.language = { ...schema.language, python: { ...schema.language?.python, packageName: "pulumi_unikernel" } };
    return `${JSON.stringify(schema, null, 2)}\n`;
}

if (require.main === module) {
    generateSchema().then(
        (text) => {
            writeFileSync(path.join(ROOT, "schema.json"), text);
            process.stdout.write(`wrote ${path.join(ROOT, "schema.json")}\n`);
        },
        (error) => {
            process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
            process.exitCode = 1;
        },
    );
}
