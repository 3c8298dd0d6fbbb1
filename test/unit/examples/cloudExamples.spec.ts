/**
 * The cloud examples run as programs under mocks (no test reaches a cloud): each is loaded the way
 * `pulumi up` loads it, through the package name, and its stack outputs are checked.
 */
import { strict as assert } from "assert";
import { copyFileSync, mkdtempSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { created, installMocks, settle, unwrap } from "../../helpers/mocks";
import { ROOT, demoKernel } from "../../helpers/demoKernel";

installMocks();

// Each example is its own npm package that depends on "pulumi-unikernel": file:../.. (what a user
// gets from `npm install` there). Here the name resolves to this checkout's build, without an install.

const Module = require("module") as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = (request: string, ...rest: unknown[]) =>
    resolveFilename(request === "pulumi-unikernel" ? path.join(ROOT, "dist", "index.js") : request, ...rest);

/** Loads an example program with its config and returns its exports, resolved. */
async function runExample(
    name: string,
    config: Record<string, string>,
): Promise<{ outputs: Record<string, unknown>; types: string[] }> {
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`project:${k}`, v])));
    const mark = created.length;

    const program = require(path.join(ROOT, "examples", name, "index.ts")) as Record<string, pulumi.Output<unknown>>;
    const outputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(program)) outputs[key] = await unwrap(value);
    await settle();
    return { outputs, types: created.slice(mark).map((r) => r.type) };
}

describe("cloud examples under mocks", function () {
    this.timeout(60_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), "examples-"));
    const disk = path.join(dir, "nanos.img");
    const kernel = path.join(dir, "app_qemu-x86_64");
    before(() => {
        copyFileSync(demoKernel(), disk);
        copyFileSync(demoKernel(), kernel);
    });

    it("aws-public: an AMI from the EBS direct upload, and a public URL on port 80", async () => {
        const { outputs } = await runExample("aws-public", { diskPath: disk, directory: dir });
        assert.equal(outputs.amiId, "web-id");
        assert.equal(outputs.snapshotId, "snap-0123456789abcdef0");
        assert.deepEqual(outputs.urls, ["http://203.0.113.10:80"]);
        assert.deepEqual(outputs.publicIps, ["203.0.113.10"]);
        assert.equal(outputs.consoleCommand, "aws ec2 get-console-output --latest --output text --instance-id web-id");
    });

    it("aws-private: an S3 import, an Auto Scaling group, and no public address", async () => {
        const { outputs, types } = await runExample("aws-private", { diskPath: disk, directory: dir });
        assert.equal(outputs.amiId, "api-id");
        assert.equal(outputs.autoScalingGroupName, "api");
        assert.equal(outputs.vpcId, "api-vpc-id");
        assert.ok(types.includes("aws:ebs/snapshotImport:SnapshotImport"));
        assert.ok(!types.includes("aws:ec2/internetGateway:InternetGateway"));
    });

    it("gcp: a GCE image without gVNIC, on an E2 machine with a public URL", async () => {
        const { outputs } = await runExample("gcp", { kernelPath: kernel, directory: dir });
        assert.match(outputs.imageName as string, /^app-[0-9a-f]{16}$/);
        assert.deepEqual(outputs.guestOsFeatures, []);
        assert.deepEqual(outputs.urls, ["http://198.51.100.7:8080"]);
        assert.equal(
            outputs.consoleCommand,
            "gcloud compute instances get-serial-port-output app --zone us-central1-a",
        );
    });
});
