/**
 * `unikernel push` and `pull` against a real registry (Debian's docker-registry, the CNCF
 * distribution registry) on loopback, through real skopeo: the fixed CLI contract, a pull that is
 * byte for byte the push, an unknown digest, content that no longer matches its digest, and a
 * registry that does not answer.
 */
import { strict as assert } from "assert";
import { createHash, randomBytes } from "crypto";
import { existsSync, promises as fs, readdirSync } from "fs";
import * as path from "path";
import { jsonOf, unikernel } from "../helpers/cli";
import { demoKernel, tempDir } from "../helpers/demoKernel";
import { TestRegistry, startRegistry } from "../helpers/registry";
import { sha256File } from "../../src/internal/hashing";
import { pullPackage, pushPackage } from "../../src/registry/ociPackage";
import { BUILD_ANNOTATION, buildTag, pullBuild } from "../../src/engines/remoteCache";

describe("unikernel push and pull (docker-registry on loopback)", function () {
    this.timeout(120_000);
    let registry: TestRegistry;
    const saved = process.env.UNIKERNEL_CACHE_DIR;
    let dir: string;
    let cache: string;
    const env = () => ({ UNIKERNEL_CACHE_DIR: cache });

    before(async () => {
        registry = await startRegistry();
        dir = tempDir("registry-");
        cache = path.join(dir, "cache");
        // The in-process calls below use a cache of their own too.
        process.env.UNIKERNEL_CACHE_DIR = path.join(dir, "cache-in-process");
    });
    after(async () => {
        if (saved === undefined) delete process.env.UNIKERNEL_CACHE_DIR;
        else process.env.UNIKERNEL_CACHE_DIR = saved;
        await registry?.stop();
        await fs.rm(dir, { recursive: true, force: true });
    });

    it("pushes a file and pulls it back by digest, byte for byte (the fixed JSON contract)", async () => {
        const kernel = demoKernel();
        const push = unikernel(
            ["push", kernel, "--to", `${registry.host}/apps/hello:v1`, "--role", "kernel", "--insecure", "--json"],
            env(),
        );
        assert.equal(push.code, 0, push.stderr);
        const pushed = jsonOf(push);
        const fileHex = await sha256File(kernel);
        assert.equal(pushed.artifactSha256, fileHex);
        assert.match(pushed.digest as string, /^sha256:[0-9a-f]{64}$/);
        assert.equal(pushed.reference, `${registry.host}/apps/hello@${pushed.digest as string}`);

        const out = path.join(dir, "pulled.elf");
        const pull = unikernel(["pull", pushed.reference, "--out", out, "--insecure", "--json"], env());
        assert.equal(pull.code, 0, pull.stderr);
        assert.deepEqual(jsonOf(pull), { path: out, sha256: fileHex, sizeBytes: (await fs.stat(kernel)).size });
        assert.deepEqual(await fs.readFile(out), await fs.readFile(kernel));

        // The same file pushed again is the same manifest: a content-addressed tag, no new digest.
        const again = jsonOf(
            unikernel(
                ["push", kernel, "--to", `${registry.host}/apps/hello:v1`, "--role", "kernel", "--insecure", "--json"],
                env(),
            ),
        );
        assert.equal(again.digest, pushed.digest);
        const untagged = jsonOf(
            unikernel(
                ["push", kernel, "--to", `${registry.host}/apps/hello`, "--role", "kernel", "--insecure", "--json"],
                env(),
            ),
        );
        assert.equal(untagged.digest, pushed.digest, "the tag is not part of the manifest");
        assert.equal(untagged.tag, `sha256-${fileHex}`);
    });

    it("fails a digest the registry does not have: exit 1, nothing at --out, a file there kept", async () => {
        const out = path.join(dir, "kept.bin");
        await fs.writeFile(out, "previous good file");
        const missing = `${registry.host}/apps/hello@sha256:${"0".repeat(64)}`;
        const run = unikernel(["pull", missing, "--out", out, "--insecure", "--json"], env());
        assert.equal(run.code, 1);
        assert.deepEqual(jsonOf(run), {
            error: `the registry at ${registry.host} has no ${missing} (manifest unknown)`,
        });
        assert.equal(await fs.readFile(out, "utf8"), "previous good file");
        const fresh = path.join(dir, "fresh.bin");
        assert.equal(unikernel(["pull", missing, "--out", fresh, "--insecure"], env()).code, 1);
        assert.equal(existsSync(fresh), false);
    });

    it("refuses content that no longer matches its digest in the registry", async () => {
        const file = path.join(dir, "blob.bin");
        await fs.writeFile(file, randomBytes(64 * 1024));
        const pushed = jsonOf(
            unikernel(["push", file, "--to", `${registry.host}/apps/data`, "--insecure", "--json"], env()),
        );
        // Damage the stored blob in place (same size), as a bad disk or a hostile mirror would.
        const hex = pushed.artifactSha256 as string;
        const data = path.join(
            registry.storage,
            "docker",
            "registry",
            "v2",
            "blobs",
            "sha256",
            hex.slice(0, 2),
            hex,
            "data",
        );
        const bytes = await fs.readFile(data);
        bytes[100] ^= 0xff;
        await fs.writeFile(data, bytes);
        const out = path.join(dir, "damaged.bin");
        const run = unikernel(["pull", pushed.reference as string, "--out", out, "--insecure"], env());
        assert.equal(run.code, 1, run.stdout);
        assert.match(run.stderr, /digest|does not match/i);
        assert.equal(existsSync(out), false);
        assert.deepEqual(readdirSync(path.join(cache, "tmp")), [], "no work directory left behind");
    });

    it("works from a cache path holding a colon, writing nothing beside it", async () => {
        const parent = path.join(dir, "odd");
        const colonCache = path.join(parent, "c:x");
        const kernel = demoKernel();
        const pushed = jsonOf(
            unikernel(["push", kernel, "--to", `${registry.host}/apps/colon`, "--insecure", "--json"], {
                UNIKERNEL_CACHE_DIR: colonCache,
            }),
        );
        const out = path.join(dir, "colon.elf");
        const pull = unikernel(["pull", pushed.reference as string, "--out", out, "--insecure", "--json"], {
            UNIKERNEL_CACHE_DIR: colonCache,
        });
        assert.equal(pull.code, 0, pull.stderr);
        assert.deepEqual(await fs.readFile(out), await fs.readFile(kernel));
        assert.deepEqual(readdirSync(parent), ["c:x"], "skopeo wrote nothing at the path before the colon");
    });

    it("pulls a package whose files are the same bytes twice, refuses two layers of one role, and checks what a lookup finds", async () => {
        const from = (digest: string) => ({ registry: registry.host, repository: "apps/pkg", digest });
        const file = path.join(dir, "same.bin");
        await fs.writeFile(file, randomBytes(4096));
        const both = await pushPackage({
            files: [
                { role: "kernel", file },
                { role: "disk", file },
            ],
            to: { registry: registry.host, repository: "apps/pkg", tag: "both" },
            insecure: true,
        });
        const pulled = await pullPackage({
            from: from(both.digest),
            insecure: true,
            outFor: (role) => path.join(dir, `both-${role}`),
        });
        assert.deepEqual(
            pulled.files.map((f) => f.role),
            ["kernel", "disk"],
        );
        for (const role of ["kernel", "disk"]) {
            assert.deepEqual(await fs.readFile(path.join(dir, `both-${role}`)), await fs.readFile(file));
        }
        const twice = await pushPackage({
            files: [
                { role: "kernel", file },
                { role: "kernel", file: demoKernel() },
            ],
            to: { registry: registry.host, repository: "apps/pkg", tag: "twice" },
            insecure: true,
        });
        await assert.rejects(
            pullPackage({
                from: from(twice.digest),
                insecure: true,
                outFor: (role) => path.join(dir, `twice-${role}`),
            }),
            /two layers of one role/,
        );
        assert.equal(existsSync(path.join(dir, "twice-kernel")), false);
        // A build tag whose package says it is another build: refused, nothing written.
        await pushPackage({
            files: [{ role: "kernel", file }],
            to: { registry: registry.host, repository: "apps/pkg", tag: buildTag("a".repeat(64)) },
            annotations: { [BUILD_ANNOTATION.digest]: "b".repeat(64) },
            insecure: true,
        });
        await assert.rejects(
            pullBuild(
                { repository: { registry: registry.host, repository: "apps/pkg" }, insecure: true },
                "a".repeat(64),
                (role) => path.join(dir, `lookup-${role}`),
                () => undefined,
            ),
            /not the package looked for: it is annotated with build b{64}, not a{64}/,
        );
        assert.equal(existsSync(path.join(dir, "lookup-kernel")), false);
    });

    it("checks what a package would bring before any blob comes, and stops a registry that sends more than it said", async () => {
        // Manifests written straight through the distribution API, as a hostile or broken pusher could.
        const base = `http://${registry.host}/v2/apps/hostile`;
        const blob = Buffer.from("tiny kernel");
        const blobDigest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
        const start = await fetch(`${base}/blobs/uploads/`, { method: "POST" });
        assert.equal(start.status, 202);
        const location = new URL(start.headers.get("location")!, `http://${registry.host}`);
        location.searchParams.set("digest", blobDigest);
        assert.equal((await fetch(location, { method: "PUT", body: blob })).status, 201);
        const empty = Buffer.from("{}");
        const emptyDigest = `sha256:${createHash("sha256").update(empty).digest("hex")}`;
        const emptyStart = await fetch(`${base}/blobs/uploads/`, { method: "POST" });
        const emptyLocation = new URL(emptyStart.headers.get("location")!, `http://${registry.host}`);
        emptyLocation.searchParams.set("digest", emptyDigest);
        assert.equal((await fetch(emptyLocation, { method: "PUT", body: empty })).status, 201);
        const putManifest = async (tag: string, layers: { size: number; role?: string }[]) => {
            const body = JSON.stringify({
                schemaVersion: 2,
                mediaType: "application/vnd.oci.image.manifest.v1+json",
                config: { mediaType: "application/vnd.oci.empty.v1+json", digest: emptyDigest, size: 2 },
                layers: layers.map((l) => ({
                    mediaType: "application/vnd.pulumi-unikernel.kernel.v1",
                    digest: blobDigest,
                    size: l.size,
                    ...(l.role ? { annotations: { "dev.pulumi-unikernel.role": l.role } } : {}),
                })),
            });
            const put = await fetch(`${base}/manifests/${tag}`, {
                method: "PUT",
                headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
                body,
            });
            assert.equal(put.status, 201, await put.text());
            return `sha256:${createHash("sha256").update(body).digest("hex")}`;
        };
        const many = await putManifest(
            "many",
            Array.from({ length: 17 }, () => ({ size: blob.length })),
        );
        const huge = await putManifest("huge", [{ size: 2 ** 50, role: "kernel" }]);
        // A blob far bigger than its manifest says: sizes are claims, checked as the blob arrives.
        const big = randomBytes(192 * 1024 * 1024);
        const bigDigest = `sha256:${createHash("sha256").update(big).digest("hex")}`;
        const bigStart = await fetch(`${base}/blobs/uploads/`, { method: "POST" });
        const bigLocation = new URL(bigStart.headers.get("location")!, `http://${registry.host}`);
        bigLocation.searchParams.set("digest", bigDigest);
        assert.equal((await fetch(bigLocation, { method: "PUT", body: big })).status, 201);
        const understatedBody = JSON.stringify({
            schemaVersion: 2,
            mediaType: "application/vnd.oci.image.manifest.v1+json",
            config: { mediaType: "application/vnd.oci.empty.v1+json", digest: emptyDigest, size: 2 },
            layers: [
                {
                    mediaType: "application/vnd.pulumi-unikernel.kernel.v1",
                    digest: bigDigest,
                    size: 10,
                    annotations: { "dev.pulumi-unikernel.role": "kernel" },
                },
            ],
        });
        const understatedPut = await fetch(`${base}/manifests/understated`, {
            method: "PUT",
            headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
            body: understatedBody,
        });
        assert.equal(understatedPut.status, 201, await understatedPut.text());
        const understated = `sha256:${createHash("sha256").update(understatedBody).digest("hex")}`;
        for (const [digest, message] of [
            [many, /has 17 layers \(at most 16\); refused/],
            [huge, /holds 1125899906842624 bytes; the cache's file system has \d+ free/],
            [understated, /sent more than the \d+ bytes the package announced; refused/],
        ] as const) {
            const out = path.join(dir, "hostile.elf");
            const pull = unikernel(
                ["pull", `${registry.host}/apps/hostile@${digest}`, "--out", out, "--insecure", "--json"],
                env(),
            );
            assert.equal(pull.code, 1, pull.stdout);
            assert.match(pull.stderr, message);
            assert.equal(existsSync(out), false);
        }
    });

    it("says which registry does not answer, and which needs --insecure", async () => {
        const down = "127.0.0.1:9";
        const pull = unikernel(
            ["pull", `${down}/apps/hello@sha256:${"1".repeat(64)}`, "--out", path.join(dir, "x"), "--insecure"],
            env(),
        );
        assert.equal(pull.code, 1);
        assert.match(pull.stderr, /the registry at 127\.0\.0\.1:9 does not answer/);
        const push = unikernel(["push", demoKernel(), "--to", `${down}/apps/hello`, "--insecure"], env());
        assert.equal(push.code, 1);
        assert.match(push.stderr, /the registry at 127\.0\.0\.1:9 does not answer/);
        const tls = unikernel(["push", demoKernel(), "--to", `${registry.host}/apps/hello`], env());
        assert.equal(tls.code, 1);
        assert.match(tls.stderr, /speaks plain HTTP, not HTTPS; pass --insecure/);
    });

    it("refuses references that are not <registry>/<repository> forms (usage, exit 2)", () => {
        for (const [args, message] of [
            [["push", demoKernel(), "--to", "hello"], /no registry host/],
            [["push", demoKernel(), "--to", "docker://127.0.0.1:5000/a"], /transport or scheme/],
            [["push", demoKernel(), "--to", "127.0.0.1:5000/Apps"], /repository "Apps"/],
            [["push", demoKernel(), "--to", `127.0.0.1:5000/a@sha256:${"a".repeat(64)}`], /names a digest/],
            [["pull", "127.0.0.1:5000/a:v1", "--out", path.join(dir, "y")], /must name a digest/],
            [["pull", "127.0.0.1:5000/a@sha256:ABC", "--out", path.join(dir, "y")], /not sha256:<64 lower-case hex>/],
        ] as const) {
            const run = unikernel([...args], env());
            assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
            assert.match(run.stderr, message);
            assert.equal(run.stdout, "");
        }
    });
});
