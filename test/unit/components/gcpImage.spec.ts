/**
 * GcpImage under mocks: bucket, archive upload and the image.
 */
import { strict as assert } from "assert";
import { uk, opts, construct, rejects, shape } from "../../helpers/componentHarness";
import { MockGceImage, cloudCatalog, invokes, resolved, unwrap } from "../../helpers/mocks";
import { sha256 } from "../../../src/internal/hashing";

describe("GcpImage", () => {
    it("uploads the archive to a private bucket and declares the kernel's guest features", async () => {
        const { component, children } = await construct(
            () =>
                new uk.GcpImage(
                    "img",
                    {
                        diskPath: "/cache/disks/app.img",
                        digest: "e".repeat(64),
                        kernelFamily: uk.KernelFamily.Nanos,
                        bootMode: uk.BootMode.Uefi,
                        family: "web",
                    },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), [
            "command:local:Command img-archive",
            "gcp:storage/bucket:Bucket img-bucket",
            "gcp:storage/bucketObject:BucketObject img-archive",
            "gcp:compute/image:Image img",
        ]);
        const bucket = await resolved(children[1].inputs);
        assert.equal(bucket.uniformBucketLevelAccess, true);
        assert.equal(bucket.publicAccessPrevention, "enforced");
        const image = await resolved(children[3].inputs);
        assert.deepEqual(image.guestOsFeatures, [{ type: "GVNIC" }, { type: "UEFI_COMPATIBLE" }]);
        assert.equal(image.rawDisk.source, "https://storage.googleapis.com/img-bucket/img-eeeeeeeeeeeeeeee.tar.gz");
        assert.equal(image.labels["unikernel-digest"], "eeeeeeeeeeeeeeee");
        assert.equal(image.family, "web");
        assert.deepEqual(await unwrap(component.guestOsFeatures), ["GVNIC", "UEFI_COMPATIBLE"]);
    });

    it("labels the image and bucket with where it came from, within GCE's label rules (labels only: they change in place)", async () => {
        const pkg = `127.0.0.1:5000/ci/hello@sha256:${"e".repeat(64)}`;
        const { children } = await construct(
            () =>
                new uk.GcpImage(
                    "prov",
                    {
                        diskPath: "/cache/disks/app.img",
                        digest: "e".repeat(64),
                        kernelFamily: uk.KernelFamily.Unikraft,
                        provenance: {
                            sourceRevision: "A".repeat(40),
                            sourceDirty: true,
                            builtAt: "2026-11-30T10:20:30.123Z",
                            engine: "kraft 0.11.6",
                            package: pkg,
                        },
                    },
                    opts,
                ),
        );
        const image = await resolved(children[3].inputs);
        assert.deepEqual(image.labels, {
            "unikernel-source-revision": "a".repeat(40),
            "unikernel-source-dirty": "true",
            "unikernel-built-at": "2026-11-30t10-20-30z",
            "unikernel-engine": "kraft-0-11-6",
            "unikernel-digest": "eeeeeeeeeeeeeeee",
            "managed-by": "pulumi-unikernel",
            "unikernel-stack": sha256("org/project/stack").slice(0, 16),
        });
        for (const [key, value] of Object.entries(image.labels as Record<string, string>)) {
            assert.match(key, /^[a-z][a-z0-9_-]{0,62}$/);
            assert.match(value, /^[a-z0-9_-]{0,63}$/);
        }
        assert.equal(
            image.description,
            undefined,
            "no description: it would replace the image when provenance changes",
        );
        const bucket = await resolved(children[1].inputs);
        assert.equal(bucket.labels["unikernel-source-revision"], "a".repeat(40));
        const object = await resolved(children[2].inputs);
        assert.equal(object.metadata, undefined, "object metadata would replace the archive object");
    });

    it("declares no gVNIC for a Unikraft BIOS image", async () => {
        const { children } = await construct(
            () =>
                new uk.GcpImage(
                    "uk",
                    { diskPath: "/d", digest: "1".repeat(64), kernelFamily: uk.KernelFamily.Unikraft },
                    opts,
                ),
        );
        assert.deepEqual((await resolved(children[3].inputs)).guestOsFeatures, []);
    });

    describe("reuseFrom", () => {
        const digest = "e".repeat(64);
        const diskDigest = "d".repeat(64);
        const reuse = {
            diskPath: "/cache/disks/app.img",
            digest,
            diskDigest,
            reuseFrom: ["org/project/staging", "org/project/dev"],
            kernelFamily: uk.KernelFamily.Unikraft,
        };
        const image = (over: Partial<MockGceImage> & { labels?: Record<string, string> } = {}): MockGceImage => ({
            name: "web-eeeeeeeeeeeeeeee",
            status: "READY",
            creationTimestamp: "2026-11-01T00:00:00.000-08:00",
            ...over,
            labels: {
                "unikernel-digest": digest.slice(0, 16),
                "unikernel-disk-digest": diskDigest.slice(0, 32),
                "unikernel-stack": sha256("org/project/dev").slice(0, 16),
                ...over.labels,
            },
        });
        afterEach(() => cloudCatalog.gceImages.splice(0));

        it("uses a named stack's READY image of the same disk and uploads nothing, in the order named, the oldest", async () => {
            cloudCatalog.gceImages.push(
                image({ name: "newer", creationTimestamp: "2026-11-20T00:00:00.000-08:00" }),
                // Mixed offsets: compared as times, not as text.
                image({ name: "web-eeeeeeeeeeeeeeee", creationTimestamp: "2026-11-01T01:00:00.000-07:00" }),
                image({ name: "failed", status: "FAILED", creationTimestamp: "2026-10-29T00:00:00.000-08:00" }),
                image({ name: "otherdisk", labels: { "unikernel-disk-digest": "c".repeat(32) } }),
                image({ name: "notnamed", labels: { "unikernel-stack": sha256("evil/project/dev").slice(0, 16) } }),
            );
            const mark = invokes.length;
            const { component, children } = await construct(
                () => new uk.GcpImage("reuse", reuse, opts),
                (c) => c.imageName,
            );
            assert.deepEqual(shape(children), []);
            assert.equal(await unwrap(component.imageName), "web-eeeeeeeeeeeeeeee");
            assert.match(await unwrap(component.imageSelfLink), /\/global\/images\/web-eeeeeeeeeeeeeeee$/);
            assert.equal(await unwrap(component.reusedFrom), "web-eeeeeeeeeeeeeeee");
            assert.equal(await unwrap(component.bucketName), undefined);
            const lookup = invokes.slice(mark).find((i) => i.token === "gcp:compute/getImages:getImages")!;
            assert.equal(
                lookup.inputs.filter,
                `(labels.unikernel-digest = "${"e".repeat(16)}") AND (labels.unikernel-disk-digest = "${"d".repeat(32)}") AND (status = "READY")`,
            );
            cloudCatalog.gceImages.push(
                image({ name: "staging", labels: { "unikernel-stack": sha256("org/project/staging").slice(0, 16) } }),
            );
            const staged = await construct(
                () => new uk.GcpImage("reuse2", reuse, opts),
                (c) => c.imageName,
            );
            assert.equal(await unwrap(staged.component.imageName), "staging", "the first stack named wins");
        });

        it("uploads its own, labelled with the disk and stack, when none matches or when it has its own", async () => {
            cloudCatalog.gceImages.push(image({ labels: { "unikernel-disk-digest": "c".repeat(32) } }));
            const fresh = await construct(
                () => new uk.GcpImage("fresh", reuse, opts),
                (c) => c.imageName,
            );
            assert.deepEqual(shape(fresh.children), [
                "command:local:Command fresh-archive",
                "gcp:storage/bucket:Bucket fresh-bucket",
                "gcp:storage/bucketObject:BucketObject fresh-archive",
                "gcp:compute/image:Image fresh",
            ]);
            const labels = (await resolved(fresh.children[3].inputs)).labels;
            assert.equal(labels["unikernel-disk-digest"], "d".repeat(32));
            assert.equal(labels["unikernel-stack"], sha256("org/project/stack").slice(0, 16));
            assert.equal(await unwrap(fresh.component.reusedFrom), undefined);

            cloudCatalog.gceImages.push(
                image({ name: "mine", labels: { "unikernel-stack": sha256("org/project/stack").slice(0, 16) } }),
                image({ name: "theirs-newer", creationTimestamp: "2026-11-28T00:00:00.000-08:00" }),
            );
            const mine = await construct(
                () => new uk.GcpImage("mine", reuse, opts),
                (c) => c.imageName,
            );
            assert.equal(shape(mine.children).length, 4);
        });

        it("needs a disk digest, and a digest in the label alphabet", () =>
            rejects(
                () => new uk.GcpImage("bad", { ...reuse, digest: "sha256:ABC", diskDigest: undefined }, opts),
                ["digest", "diskDigest"],
            ));
    });
});
