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
import { buildArgv } from "../../src/contract/build";
import { jsonOf, unikernel } from "../helpers/cli";
import { demoCheckout, tempDir } from "../helpers/demoKernel";
import { TestRegistry, startRegistry } from "../helpers/registry";

describe("unikernel build --registry (a build cache shared by two machines)", function () {
    this.timeout(300_000);
    let registry: TestRegistry;
    let root: string;

    /** A copy of the demo kernel's sources: what a checkout on one runner is. */
    const checkout = (name: string) => demoCheckout(path.join(root, name));
    /** What a UnikernelImage runs for this application, plus `extra` before `--json`. */
    const build = (dir: string, cache: string, extra: string[] = []) => {
        const argv = buildArgv({
            dir,
            engine: "make",
            target: { platform: "qemu", architecture: "x86_64" },
            family: "bare",
            make: { kernel: "build/hello.elf" },
        });
        return unikernel([...argv.slice(0, -1), ...extra, "--json"], { UNIKERNEL_CACHE_DIR: path.join(root, cache) });
    };

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
});
