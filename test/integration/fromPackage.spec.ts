/**
 * UnikernelImage.fromPackage under Pulumi mocks, against a real registry on loopback: the package's
 * manifest (pushed by a real `build --registry` / `push`) decides the steps, read when the program
 * runs: a kernel package gets a disk step, a disk package none; a disk package refuses a cmdline.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { uk, opts, shape } from "../helpers/componentHarness";
import { recorded, resolved, settle, unwrap } from "../helpers/mocks";
import type * as UK from "../../src";
import { argvOfCommand } from "../../src/contract/command";
import { jsonOf, unikernel } from "../helpers/cli";
import { planFromPackage, validateImageArgs } from "../../src/components/unikernelImage";
import { demoBuildArgv, demoCheckout, tempDir } from "../helpers/demoKernel";
import { TestRegistry, startRegistry } from "../helpers/registry";

/**
 * Builds the component and waits for its disk: the package is read (a real skopeo call) before the
 * steps after the fetch exist, so waiting for a few turns of the event loop is not enough.
 */
async function constructPlanned(make: () => UK.UnikernelImage) {
    const mark = recorded.length;
    const component = make();
    await unwrap(component.diskPath);
    await settle();
    return { component, children: recorded.slice(mark + 1) };
}

describe("UnikernelImage.fromPackage (mocks, real registry)", function () {
    this.timeout(180_000);
    let registry: TestRegistry;
    let root: string;
    const saved = process.env.UNIKERNEL_CACHE_DIR;
    /** Builds the demo kernel into `repository`, with `extra` build options; its package reference. */
    const publish = (extra: string[]) => {
        const dir = demoCheckout(path.join(root, `src-${extra.length}`));
        const run = unikernel(
            demoBuildArgv(dir, ["--registry", `${registry.host}/ci/pkg`, "--registry-insecure", ...extra]),
            { UNIKERNEL_CACHE_DIR: path.join(root, "builder") },
        );
        assert.equal(run.code, 0, run.stderr);
        return jsonOf(run);
    };

    before(async () => {
        registry = await startRegistry();
        root = tempDir("from-package-");
        process.env.UNIKERNEL_CACHE_DIR = path.join(root, "deployer");
    });
    after(async () => {
        if (saved === undefined) delete process.env.UNIKERNEL_CACHE_DIR;
        else process.env.UNIKERNEL_CACHE_DIR = saved;
        await registry?.stop();
    });

    it("a kernel package: the fetch step, then a disk made for it, with what the package says it is", async () => {
        const built = publish([]);
        const { component, children } = await constructPlanned(
            () =>
                new uk.UnikernelImage(
                    "promoted",
                    { fromPackage: built.package as string, registryInsecure: true, cmdline: "stay" },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), [
            "command:local:Command promoted-build",
            "command:local:Command promoted-disk",
        ]);
        assert.deepEqual(argvOfCommand(await resolved(children[0].inputs.create)), [
            "fetch",
            built.package,
            "--insecure",
            "--json",
        ]);
        assert.deepEqual(await resolved(children[0].inputs.triggers), [built.digest, built.package]);
        assert.equal(await unwrap(component.digest), built.digest);
        assert.equal(await unwrap(component.engine), "make");
        assert.equal(await unwrap(component.kernelFamily), "bare");
        assert.match(await resolved(children[1].inputs.create), / disk --kernel \S+ --cmdline stay --boot bios /);
    });

    it("a disk package: no disk step, and no cmdline or size of its own", async () => {
        // The demo kernel's disk, pushed as a build of the prebuilt engine (a finished disk).
        const disk = path.join(root, "demo.img");
        const kernel = path.join(root, "src-0", "build", "hello.elf");
        assert.equal(unikernel(["disk", "--kernel", kernel, "--boot", "bios", "--out", disk]).code, 0);
        const run = unikernel(
            [
                "build",
                root,
                "--engine",
                "prebuilt",
                "--disk",
                disk,
                "--family",
                "bare",
                "--allow-outside",
                "--registry",
                `${registry.host}/ci/disk`,
                "--registry-insecure",
                "--json",
            ],
            { UNIKERNEL_CACHE_DIR: path.join(root, "builder") },
        );
        assert.equal(run.code, 0, run.stderr);
        const reference = jsonOf(run).package as string;
        const { children } = await constructPlanned(
            () => new uk.UnikernelImage("diskpkg", { fromPackage: reference, registryInsecure: true }, opts),
        );
        assert.deepEqual(shape(children), ["command:local:Command diskpkg-build"]);
        const args = validateImageArgs({ fromPackage: reference, registryInsecure: true, cmdline: "x" });
        assert.deepEqual(args.problems, []);
        await assert.rejects(planFromPackage(args.value!), /is a finished disk: its command line and size are its own/);
    });
});
