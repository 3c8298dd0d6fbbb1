/** The component provider schema, inferred in-process, equals the reviewed copy in schema.json. */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import { ROOT, generateSchema, providerName } from "../../../scripts/schema";

describe("component provider schema", function () {
    this.timeout(120_000);
    let generated: string;
    before(async () => {
        generated = await generateSchema();
    });

    it("matches the reviewed schema.json (run `npm run schema` and review the diff after an API change)", () => {
        assert.equal(generated, readFileSync(path.join(ROOT, "schema.json"), "utf8"));
    });

    it("has every component under the pulumi-unikernel:index module (the name run-plugin derives from package.json), with enums and documented inputs", () => {
        const schema = JSON.parse(generated);
        assert.equal(schema.name, "pulumi-unikernel");
        assert.equal(schema.name, providerName());
        assert.deepEqual(Object.keys(schema.resources).sort(), [
            "pulumi-unikernel:index:AwsImage",
            "pulumi-unikernel:index:AwsService",
            "pulumi-unikernel:index:GcpImage",
            "pulumi-unikernel:index:GcpService",
            "pulumi-unikernel:index:LocalService",
            "pulumi-unikernel:index:PrivateHostService",
            "pulumi-unikernel:index:UnikernelImage",
        ]);
        assert.deepEqual(
            schema.types["pulumi-unikernel:index:Engine"].enum.map((e: { value: string }) => e.value),
            ["kraft", "ops", "make", "prebuilt"],
        );
        for (const [token, resource] of Object.entries<any>(schema.resources)) {
            assert.ok(resource.isComponent, token);
            for (const [name, property] of Object.entries<any>(resource.inputProperties)) {
                assert.ok(property.description, `${token}.${name} has no description`);
                // The analyzer turns TSDoc {@link} into "[object Object]": property docs must not use it.
                assert.doesNotMatch(property.description, /\[object Object\]/, `${token}.${name}`);
            }
        }
        assert.deepEqual(schema.resources["pulumi-unikernel:index:PrivateHostService"].requiredInputs.sort(), [
            "digest",
            "host",
            "hostKey",
            "privateKey",
        ]);
    });
});
