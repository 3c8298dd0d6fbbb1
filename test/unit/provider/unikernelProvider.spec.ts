/**
 * The explicit component provider under mocks: it serves schema.json byte for byte, constructs
 * each component by its type token with the schema's outputs, and refuses what it does not know.
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { construct } from "../../helpers/componentHarness";
import { unwrap } from "../../helpers/mocks";
import type { UnikernelProvider as ProviderClass } from "../../../src/provider/unikernelProvider";

// Loaded after the mocks (through the harness), as the components must see them.
const { UnikernelProvider, parseProviderSchema } =
    require("../../../src/provider/unikernelProvider") as typeof import("../../../src/provider/unikernelProvider");

const SCHEMA_TEXT = readFileSync(path.join(__dirname, "..", "..", "..", "schema.json"), "utf8");

describe("UnikernelProvider", () => {
    let provider: ProviderClass;
    before(() => {
        provider = new UnikernelProvider(SCHEMA_TEXT);
    });

    it("serves the reviewed schema.json as is, with its version", async () => {
        assert.equal(await provider.getSchema(), SCHEMA_TEXT);
        const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8")) as {
            version: string;
        };
        assert.equal(provider.version, pkg.version);
    });

    it("constructs a component by type token and returns the schema's outputs", async () => {
        const { component } = await construct(() =>
            provider.construct(
                "hello",
                "pulumi-unikernel:index:LocalService",
                { diskPath: "/cache/disks/app.img", digest: "7".repeat(64), ports: [{ port: 8080 }] },
                {},
            ),
        );
        const result = await component;
        const outputs = Object.keys(
            (JSON.parse(SCHEMA_TEXT) as { resources: Record<string, { properties: object }> }).resources[
                "pulumi-unikernel:index:LocalService"
            ].properties,
        );
        assert.deepEqual(Object.keys(result.state).sort(), outputs.sort());
        assert.deepEqual(await unwrap(result.state.urls as never), ["http://127.0.0.1:8080"]);
        assert.match(await unwrap(result.urn), /LocalService::hello$/);
    });

    it("gives a component's input errors to the caller, as a program would get them", async () => {
        await assert.rejects(
            () => provider.construct("bad", "pulumi-unikernel:index:LocalService", { digest: "1" }, {}),
            (e: Error) => /diskPath/.test(e.message),
        );
    });

    it("refuses a relative path input, which would name a file in the provider's directory", async () => {
        await assert.rejects(
            provider.construct("rel", "pulumi-unikernel:index:UnikernelImage", { directory: "../hello-kernel" }, {}),
            /UnikernelImage\.directory: got "\.\.\/hello-kernel", a relative path.*\$\{pulumi\.cwd\}\/\.\.\/hello-kernel/,
        );
        await assert.rejects(
            provider.construct("rel", "pulumi-unikernel:index:LocalService", { diskPath: "d.img", digest: "1" }, {}),
            /LocalService\.diskPath: got "d\.img", a relative path/,
        );
    });

    it("refuses an unknown type token, and a schema naming a class it cannot construct", async () => {
        await assert.rejects(
            provider.construct("x", "pulumi-unikernel:index:Nope", {}, {}),
            /unknown resource type "pulumi-unikernel:index:Nope"/,
        );
        await assert.rejects(provider.construct("x", "other:index:LocalService", {}, {}), /unknown resource type/);
        const schema = JSON.parse(SCHEMA_TEXT) as { resources: Record<string, unknown> };
        schema.resources["pulumi-unikernel:index:Extra"] = { properties: {} };
        assert.throws(
            () => parseProviderSchema(JSON.stringify(schema)),
            /names pulumi-unikernel:index:Extra, which the provider does not construct/,
        );
        assert.throws(() => parseProviderSchema("{}"), /npm run schema/);
    });
});
