/**
 * examples/python against the schema its SDK is generated from. The Python language host cannot be
 * built here, so `pulumi package add` and `up` do not run; everything up to that point does: the
 * program compiles under the real python3, and every component, keyword argument, enum member and
 * output it uses exists in schema.json under the name Pulumi's Python codegen gives it.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const PROGRAM = path.join(ROOT, "examples", "python", "__main__.py");

/** What the program uses of the SDK, read with Python's own parser (ast). */
const EXTRACT = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read(), sys.argv[1])
sdk = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names if a.name == "pulumi_unikernel"}
variables, calls, reads, enums = {}, [], [], []
for node in ast.walk(tree):
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
        f = node.value.func
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in sdk:
            for t in node.targets:
                variables[t.id] = f.attr
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id in sdk:
        calls.append({"component": node.func.attr, "keywords": [k.arg for k in node.keywords]})
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name) and node.value.value.id in sdk:
        enums.append({"enum": node.value.attr, "member": node.attr})
for node in ast.walk(tree):
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in variables:
        reads.append({"component": variables[node.value.id], "output": node.attr})
print(json.dumps({"sdk": sorted(sdk), "calls": calls, "reads": reads, "enums": enums}))
`;

interface Used {
    sdk: string[];
    calls: { component: string; keywords: string[] }[];
    reads: { component: string; output: string }[];
    enums: { enum: string; member: string }[];
}

interface Schema {
    name: string;
    resources: Record<string, { inputProperties: Record<string, unknown>; properties: Record<string, unknown> }>;
    types: Record<string, { enum?: { name?: string; value: string }[] }>;
}

/** Pulumi's Python names: camelCase properties in snake_case, enum members in UPPER_SNAKE_CASE. */
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

describe("examples/python against schema.json", () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, "schema.json"), "utf8")) as Schema;
    let used: Used;
    before(() => {
        // Compiled in memory (py_compile would write __pycache__ into the example).
        execFileSync("python3", ["-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", PROGRAM]);
        used = JSON.parse(execFileSync("python3", ["-c", EXTRACT, PROGRAM], { encoding: "utf8" })) as Used;
    });

    it("imports the SDK under the module name the schema gives Python codegen", () => {
        // Without language.python.packageName, codegen would name it "pulumi_" + "pulumi_unikernel".
        const language = (schema as unknown as { language: { python: { packageName: string } } }).language;
        assert.equal(language.python.packageName, "pulumi_unikernel");
        assert.deepEqual(used.sdk, ["unikernel"], "import pulumi_unikernel as unikernel");
    });

    it("constructs only schema components, with keyword arguments that are their inputs", () => {
        assert.ok(used.calls.length >= 2, JSON.stringify(used.calls));
        for (const call of used.calls) {
            const resource = schema.resources[`${schema.name}:index:${call.component}`];
            assert.ok(resource, `${call.component} is a component of the schema`);
            const inputs = new Set(Object.keys(resource.inputProperties).map(snake));
            for (const keyword of call.keywords) {
                assert.ok(
                    inputs.has(keyword),
                    `${call.component}(${keyword}=...) is an input (${[...inputs].join(", ")})`,
                );
            }
        }
    });

    it("reads only outputs the schema declares, and enum members that exist", () => {
        assert.ok(used.reads.length >= 4 && used.enums.length >= 2, JSON.stringify(used));
        for (const read of used.reads) {
            const outputs = Object.keys(schema.resources[`${schema.name}:index:${read.component}`].properties).map(
                snake,
            );
            assert.ok(
                outputs.includes(read.output),
                `${read.component}.${read.output} is an output (${outputs.join(", ")})`,
            );
        }
        for (const { enum: name, member } of used.enums) {
            const type = schema.types[`${schema.name}:index:${name}`];
            assert.ok(type?.enum, `${name} is an enum of the schema`);
            const members = type.enum.map((e) => snake(e.name ?? e.value).toUpperCase());
            assert.ok(members.includes(member), `${name}.${member} is one of ${members.join(", ")}`);
        }
    });

    it("catches a keyword the schema does not have (the check can fail)", () => {
        const inputs = new Set(
            Object.keys(schema.resources[`${schema.name}:index:LocalService`].inputProperties).map(snake),
        );
        assert.ok(inputs.has("disk_path") && !inputs.has("image_digest") && !inputs.has("image_path"));
    });
});
