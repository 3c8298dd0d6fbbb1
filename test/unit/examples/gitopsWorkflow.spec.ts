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
import { parse } from "yaml";
import { ROOT } from "../../helpers/demoKernel";

export const ACTIONLINT = path.join(os.homedir(), ".cache", "pulumi-unikernel", "actionlint-v1.7.12", "actionlint");
const WORKFLOW = path.join(ROOT, "examples", "gitops", ".github", "workflows", "unikernel.yml");

describe("examples/gitops workflow", () => {
    it("passes actionlint", () => {
        assert.ok(existsSync(ACTIONLINT), `${ACTIONLINT} is missing: ./scripts/setup builds it`);
        const run = spawnSync(ACTIONLINT, ["-no-color", WORKFLOW], { encoding: "utf8" });
        assert.equal(run.status, 0, run.stdout + run.stderr);
    });

    it("gives values to scripts through the environment, never spliced into them; pushes only from main", () => {
        const workflow = parse(readFileSync(WORKFLOW, "utf8")) as {
            jobs: Record<
                string,
                {
                    permissions?: Record<string, string>;
                    env?: Record<string, string>;
                    steps: { run?: string; uses?: string; with?: Record<string, unknown> }[];
                }
            >;
        };
        const runs = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((s) => (s.run ? [s.run] : [])));
        assert.ok(runs.length > 10);
        for (const run of runs) assert.doesNotMatch(run, /\$\{\{/, run);
        const writers = Object.entries(workflow.jobs).filter(([, job]) => job.permissions?.packages === "write");
        assert.deepEqual(
            writers.map(([name]) => name),
            ["build"],
            "only main's build can push to the registry",
        );
        assert.equal(workflow.jobs["pull-request"].env?.REGISTRY_PULL_ONLY, "1");
        const preview = workflow.jobs["pull-request"].steps.find((s) => s.uses === "pulumi/actions@v6");
        assert.equal(preview?.with?.command, "preview");
        assert.equal(preview?.with?.["comment-on-pr"], true);
    });

    it("is caught by actionlint when broken (the check can fail)", () => {
        const broken = readFileSync(WORKFLOW, "utf8").replace("needs: build\n", "needs: no-such-job\n");
        const run = spawnSync(ACTIONLINT, ["-no-color", "-"], { input: broken, encoding: "utf8" });
        assert.notEqual(run.status, 0);
        assert.match(run.stdout, /no-such-job/);
    });
});
