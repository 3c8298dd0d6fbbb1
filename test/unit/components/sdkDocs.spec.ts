/** sdk-docs/ is generated from the doc comments by `npm run docs`; it must match what the sources say now. */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..", "..");

function files(dir: string, base = dir): string[] {
    return readdirSync(dir)
        .flatMap((name) => {
            const full = path.join(dir, name);
            return statSync(full).isDirectory() ? files(full, base) : [path.relative(base, full)];
        })
        .sort();
}

describe("sdk-docs", function () {
    this.timeout(120_000);
    it("is up to date with the doc comments (run `npm run docs` after changing them)", () => {
        const out = mkdtempSync(path.join(os.tmpdir(), "sdk-docs-"));
        try {
            execFileSync(
                path.join(ROOT, "node_modules", ".bin", "typedoc"),
                ["--options", "typedoc.json", "--out", out, "--logLevel", "Error"],
                { cwd: ROOT },
            );
            const fresh = files(out);
            assert.deepEqual(files(path.join(ROOT, "sdk-docs")), fresh);
            for (const file of fresh) {
                assert.equal(
                    readFileSync(path.join(ROOT, "sdk-docs", file), "utf8"),
                    readFileSync(path.join(out, file), "utf8"),
                    `sdk-docs/${file} is stale`,
                );
            }
            assert.ok(fresh.includes(path.join("classes", "UnikernelImage.md")));
        } finally {
            rmSync(out, { recursive: true, force: true });
        }
    });
});
