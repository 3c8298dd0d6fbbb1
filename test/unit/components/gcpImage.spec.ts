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
