/**
 * The GitOps example's workflow, checked by actionlint (built from Go modules by ./scripts/setup):
 * syntax, expressions, job dependencies, and shell scripts in `run:`. Its pipeline is run end to end
 * in test/deploy/gitops.spec.ts.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../../helpers/demoKernel";

export const ACTIONLINT = path.join(os.homedir(), ".cache", "pulumi-unikernel", "actionlint-v1.7.12", "actionlint");
const WORKFLOW = path.join(ROOT, "examples", "gitops", ".github", "workflows", "unikernel.yml");

describe("examples/gitops workflow", () => {
    it("passes actionlint", () => {
        assert.ok(existsSync(ACTIONLINT), `${ACTIONLINT} is missing: ./scripts/setup builds it`);
        const run = spawnSync(ACTIONLINT, ["-no-color", WORKFLOW], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stdout + run.stderr);
    });

    it("gives untrusted values to scripts through the environment, never spliced into them", () => {
        const text = readFileSync(WORKFLOW, "utf8");
        const runs = [...text.matchAll(/^\s+run: (.*)$/gm)].map((m) => m[1]);
        assert.ok(runs.length > 5);
        for (const line of runs) assert.doesNotMatch(line, /\$\{\{/, line);
        assert.match(text, /pulumi\/actions@v6/);
        assert.match(text, /comment-on-pr: true/);
    });

    it("is caught by actionlint when broken (the check can fail)", () => {
        const broken = readFileSync(WORKFLOW, "utf8").replace("needs: build\n", "needs: no-such-job\n");
        const run = spawnSync(ACTIONLINT, ["-no-color", "-"], { input: broken, encoding: "utf8" });
        assert.notEqual(run.status, 0);
        assert.match(run.stdout, /no-such-job/);
    });
});
