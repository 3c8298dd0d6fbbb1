/**
 * The corpus: Kraftfiles and ops configs written after the shapes of real ones (the Unikraft
 * catalog's runtime images and library apps, app-* repositories, elfloader apps, v0.5-era files,
 * NanoVMs examples for every cloud), each with its expected verdict, the paths of its problems and
 * warnings, and for many the application it must read as. Every valid file must survive a round
 * trip through the writer.
 */
import { strict as assert } from "assert";
import { readFileSync } from "fs";
import * as path from "path";
import {
    Application,
    applicationFromOpsConfig,
    emitKraftfile,
    emitOpsConfig,
    parseKraftfile,
    parseOpsConfig,
} from "../../../src/model";

const CORPUS = path.resolve(__dirname, "..", "..", "fixtures", "corpus");

interface Expectation {
    valid: boolean;
    problems: string[];
    warnings: string[];
    /** Fields the application must have (for ops: env, memory, libraries). */
    model?: Partial<Application>;
}

const expectations = JSON.parse(readFileSync(path.join(CORPUS, "expectations.json"), "utf8")) as Record<
    string,
    Expectation
>;

describe("the Kraftfile and ops config corpus", () => {
    it("has at least 150 files, Kraftfiles and ops configs both", () => {
        const files = Object.keys(expectations);
        assert.ok(files.length >= 150, `${files.length} files`);
        assert.ok(files.filter((f) => f.startsWith("kraftfiles/")).length >= 100);
        assert.ok(files.filter((f) => f.startsWith("ops/")).length >= 40);
    });

    for (const [file, expected] of Object.entries(expectations)) {
        it(`${file}: ${expected.valid ? "valid" : "invalid"}${expected.warnings.length ? `, warnings at ${expected.warnings.join(", ")}` : ""}`, () => {
            const text = readFileSync(path.join(CORPUS, file), "utf8");
            const kraftfile = file.startsWith("kraftfiles/");
            const parsed = kraftfile
                ? parseKraftfile(text, { file, defaultName: "from-dir" })
                : parseOpsConfig(text, file);
            const shown = JSON.stringify({ problems: parsed.problems, warnings: parsed.warnings }, null, 2);
            assert.equal(parsed.value !== undefined, expected.valid, shown);
            assert.deepEqual(parsed.problems.map((p) => p.path).sort(), [...expected.problems].sort(), shown);
            assert.deepEqual(parsed.warnings.map((w) => w.path).sort(), [...expected.warnings].sort(), shown);
            for (const finding of [...parsed.problems, ...parsed.warnings]) {
                assert.equal(finding.file, file);
                assert.ok(finding.message.length > 10, finding.message);
            }
            if (!parsed.value) return;
            const app = kraftfile
                ? (parsed.value as { application: Application }).application
                : applicationFromOpsConfig(parsed.value as Parameters<typeof applicationFromOpsConfig>[0], "from-dir")
                      .value!;
            for (const [key, value] of Object.entries(expected.model ?? {})) {
                assert.deepEqual(app[key as keyof Application], value, `application.${key}`);
            }
            // Round trip: what the writer makes reads back as the same value, with no new finding.
            if (kraftfile) {
                const value = parsed.value as Parameters<typeof emitKraftfile>[0];
                const again = parseKraftfile(emitKraftfile(value), { defaultName: "from-dir" });
                assert.deepEqual(again.problems, [], emitKraftfile(value));
                assert.deepEqual(again.value, parsed.value, emitKraftfile(value));
            } else {
                const value = parsed.value as Parameters<typeof emitOpsConfig>[0];
                const again = parseOpsConfig(emitOpsConfig(value));
                assert.deepEqual(again.problems, []);
                assert.deepEqual(again.warnings, [], "written back in ops's own spelling");
                assert.deepEqual(again.value, parsed.value);
            }
        });
    }
});
