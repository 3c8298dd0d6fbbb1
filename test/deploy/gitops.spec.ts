/**
 * examples/gitops run as its README says, end to end on this machine: the pipeline script against a
 * real registry on loopback (docker-registry, skopeo), two CI runners (two caches: the second builds
 * nothing), and the same package deployed by digest to a dev and a prod stack with the real engine
 * (Pulumi YAML through the component provider, QEMU under TCG).
 */
import * as assert from "assert";
import { spawnSync } from "child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "fs";
import * as path from "path";
import { DEMO_LINE, demoCheckout } from "../helpers/demoKernel";
import { TestRegistry, startRegistry } from "../helpers/registry";
import { ROOT, alive, pulumi, useBackend } from "./backend";

describe("deploy: examples/gitops (build once, promote by digest)", function () {
    this.timeout(20 * 60_000);
    let backend: ReturnType<typeof useBackend>;
    let registry: TestRegistry;
    let example: string;
    const deployed: string[] = [];
    /** A project beside the example's with no sources at all: UnikernelImage.fromPackage. */
    let promote: string;

    /** Runs a pipeline step as the workflow does, with a runner's own cache; `extra` overrides the environment. */
    const runPipeline = (args: string[], cache: string, extra: Record<string, string> = {}) =>
        spawnSync(path.join(example, "pipeline.sh"), args, {
            encoding: "utf8",
            cwd: example,
            env: {
                ...process.env,
                ...backend.env,
                UNIKERNEL_CACHE_DIR: path.join(backend.work, cache),
                REGISTRY: `${registry.host}/ci/hello`,
                REGISTRY_INSECURE: "1",
                APP_DIR: path.join(backend.work, "hello-kernel"),
                UNIKERNEL: `${process.execPath} ${path.join(ROOT, "dist", "cli", "main.js")}`,
                ...extra,
            },
        });
    /** {@link runPipeline}, which must succeed; its stdout. */
    const pipeline = (args: string[], cache: string, extra: Record<string, string> = {}) => {
        const run = runPipeline(args, cache, extra);
        assert.equal(run.status, 0, `pipeline.sh ${args.join(" ")}: ${run.stdout}\n${run.stderr}`);
        return run.stdout;
    };
    const outputs = (stack: string) => {
        const run = pulumi(["stack", "output", "--json", "--stack", stack], backend.env, path.join(example, "deploy"));
        assert.equal(run.status, 0, run.stderr);
        return JSON.parse(run.stdout) as Record<string, string>;
    };

    before(async () => {
        backend = useBackend("gitops");
        registry = await startRegistry();
        // The example as a repository: pipeline.sh, the workflow, deploy/ and the sources beside it.
        example = path.join(backend.work, "gitops");
        cpSync(path.join(ROOT, "examples", "gitops"), example, { recursive: true });
        demoCheckout(path.join(backend.work, "hello-kernel"));
        const add = pulumi(["package", "add", "pulumi-unikernel"], backend.env, path.join(example, "deploy"));
        assert.equal(add.status, 0, add.stderr);
    });

    after(async () => {
        try {
            for (const stack of deployed) {
                pulumi(["destroy", "--yes", "--stack", stack], backend.env, path.join(example, "deploy"));
            }
            if (promote) pulumi(["destroy", "--yes", "--stack", "staging"], backend.env, promote);
        } finally {
            await registry?.stop();
            backend?.cleanup();
        }
    });

    it("validates, builds once, and a second runner pulls the build instead of making it", () => {
        pipeline(["validate"], "runner-a");
        const first = pipeline(["build"], "runner-a");
        const pkg = /^package=(\S+)$/m.exec(first)?.[1];
        assert.match(pkg ?? "", new RegExp(`^${registry.host}/ci/hello@sha256:[0-9a-f]{64}$`));
        assert.ok(existsSync(path.join(backend.work, "hello-kernel", "build", "hello.elf")), "runner A ran make");
        // Runner B: a fresh cache and a fresh checkout (no build/ directory) with the same sources.
        const checkoutB = path.join(backend.work, "runner-b-checkout");
        demoCheckout(checkoutB);
        const run = runPipeline(["build"], "runner-b", { APP_DIR: checkoutB });
        assert.equal(run.status, 0, run.stderr);
        assert.equal(/^package=(\S+)$/m.exec(run.stdout)?.[1], pkg, "the same package");
        assert.match(run.stderr, /pulled .* no engine ran/);
        assert.equal(existsSync(path.join(checkoutB, "build")), false, "runner B never ran make");
    });

    it("deploys that package by digest to dev, then promotes the same digest to prod", () => {
        const pkg = /^package=(\S+)$/m.exec(pipeline(["build"], "runner-a"))?.[1] ?? "";
        for (const stack of ["dev", "prod"]) {
            deployed.push(stack);
            // Each deploy runs on a fresh runner: its own cache, the kernel pulled by digest.
            pipeline(["deploy", stack, pkg], `deploy-${stack}`);
        }
        const dev = outputs("dev");
        const prod = outputs("prod");
        assert.equal(dev.package, pkg);
        assert.equal(prod.package, pkg);
        assert.equal(prod.kernelSha256, dev.kernelSha256, "prod runs exactly the kernel dev ran");
        for (const out of [dev, prod]) {
            const text = readFileSync(out.consoleLog, "utf8");
            assert.ok(text.includes(DEMO_LINE) && text.includes("gitops stay"), text);
            assert.ok(alive(Number(readFileSync(out.pidfile, "utf8"))), "QEMU runs");
        }
        assert.notEqual(dev.pidfile, prod.pidfile, "two stacks, two VMs");
    });

    it("a stack with no sources deploys the package itself (fromPackage): the same kernel, no engine", () => {
        const pkg = /^package=(\S+)$/m.exec(pipeline(["build"], "runner-a"))?.[1] ?? "";
        promote = path.join(backend.work, "promote");
        mkdirSync(promote);
        writeFileSync(
            path.join(promote, "Pulumi.yaml"),
            [
                "name: unikernel-promote",
                "runtime: yaml",
                "config:",
                "  package:",
                "    type: string",
                "resources:",
                "  image:",
                "    type: pulumi-unikernel:index:UnikernelImage",
                "    properties:",
                "      fromPackage: ${package}",
                "      registryInsecure: true",
                "      cmdline: gitops stay",
                "  service:",
                "    type: pulumi-unikernel:index:LocalService",
                "    properties:",
                "      diskPath: ${image.diskPath}",
                "      digest: ${image.digest}",
                "      readyPattern: Hello from the pulumi-unikernel demo kernel",
                "outputs:",
                "  kernelSha256: ${image.artifactSha256}",
                "  engine: ${image.engine}",
                "  sourceRevision: ${image.sourceRevision}",
                "  consoleLog: ${service.consoleLog}",
                "  pidfile: ${service.pidfile}",
                "",
            ].join("\n"),
        );
        const env = { ...backend.env, UNIKERNEL_CACHE_DIR: path.join(backend.work, "promote-runner") };
        for (const args of [
            ["package", "add", "pulumi-unikernel"],
            ["stack", "init", "staging"],
            ["config", "set", "package", pkg],
            ["up", "--yes", "--skip-preview"],
        ]) {
            const run = pulumi(args, env, promote);
            assert.equal(run.status, 0, `pulumi ${args.join(" ")}: ${run.stdout}\n${run.stderr}`);
        }
        const run = pulumi(["stack", "output", "--json"], env, promote);
        const out = JSON.parse(run.stdout) as Record<string, string>;
        assert.equal(out.kernelSha256, outputs("dev").kernelSha256, "the kernel dev runs");
        assert.equal(out.engine, "make", "what the package says it was built with");
        const text = readFileSync(out.consoleLog, "utf8");
        assert.ok(text.includes(DEMO_LINE) && text.includes("gitops stay"), text);
        assert.ok(alive(Number(readFileSync(out.pidfile, "utf8"))), "QEMU runs");
        for (const file of readdirSync(promote))
            assert.doesNotMatch(file, /\.(c|elf)$|^Makefile$|^build$/, "no sources");
    });

    it("a pull request's build never reaches the registry, and a tag can promote only what main pushed", () => {
        const pr = path.join(backend.work, "pr-checkout");
        demoCheckout(pr);
        writeFileSync(
            path.join(pr, "main.c"),
            `${readFileSync(path.join(pr, "main.c"), "utf8")}\n/* a pull request */\n`,
        );
        const built = pipeline(["build"], "pr-runner", { APP_DIR: pr, REGISTRY_PULL_ONLY: "1" });
        assert.match(built, /^package=$/m, "nothing pushed");
        assert.match(built, /^pulled=false$/m);
        const kernel = /^kernel=(\S+)$/m.exec(built)?.[1] ?? "";
        assert.ok(existsSync(kernel), "its own kernel, for the preview");
        // Promoting that commit (a tag on it) finds nothing main built, on a fresh runner.
        const run = runPipeline(["build"], "tag-runner", { APP_DIR: pr, REGISTRY_PULL_ONLY: "1", REQUIRE_PULLED: "1" });
        assert.equal(run.status, 1, run.stdout);
        assert.match(run.stderr, /is not in .*: build it on main first/);
    });

    it("refuses to promote anything but a digest", () => {
        const run = runPipeline(["deploy", "prod", `${registry.host}/ci/hello:latest`], "promote-runner");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /is not <registry>\/<repository>@sha256:<digest>/);
    });
});
