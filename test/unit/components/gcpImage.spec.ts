/**
 * GcpImage under mocks: bucket, archive upload and the image.
 */
import { strict as assert } from "assert";
import { uk, opts, construct, shape } from "../../helpers/componentHarness";
import { resolved, unwrap } from "../../helpers/mocks";

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
});
