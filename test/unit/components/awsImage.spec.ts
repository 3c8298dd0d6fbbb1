/**
 * AwsImage under mocks: bucket, upload, snapshot import or EBS direct upload, and the AMI.
 */
import { strict as assert } from "assert";
import { uk, opts, construct, rejects, shape } from "../../helpers/componentHarness";
import { MockAmi, cloudCatalog, invokes, resolved, unwrap } from "../../helpers/mocks";
import * as pulumi from "@pulumi/pulumi";
import type * as UK from "../../../src";
import { awsProvenanceTags } from "../../../src/model";

describe("AwsImage", () => {
    const base = { diskPath: "/cache/disks/app.img", digest: "f".repeat(64), region: "us-east-1" };

    it("uploads with the EBS direct APIs and registers an AMI without ENA for Unikraft", async () => {
        const { component, children } = await construct(
            () => new uk.AwsImage("ami", { ...base, kernelFamily: uk.KernelFamily.Unikraft }, opts),
        );
        assert.deepEqual(shape(children), ["command:local:Command ami-snapshot", "aws:ec2/ami:Ami ami"]);
        for (const c of children) assert.equal(c.parentName, "ami");
        const upload = children[0].inputs;
        assert.match(
            await resolved(upload.create),
            / aws upload-snapshot --disk \/cache\/disks\/app\.img --region us-east-1 --description 'pulumi-unikernel f{16}' .*--tag unikernel:digest=f{64}/,
        );
        assert.match(await resolved(upload.delete), / aws delete-snapshot --region us-east-1 --from-command-stdout$/);
        assert.equal(await resolved(upload.addPreviousOutputInEnv), true);
        // The provider's identity (here the default provider, whose stack config sets nothing) travels as a secret environment.
        assert.equal(await (upload.environment as unknown as { isSecret: Promise<boolean> }).isSecret, true);
        assert.deepEqual(await resolved(upload.environment), {});
        assert.deepEqual(await resolved(upload.triggers), ["f".repeat(64)]);
        const ami = await resolved(children[1].inputs);
        assert.equal(ami.virtualizationType, "hvm");
        assert.equal(ami.architecture, "x86_64");
        assert.equal(ami.bootMode, "legacy-bios");
        assert.equal(ami.enaSupport, false);
        assert.equal(ami.rootDeviceName, "/dev/xvda");
        assert.deepEqual(ami.ebsBlockDevices, [
            {
                deviceName: "/dev/xvda",
                snapshotId: "snap-0123456789abcdef0",
                volumeType: "gp3",
                deleteOnTermination: true,
            },
        ]);
        assert.equal(ami.tags["unikernel:digest"], "f".repeat(64));
        assert.equal(await unwrap(component.snapshotId), "snap-0123456789abcdef0");
    });

    it("tags the AMI with where the image came from, within AWS's value limit", async () => {
        const image = new uk.UnikernelImage(
            "prov-src",
            {
                directory: "examples/hello-kernel",
                engine: uk.Engine.Make,
                makeKernelPath: "build/hello.elf",
                kernelFamily: uk.KernelFamily.Bare,
                registry: "127.0.0.1:5000/ci/hello",
            },
            opts,
        );
        const { children } = await construct(
            () =>
                new uk.AwsImage(
                    "prov",
                    {
                        ...base,
                        kernelFamily: uk.KernelFamily.Unikraft,
                        provenance: {
                            sourceRevision: image.sourceRevision,
                            sourceDirty: image.sourceDirty,
                            builtAt: image.builtAt,
                            engine: pulumi.interpolate`${image.engine} ${image.engineVersion}`,
                            package: image.package,
                        },
                    },
                    opts,
                ),
        );
        const ami = await resolved(children.find((c) => c.type === "aws:ec2/ami:Ami")!.inputs);
        assert.deepEqual(
            Object.fromEntries(
                Object.entries(ami.tags as Record<string, string>).filter(([k]) => k.startsWith("unikernel:")),
            ),
            {
                "unikernel:source-revision": "f".repeat(40),
                "unikernel:source-dirty": "false",
                "unikernel:built-at": "2026-11-30T00:00:00.000Z",
                "unikernel:engine": "make 4.3",
                "unikernel:package": `127.0.0.1:5000/ci/hello@sha256:${"e".repeat(64)}`,
                "unikernel:digest": "f".repeat(64),
                "unikernel:kernel-family": "unikraft",
                "unikernel:managed-by": "pulumi-unikernel",
                "unikernel:stack": "org/project/stack",
            },
        );
        // Not on the snapshot: they would be arguments of its upload, and a new build time for the
        // same digest would upload it again.
        const upload = await resolved(children[0].inputs.create);
        assert.doesNotMatch(upload, /source-revision|built-at/);
        for (const value of Object.values(ami.tags as Record<string, string>)) assert.ok(value.length <= 256);
        // A value AWS cannot hold is left out, never cut.
        const long = awsProvenanceTags({ package: `r.io/${"a".repeat(300)}@sha256:${"e".repeat(64)}`, builtAt: "t" });
        assert.deepEqual(long, { "unikernel:built-at": "t" });
    });

    it("declares ENA for Nanos and UEFI for arm64", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsImage(
                    "arm",
                    { ...base, kernelFamily: uk.KernelFamily.Nanos, architecture: uk.Architecture.Arm64 },
                    opts,
                ),
        );
        const ami = await resolved(children[1].inputs);
        assert.equal(ami.enaSupport, true);
        assert.equal(ami.bootMode, "uefi");
        assert.equal(ami.architecture, "arm64");
    });

    it("imports through a private, encrypted bucket with a least-privilege vmimport role", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsImage(
                    "imp",
                    { ...base, kernelFamily: uk.KernelFamily.Nanos, uploadMethod: uk.AwsUploadMethod.S3Import },
                    opts,
                ),
        );
        assert.deepEqual(shape(children), [
            "command:local:Command imp-vmdk",
            "aws:s3/bucket:Bucket imp-bucket",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock imp-bucket",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration imp-bucket",
            "aws:s3/bucketPolicy:BucketPolicy imp-bucket",
            "aws:s3/bucketObjectv2:BucketObjectv2 imp-vmdk",
            "aws:iam/role:Role imp-vmimport",
            "aws:iam/rolePolicy:RolePolicy imp-vmimport",
            "aws:ebs/snapshotImport:SnapshotImport imp-import",
            "aws:ec2/ami:Ami imp",
        ]);
        const block = await resolved(children[2].inputs);
        assert.deepEqual(
            [block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets],
            [true, true, true, true],
        );
        const sse = await resolved(children[3].inputs);
        assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        const bucketPolicy = JSON.parse(await resolved(children[4].inputs.policy));
        assert.deepEqual(
            bucketPolicy.Statement,
            [
                {
                    Sid: "DenyInsecureTransport",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::imp-bucket", "arn:aws:s3:::imp-bucket/*"],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
            "TLS only",
        );
        const trust = JSON.parse(await resolved(children[6].inputs.assumeRolePolicy));
        assert.deepEqual(trust.Statement[0].Principal, { Service: "vmie.amazonaws.com" });
        assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { "sts:Externalid": "vmimport" } });
        const policy = JSON.parse(await resolved(children[7].inputs.policy));
        assert.deepEqual(policy.Statement[1], {
            Effect: "Allow",
            Action: ["s3:GetObject"],
            Resource: ["arn:aws:s3:::imp-bucket/*"],
        });
        assert.ok(!JSON.stringify(policy).includes('"s3:*"'), "no s3 wildcard");
        assert.deepEqual(
            policy.Statement[4].Condition,
            { StringLike: { "kms:ViaService": "ec2.*.amazonaws.com" } },
            "the EBS key only through EC2",
        );
        const imported = await resolved(children[8].inputs);
        assert.equal(imported.diskContainer.format, "VMDK");
        assert.equal(imported.encrypted, true, "the imported snapshot is encrypted whatever the account default");
        assert.equal(
            await resolved(children[0].inputs.create).then((c: string) => / convert \S+ --format vmdk /.test(c)),
            true,
        );
    });

    it("copies the AMI to other regions with a provider each, encrypted there too", async () => {
        const { children } = await construct(
            () =>
                new uk.AwsImage(
                    "cp",
                    { ...base, kernelFamily: uk.KernelFamily.Nanos, copyToRegions: ["eu-west-1"] },
                    opts,
                ),
        );
        assert.deepEqual(shape(children).slice(2), [
            "pulumi:providers:aws cp-eu-west-1",
            "aws:ec2/amiCopy:AmiCopy cp-copy-eu-west-1",
        ]);
        assert.equal((await resolved(children[3].inputs)).encrypted, true);
    });

    it("encrypts with the KMS key given, and uploads as the explicit provider's profile and the given role", async () => {
        const provider = new (require("@pulumi/aws") as typeof import("@pulumi/aws")).Provider("acct-b", {
            region: "eu-west-1",
            profile: "account-b",
        });
        const kms = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const { children } = await construct(
            () =>
                new uk.AwsImage(
                    "keyed",
                    {
                        ...base,
                        kernelFamily: uk.KernelFamily.Nanos,
                        kmsKeyArn: kms,
                        uploadRoleArn: "arn:aws:iam::111122223333:role/uploader",
                    },
                    { ...opts, provider },
                ),
        );
        const upload = children[0].inputs;
        const create: string = await resolved(upload.create);
        assert.match(
            create,
            new RegExp(
                ` --kms-key-arn ${kms.replace(/[/]/g, "\\/")} --role-arn arn:aws:iam::111122223333:role/uploader --json$`,
            ),
        );
        assert.match(
            await resolved(upload.delete),
            / --role-arn arn:aws:iam::111122223333:role\/uploader --from-command-stdout$/,
        );
        assert.deepEqual(await resolved(upload.environment), { AWS_PROFILE: "account-b" });
    });

    it('refuses tags AWS or this package reserves, keys with "=", overlong values and a digest that cannot name an AMI', () =>
        rejects(
            () =>
                new uk.AwsImage(
                    "badtags",
                    {
                        ...base,
                        kernelFamily: uk.KernelFamily.Nanos,
                        digest: "sha256:abc def",
                        tags: {
                            "aws:cloudformation:stack-name": "x",
                            "a=b": "1",
                            "unikernel:digest": "forged",
                            fine: "v".repeat(257),
                        },
                    },
                    opts,
                ),
            [
                "digest",
                'tags["aws:cloudformation:stack-name"]',
                'tags["a=b"]',
                'tags["unikernel:digest"]',
                'tags["fine"]',
            ],
            /reserved/,
        ));

    it("refuses a KMS key and a role that are not ARNs", () =>
        rejects(
            () =>
                new uk.AwsImage(
                    "badkey",
                    {
                        ...base,
                        kernelFamily: uk.KernelFamily.Nanos,
                        kmsKeyArn: "alias/mine",
                        uploadRoleArn: "uploader",
                    },
                    opts,
                ),
            ["kmsKeyArn", "uploadRoleArn"],
            /KMS key ARN/,
        ));

    it("rejects an unknown family and a BIOS arm64 AMI", () =>
        rejects(
            () =>
                new uk.AwsImage(
                    "bad",
                    {
                        ...base,
                        kernelFamily: "linux" as UK.KernelFamily,
                        architecture: uk.Architecture.Arm64,
                        bootMode: uk.BootMode.Bios,
                    },
                    opts,
                ),
            ["kernelFamily", "bootMode"],
        ));

    describe("reuseFrom", () => {
        const diskDigest = "d".repeat(64);
        const reuse = {
            ...base,
            diskDigest,
            reuseFrom: ["org/project/staging", "org/project/dev"],
            kernelFamily: uk.KernelFamily.Unikraft,
        };
        const theirs = (over: Partial<MockAmi> = {}): MockAmi => ({
            id: "ami-0aaaaaaaaaaaaaaa1",
            state: "available",
            creationDate: "2026-11-01T00:00:00.000Z",
            architecture: "x86_64",
            bootMode: "legacy-bios",
            enaSupport: false,
            snapshotId: "snap-0aaaaaaaaaaaaaaa1",
            ...over,
            tags: {
                "unikernel:digest": base.digest,
                "unikernel:disk-digest": diskDigest,
                "unikernel:kernel-family": "unikraft",
                "unikernel:stack": "org/project/dev",
                ...over.tags,
            },
        });
        afterEach(() => cloudCatalog.amis.splice(0));

        it("uses a named stack's AMI of the same disk, uploads nothing, and copies it under a name of its own", async () => {
            cloudCatalog.amis.push(
                theirs({ id: "ami-0newer", creationDate: "2026-11-20T00:00:00.000Z", snapshotId: "snap-0newer" }),
                theirs(),
            );
            const mark = invokes.length;
            const { component, children } = await construct(
                () => new uk.AwsImage("reuse", { ...reuse, copyToRegions: ["eu-west-1"] }, opts),
                (c) => c.imageId,
            );
            assert.deepEqual(shape(children), [
                "pulumi:providers:aws reuse-eu-west-1",
                "aws:ec2/amiCopy:AmiCopy reuse-copy-eu-west-1",
            ]);
            // The oldest of that stack's: the choice stays put as more appear.
            assert.equal(await unwrap(component.imageId), "ami-0aaaaaaaaaaaaaaa1");
            assert.equal(await unwrap(component.snapshotId), "snap-0aaaaaaaaaaaaaaa1");
            assert.equal(await unwrap(component.reusedFrom), "org/project/dev");
            const copy = await resolved(children[1].inputs);
            assert.equal(copy.sourceAmiId, "ami-0aaaaaaaaaaaaaaa1");
            assert.equal(copy.tags["unikernel:stack"], "org/project/stack");
            // AMI names are unique per region: not the name the owner's own copy there may have.
            assert.match(copy.name, /^reuse-f{16}-[0-9a-f]{8}$/);
            const lookups = invokes.slice(mark).filter((i) => i.token === "aws:ec2/getAmiIds:getAmiIds");
            for (const lookup of lookups) {
                assert.deepEqual(lookup.inputs.owners, ["self"]);
                assert.deepEqual(
                    lookup.inputs.filters.map((f: { name: string }) => f.name),
                    ["tag:unikernel:digest", "tag:unikernel:disk-digest", "state", "tag:unikernel:stack"],
                );
            }
            assert.deepEqual(
                lookups.map((l) => l.inputs.filters[3].values),
                [["org/project/stack"], ["org/project/staging", "org/project/dev"]],
                "its own first, then only the stacks named",
            );
        });

        it("prefers the stacks in the order named, and never a stack not named", async () => {
            cloudCatalog.amis.push(
                theirs({ id: "ami-0dev", creationDate: "2026-01-01T00:00:00.000Z" }),
                theirs({
                    id: "ami-0staging",
                    snapshotId: "snap-0staging",
                    tags: { "unikernel:stack": "org/project/staging" },
                }),
                theirs({
                    id: "ami-0other",
                    creationDate: "2025-01-01T00:00:00.000Z",
                    tags: { "unikernel:stack": "evil/project/dev" },
                }),
            );
            const { component } = await construct(
                () => new uk.AwsImage("order", reuse, opts),
                (c) => c.imageId,
            );
            assert.equal(await unwrap(component.imageId), "ami-0staging");
            assert.equal(await unwrap(component.reusedFrom), "org/project/staging");
            cloudCatalog.amis.splice(0);
            cloudCatalog.amis.push(theirs({ id: "ami-0other", tags: { "unikernel:stack": "evil/project/dev" } }));
            const fresh = await construct(
                () => new uk.AwsImage("notnamed", reuse, opts),
                (c) => c.imageId,
            );
            assert.deepEqual(shape(fresh.children), [
                "command:local:Command notnamed-snapshot",
                "aws:ec2/ami:Ami notnamed",
            ]);
        });

        it("uploads its own when no AMI matches what this stack would register", async () => {
            cloudCatalog.amis.push(
                theirs({ id: "ami-0arm", architecture: "arm64" }),
                theirs({ id: "ami-0uefi", bootMode: "uefi" }),
                theirs({ id: "ami-0ena", enaSupport: true }),
                theirs({ id: "ami-0nanos", tags: { "unikernel:kernel-family": "nanos" } }),
                theirs({ id: "ami-0otherdisk", tags: { "unikernel:disk-digest": "e".repeat(64) } }),
                theirs({ id: "ami-0pending", state: "pending" }),
                theirs({ id: "ami-0deprecated", deprecationTime: "2026-01-01T00:00:00.000Z" }),
            );
            const { component, children } = await construct(
                () => new uk.AwsImage("fresh", reuse, opts),
                (c) => c.imageId,
            );
            assert.deepEqual(shape(children), ["command:local:Command fresh-snapshot", "aws:ec2/ami:Ami fresh"]);
            assert.equal(await unwrap(component.reusedFrom), undefined);
            const ami = await resolved(children[1].inputs);
            assert.equal(ami.tags["unikernel:disk-digest"], diskDigest);
            assert.equal(ami.tags["unikernel:stack"], "org/project/stack");
            // The snapshot's tags (upload arguments) do not carry the stack or disk digest.
            assert.doesNotMatch(await resolved(children[0].inputs.create), /unikernel:stack|disk-digest/);
        });

        it("keeps this stack's own AMI even when a named stack has one", async () => {
            cloudCatalog.amis.push(
                theirs({
                    id: "ami-0mine",
                    creationDate: "2026-09-01T00:00:00.000Z",
                    tags: { "unikernel:stack": "org/project/stack" },
                }),
                theirs({ id: "ami-0dev", creationDate: "2026-08-20T00:00:00.000Z" }),
            );
            const { component, children } = await construct(
                () => new uk.AwsImage("mine", reuse, opts),
                (c) => c.imageId,
            );
            assert.deepEqual(shape(children), ["command:local:Command mine-snapshot", "aws:ec2/ami:Ami mine"]);
            assert.equal(await unwrap(component.reusedFrom), undefined);
        });

        it("looks nothing up without reuseFrom", async () => {
            cloudCatalog.amis.push(theirs());
            const mark = invokes.length;
            const { children } = await construct(
                () => new uk.AwsImage("noreuse", { ...base, diskDigest, kernelFamily: uk.KernelFamily.Unikraft }, opts),
                (c) => c.imageId,
            );
            assert.deepEqual(shape(children), ["command:local:Command noreuse-snapshot", "aws:ec2/ami:Ami noreuse"]);
            assert.equal(invokes.slice(mark).filter((i) => i.token.startsWith("aws:ec2/getAmi")).length, 0);
        });

        it("needs a disk digest in hex, and stacks named in full", () =>
            rejects(
                () =>
                    new uk.AwsImage(
                        "nodisk",
                        { ...base, reuseFrom: ["dev", "org/project/prod"], kernelFamily: uk.KernelFamily.Unikraft },
                        opts,
                    ),
                ["diskDigest", "reuseFrom[0]"],
                /reuseFrom needs it/,
            ).then(() =>
                rejects(
                    () => new uk.AwsImage("baddisk", { ...reuse, diskDigest: "D".repeat(64), reuseFrom: [] }, opts),
                    ["diskDigest", "reuseFrom"],
                    /64 lower-case hex/,
                ),
            ));
    });
});
