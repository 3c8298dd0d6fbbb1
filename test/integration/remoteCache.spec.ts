/**
 * The build cache in a registry, as two machines see it: the same application in two directories
 * with two caches (two CI runners), a real make build, real skopeo and a real registry on loopback.
 * The second runner builds nothing (no engine output appears in its directory), a changed source
 * builds and pushes anew, and a registry that does not answer stops the build before it starts.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { existsSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { fetchArgv } from "../../src/contract/build";
import { planPackage } from "../../src/engines/fetchPackage";
import { OciReference, parseOciReference } from "../../src/model";
import { jsonOf, unikernel } from "../helpers/cli";
import { demoBuildArgv, demoCheckout, tempDir } from "../helpers/demoKernel";
import { TestRegistry, startRegistry } from "../helpers/registry";

describe("unikernel build --registry (a build cache shared by two machines)", function () {
    this.timeout(300_000);
    let registry: TestRegistry;
    let root: string;

    /** A copy of the demo kernel's sources: what a checkout on one runner is. */
    const checkout = (name: string) => demoCheckout(path.join(root, name));
    /** What a UnikernelImage runs for this application, plus `extra` before `--json`. */
    const build = (dir: string, cache: string, extra: string[] = []) =>
        unikernel(demoBuildArgv(dir, extra), { UNIKERNEL_CACHE_DIR: path.join(root, cache) });

    before(async () => {
        registry = await startRegistry();
        root = tempDir("remote-cache-");
    });
    after(async () => {
        await registry?.stop();
    });

    it("builds and pushes on one runner; the other pulls it by digest and builds nothing", () => {
        const repo = `${registry.host}/ci/hello`;
        const a = checkout("runner-a");
        // Runner A's checkout is a git repository: its commit is the build's provenance.
        const git = (...args: string[]) =>
            execFileSync("git", ["-C", a, "-c", "user.email=ci@example.com", "-c", "user.name=CI", ...args], {
                encoding: "utf8",
            }).trim();
        git("init", "-q");
        git("add", ".");
        git("commit", "-q", "-m", "demo");
        const commit = git("rev-parse", "HEAD");
        const first = build(a, "cache-a", ["--registry", repo, "--registry-insecure"]);
        assert.equal(first.code, 0, first.stderr);
        const built = jsonOf(first);
        assert.equal(built.cached, false);
        assert.match(built.package as string, new RegExp(`^${registry.host}/ci/hello@sha256:[0-9a-f]{64}$`));
        assert.match(first.stderr, /pushing/);
        const provenance = built.provenance as {
            revision: string;
            dirty: boolean;
            builtAt: string;
            toolVersion: string;
        };
        assert.equal(provenance.revision, commit);
        assert.equal(provenance.dirty, false, "build outputs are ignored by .gitignore; nothing else changed");
        assert.ok(Date.parse(provenance.builtAt) > Date.now() - 600_000);

        const b = checkout("runner-b");
        const second = build(b, "cache-b", ["--registry", repo, "--registry-insecure"]);
        assert.equal(second.code, 0, second.stderr);
        const pulled = jsonOf(second);
        assert.equal(pulled.digest, built.digest, "same inputs, same digest on another path");
        assert.equal(pulled.pulled, true);
        assert.equal(pulled.cached, true);
        assert.equal(pulled.sha256, built.sha256);
        assert.equal(pulled.package, built.package);
        assert.equal(existsSync(path.join(b, "build")), false, "make never ran on runner B");
        assert.deepEqual(pulled.provenance, provenance, "where it came from travels with the package");
        assert.deepEqual(readFileSync(pulled.path as string), readFileSync(built.path as string));

        // Runner B again: its own cache now, and no push (its record says the registry has it).
        const third = build(b, "cache-b", ["--registry", repo, "--registry-insecure"]);
        const again = jsonOf(third);
        assert.equal(again.cached, true);
        assert.equal(again.pulled, undefined);
        assert.doesNotMatch(third.stderr, /pushing|looking up/);
    });

    it("builds and pushes a changed source under its new digest", () => {
        const repo = `${registry.host}/ci/hello`;
        const c = checkout("runner-c");
        writeFileSync(path.join(c, "main.c"), readFileSync(path.join(c, "main.c"), "utf8") + "\n/* changed */\n");
        const run = build(c, "cache-c", ["--registry", repo, "--registry-insecure"]);
        assert.equal(run.code, 0, run.stderr);
        const changed = jsonOf(run);
        assert.equal(changed.cached, false);
        assert.ok(existsSync(path.join(c, "build", "hello.elf")), "make ran");
        const other = jsonOf(build(checkout("runner-d"), "cache-d", ["--registry", repo, "--registry-insecure"]));
        assert.notEqual(changed.digest, other.digest);
        assert.notEqual(changed.package, other.package);
    });

    it("pushes an artifact built before the registry was configured", () => {
        const e = checkout("runner-e");
        const local = jsonOf(build(e, "cache-e"));
        assert.equal(local.package, undefined);
        const run = build(e, "cache-e", ["--registry", `${registry.host}/ci/other`, "--registry-insecure"]);
        const pushed = jsonOf(run);
        assert.equal(pushed.cached, true);
        assert.match(pushed.package as string, new RegExp(`^${registry.host}/ci/other@sha256:`));
        assert.match(run.stderr, /pushing/);
    });

    it("stops before building when the registry does not answer, leaving no cache entry", () => {
        const f = checkout("runner-f");
        const run = build(f, "cache-f", ["--registry", "127.0.0.1:9/ci/hello", "--registry-insecure"]);
        assert.equal(run.code, 1);
        assert.match(jsonOf(run).error as string, /the registry at 127\.0\.0\.1:9 does not answer/);
        assert.equal(existsSync(path.join(f, "build")), false, "no engine ran");
        const again = jsonOf(build(f, "cache-f"));
        assert.equal(again.cached, false, "nothing was cached by the failed run");
    });

    it("fetch: a stack with no sources takes a build by its package digest, checked, and plans from the cache offline", async () => {
        const repo = `${registry.host}/ci/fetch`;
        const built = jsonOf(
            build(checkout("fetch-src"), "fetch-builder", ["--registry", repo, "--registry-insecure"]),
        );
        const reference = built.package as string;
        const cache = path.join(root, "fetch-deployer");
        const fetch = (ref: string) => unikernel(fetchArgv(ref, true), { UNIKERNEL_CACHE_DIR: cache });
        const first = fetch(reference);
        assert.equal(first.code, 0, first.stderr);
        const fetched = jsonOf(first);
        assert.equal(fetched.digest, built.digest);
        assert.equal(fetched.sha256, built.sha256);
        assert.equal(fetched.package, reference);
        assert.equal(fetched.pulled, true);
        assert.equal(fetched.cmdline, built.cmdline);
        assert.equal(fetched.engine, "make");
        assert.deepEqual(fetched.provenance, built.provenance);
        assert.deepEqual(readFileSync(fetched.path as string), readFileSync(built.path as string));
        // Its own entry, never the build digest's: a package cannot stand in for a local build.
        assert.match(fetched.path as string, /\/artifacts\/package-[0-9a-f]{64}\/kernel$/);
        assert.equal(existsSync(path.join(cache, "artifacts", built.digest as string)), false);

        // Again: from the cache, every file checked, nothing pulled.
        const second = jsonOf(fetch(reference));
        assert.equal(second.cached, true);
        assert.equal(second.pulled, undefined);

        // A file pushed by hand is not a build package; a tag is not a digest.
        const plain = path.join(root, "plain.bin");
        writeFileSync(plain, "not a kernel");
        const pushed = jsonOf(unikernel(["push", plain, "--to", repo, "--role", "kernel", "--insecure", "--json"], {}));
        const refused = fetch(pushed.reference as string);
        assert.equal(refused.code, 1, refused.stdout);
        assert.match(
            refused.stderr,
            /is not a build package this version can use: digest is missing; engine is missing/,
        );
        assert.equal(fetch(`${repo}:latest`).code, 2);
        // A plan (what a preview does) needs no registry once fetched: this one is stopped now.
        await registry.stop();
        const saved = process.env.UNIKERNEL_CACHE_DIR;
        process.env.UNIKERNEL_CACHE_DIR = cache;
        try {
            const parsed = parseOciReference(reference.replace(registry.host, "127.0.0.1:1"), "pull");
            assert.equal(typeof parsed, "object");
            // Another registry, one that does not answer, and another record key: it must go there.
            await assert.rejects(planPackage(parsed as OciReference, true), /does not answer/);
            const plan = await planPackage(parseOciReference(reference, "pull") as OciReference, true);
            assert.equal(plan.digest, built.digest);
            assert.equal(plan.kind, "kernel");
        } finally {
            if (saved === undefined) delete process.env.UNIKERNEL_CACHE_DIR;
            else process.env.UNIKERNEL_CACHE_DIR = saved;
        }
    });
});
