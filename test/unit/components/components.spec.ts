/**
 * Every component under pulumi.runtime.setMocks: the exact children, their parents and key inputs,
 * and every invalid combination rejected before any child is registered.
 */
import { strict as assert } from "assert";
import { copyFileSync, mkdtempSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, record, recorded, resolved, settle, unwrap } from "../../helpers/mocks";
import { DEMO_DIR, demoKernel } from "../../helpers/demoKernel";

installMocks();
// Imported after the mocks, as the components must see them.
/* eslint-disable @typescript-eslint/no-var-requires */
const uk = require("../../../src") as typeof import("../../../src");
import type * as UK from "../../../src";
import { planBuild } from "../../../src/engines/build";

const opts = { transformations: [record] };

/** Builds a component and returns what it registered (the component first, then its children). */
async function construct<T>(make: () => T): Promise<{ component: T; children: typeof recorded }> {
    const mark = recorded.length;
    const component = make();
    await settle();
    const all = recorded.slice(mark);
    return { component, children: all.slice(1) };
}

/** Asserts that construction throws an input error mentioning each path, and registers no child. */
async function rejects(make: () => unknown, paths: string[], fragment?: RegExp): Promise<void> {
    const mark = recorded.length;
    let error: any;
    try {
        make();
    } catch (e) {
        error = e;
    }
    assert.ok(error, "expected an input error");
    assert.ok(pulumi.InputPropertyError.isInstance(error) || pulumi.InputPropertiesError.isInstance(error), `${error?.name}: ${error?.message}`);
    const got: string[] = pulumi.InputPropertiesError.isInstance(error) ? error.errors.map((e: any) => e.propertyPath) : [error.propertyPath];
    assert.deepEqual(got.sort(), [...paths].sort(), error.message);
    if (fragment) assert.match(pulumi.InputPropertiesError.isInstance(error) ? error.message : error.reason, fragment);
    assert.equal(recorded.slice(mark).filter((r) => !r.type.startsWith("pulumi-unikernel:")).length, 0, "no child was registered");
}

const shape = (children: typeof recorded) => children.map((c) => `${c.type} ${c.name}`);

describe("UnikernelImage", () => {
    it("builds with the make engine and makes a disk: two commands under the component, triggered by the digest", async () => {
        const { component, children } = await construct(() => new uk.UnikernelImage("hello", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "build/hello.elf", kernelFamily: uk.KernelFamily.Bare, cmdline: "hi",
        }, opts));
        assert.deepEqual(shape(children), ["command:local:Command hello-build", "command:local:Command hello-disk"]);
        for (const c of children) assert.equal(c.parentName, "hello");
        const expected = await planBuild({ engine: "make", dir: DEMO_DIR, make: { kernel: "build/hello.elf", variables: {} }, kernelFamily: "bare" });
        assert.equal(await unwrap(component.digest), expected.digest);
        assert.deepEqual(await resolved(children[0].inputs.triggers), [expected.digest]);
        const create = await resolved(children[0].inputs.create);
        assert.match(create, / build \S+hello-kernel --engine make --target qemu\/x86_64 --family bare --kernel-path build\/hello\.elf --json$/);
        const disk = await resolved(children[1].inputs.create);
        assert.match(disk, / disk --kernel \/cache\/artifacts\/0123456789abcdef\/kernel --cmdline hi --boot bios --arch x86_64 --target qemu\/x86_64 --family bare --out \S+hello-[0-9a-f]{16}\.img --json$/);
        assert.equal(await unwrap(component.diskPath), "/cache/disks/app.img");
        assert.equal(await unwrap(component.bootMode), "bios");
    });

    it("makes one convert command per extra format", async () => {
        const { children } = await construct(() => new uk.UnikernelImage("fmt", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "build/hello.elf", kernelFamily: uk.KernelFamily.Bare,
            formats: [uk.DiskFormat.Vmdk, uk.DiskFormat.Gce],
        }, opts));
        assert.deepEqual(shape(children), ["command:local:Command fmt-build", "command:local:Command fmt-disk", "command:local:Command fmt-vmdk", "command:local:Command fmt-gce"]);
        assert.match(await resolved(children[3].inputs.create), / convert \/cache\/disks\/app\.img --format gce --out \S+\.tar\.gz --json$/);
    });

    it("uses a prebuilt disk as it is: no disk step", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "prebuilt-"));
        copyFileSync(demoKernel(), path.join(dir, "nanos.img"));
        const { component, children } = await construct(() => new uk.UnikernelImage("pre", {
            directory: dir, prebuiltDisk: path.join(dir, "nanos.img"), kernelFamily: uk.KernelFamily.Nanos,
        }, opts));
        assert.deepEqual(shape(children), ["command:local:Command pre-build"]);
        assert.match(await resolved(children[0].inputs.create), / build \S+ --engine prebuilt .* --disk \S+nanos\.img --json$/);
        assert.equal(await unwrap(component.diskPath), "/cache/artifacts/0123456789abcdef/disk.img");
    });

    it("says on the component, at preview, where the Kraftfile deviates (a name kraft normalizes, a skipped linuxu target)", async () => {
        const dir = mkdtempSync(path.join(os.tmpdir(), "kraft-warn-"));
        writeFileSync(path.join(dir, "Kraftfile"), "spec: v0.6\nname: helloworld-g++13.2\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - linuxu/x86_64\n");
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        const savedPath = process.env.PATH;
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => void warnings.push(message);
        process.env.PATH = `${path.resolve(__dirname, "..", "..", "fixtures", "tools", "kraft-fake")}:${savedPath}`;
        try {
            const { component } = await construct(() => new uk.UnikernelImage("warned", { directory: dir, engine: uk.Engine.Kraft }, opts));
            assert.match(await unwrap(component.digest), /^[0-9a-f]{64}$/);
        } finally {
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
            process.env.PATH = savedPath;
        }
        assert.equal(warnings.length, 2, warnings.join("\n"));
        assert.match(warnings[0], /Kraftfile:2: `name`: got "helloworld-g\+\+13\.2", which kraft normalizes to "helloworld-g132"/);
        assert.match(warnings[1], /Kraftfile:6: `targets\[1\]`: is linuxu\/x86_64: linuxu runs the kernel as a Linux process/);
    });

    it("renders a typed application into the build command", async () => {
        const { children } = await construct(() => new uk.UnikernelImage("typed", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "build/hello.elf",
            application: { name: "typed", targets: [{ platform: uk.Platform.Qemu, architecture: uk.Architecture.X86_64 }], cmd: ["/app"], memoryMiB: 64 },
        }, opts));
        const create: string = await resolved(children[0].inputs.create);
        assert.match(create, /--application-json '\{"name":"typed",.*"memory":64\}'/);
    });

    const cases: [string, () => unknown, string[], RegExp?][] = [
        ["prebuilt kernel and disk together", () => new uk.UnikernelImage("bad1", { directory: DEMO_DIR, engine: uk.Engine.Prebuilt, prebuiltKernel: "k", prebuiltDisk: "d" }, opts), ["prebuiltDisk"], /keep the kernel .* or the disk/],
        ["make without a kernel path", () => new uk.UnikernelImage("bad2", { directory: DEMO_DIR, engine: uk.Engine.Make }, opts), ["makeKernelPath"]],
        ["arm64 with BIOS and an unknown target", () => new uk.UnikernelImage("bad3", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", target: { platform: "vmware" as UK.Platform, architecture: uk.Architecture.X86_64 }, diskSizeGiB: 0,
        }, opts), ["target.platform", "diskSizeGiB"]],
        ["a disk above 2 TiB", () => new uk.UnikernelImage("bad3b", { directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", diskSizeGiB: 4096 }, opts), ["diskSizeGiB"], /from 1 to 2048/],
        ["an fc target on a BIOS disk", () => new uk.UnikernelImage("bad4", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", target: { platform: uk.Platform.Firecracker, architecture: uk.Architecture.X86_64 },
        }, opts), ["bootMode"], /boots only by lxboot/],
        ["arm64 on BIOS", () => new uk.UnikernelImage("bad5", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", target: { platform: uk.Platform.Qemu, architecture: uk.Architecture.Arm64 }, bootMode: uk.BootMode.Bios,
        }, opts), ["bootMode"], /arm64 boots by UEFI only/],
        ["a bad application", () => new uk.UnikernelImage("bad6", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", application: { name: "bad name", memoryMiB: -1 },
        }, opts), ["application.name", "application.memoryMiB", "application.targets"]],
        ["a directory with nothing to build", () => new uk.UnikernelImage("bad7", { directory: os.tmpdir() + "/definitely-missing-dir" }, opts), ["engine"], /does not exist/],
        ["make arguments that would be options or commands", () => new uk.UnikernelImage("bad8", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", makeGoal: "--eval=$(shell id)", makeVariables: { "--eval": "x", OK: "a\nb" },
        }, opts), ["makeGoal", "makeVariables[\"--eval\"]", "makeVariables.OK"], /make variable name/],
        ["a command line with a line break", () => new uk.UnikernelImage("bad9", {
            directory: DEMO_DIR, engine: uk.Engine.Make, makeKernelPath: "k", cmdline: "console=ttyS0\ninit=/bin/sh",
        }, opts), ["cmdline"], /line feed/],
    ];
    for (const [title, make, paths, fragment] of cases) {
        it(`rejects ${title} before creating anything`, () => rejects(make, paths, fragment));
    }
});

describe("AwsImage", () => {
    const base = { diskPath: "/cache/disks/app.img", digest: "f".repeat(64), region: "us-east-1" };

    it("uploads with the EBS direct APIs and registers an AMI without ENA for Unikraft", async () => {
        const { component, children } = await construct(() => new uk.AwsImage("ami", { ...base, kernelFamily: uk.KernelFamily.Unikraft }, opts));
        assert.deepEqual(shape(children), ["command:local:Command ami-snapshot", "aws:ec2/ami:Ami ami"]);
        for (const c of children) assert.equal(c.parentName, "ami");
        const upload = children[0].inputs;
        assert.match(await resolved(upload.create), / aws upload-snapshot --disk \/cache\/disks\/app\.img --region us-east-1 --description 'pulumi-unikernel f{16}' .*--tag unikernel:digest=f{64}/);
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
        assert.deepEqual(ami.ebsBlockDevices, [{ deviceName: "/dev/xvda", snapshotId: "snap-0123456789abcdef0", volumeType: "gp3", deleteOnTermination: true }]);
        assert.equal(ami.tags["unikernel:digest"], "f".repeat(64));
        assert.equal(await unwrap(component.snapshotId), "snap-0123456789abcdef0");
    });

    it("declares ENA for Nanos and UEFI for arm64", async () => {
        const { children } = await construct(() => new uk.AwsImage("arm", { ...base, kernelFamily: uk.KernelFamily.Nanos, architecture: uk.Architecture.Arm64 }, opts));
        const ami = await resolved(children[1].inputs);
        assert.equal(ami.enaSupport, true);
        assert.equal(ami.bootMode, "uefi");
        assert.equal(ami.architecture, "arm64");
    });

    it("imports through a private, encrypted bucket with a least-privilege vmimport role", async () => {
        const { children } = await construct(() => new uk.AwsImage("imp", { ...base, kernelFamily: uk.KernelFamily.Nanos, uploadMethod: uk.AwsUploadMethod.S3Import }, opts));
        assert.deepEqual(shape(children), [
            "command:local:Command imp-vmdk", "aws:s3/bucket:Bucket imp-bucket", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock imp-bucket",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration imp-bucket", "aws:s3/bucketPolicy:BucketPolicy imp-bucket",
            "aws:s3/bucketObjectv2:BucketObjectv2 imp-vmdk",
            "aws:iam/role:Role imp-vmimport", "aws:iam/rolePolicy:RolePolicy imp-vmimport", "aws:ebs/snapshotImport:SnapshotImport imp-import", "aws:ec2/ami:Ami imp",
        ]);
        const block = await resolved(children[2].inputs);
        assert.deepEqual([block.blockPublicAcls, block.blockPublicPolicy, block.ignorePublicAcls, block.restrictPublicBuckets], [true, true, true, true]);
        const sse = await resolved(children[3].inputs);
        assert.equal(sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        const bucketPolicy = JSON.parse(await resolved(children[4].inputs.policy));
        assert.deepEqual(bucketPolicy.Statement, [{
            Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: ["arn:aws:s3:::imp-bucket", "arn:aws:s3:::imp-bucket/*"],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        }], "TLS only");
        const trust = JSON.parse(await resolved(children[6].inputs.assumeRolePolicy));
        assert.deepEqual(trust.Statement[0].Principal, { Service: "vmie.amazonaws.com" });
        assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { "sts:Externalid": "vmimport" } });
        const policy = JSON.parse(await resolved(children[7].inputs.policy));
        assert.deepEqual(policy.Statement[1], { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::imp-bucket/*"] });
        assert.ok(!JSON.stringify(policy).includes("\"s3:*\""), "no s3 wildcard");
        assert.deepEqual(policy.Statement[4].Condition, { StringLike: { "kms:ViaService": "ec2.*.amazonaws.com" } }, "the EBS key only through EC2");
        const imported = await resolved(children[8].inputs);
        assert.equal(imported.diskContainer.format, "VMDK");
        assert.equal(imported.encrypted, true, "the imported snapshot is encrypted whatever the account default");
        assert.equal(await resolved(children[0].inputs.create).then((c: string) => / convert \S+ --format vmdk /.test(c)), true);
    });

    it("copies the AMI to other regions with a provider each, encrypted there too", async () => {
        const { children } = await construct(() => new uk.AwsImage("cp", { ...base, kernelFamily: uk.KernelFamily.Nanos, copyToRegions: ["eu-west-1"] }, opts));
        assert.deepEqual(shape(children).slice(2), ["pulumi:providers:aws cp-eu-west-1", "aws:ec2/amiCopy:AmiCopy cp-copy-eu-west-1"]);
        assert.equal((await resolved(children[3].inputs)).encrypted, true);
    });

    it("encrypts with the KMS key given, and uploads as the explicit provider's profile and the given role", async () => {
        const provider = new (require("@pulumi/aws") as typeof import("@pulumi/aws")).Provider("acct-b", { region: "eu-west-1", profile: "account-b" });
        const kms = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        const { children } = await construct(() => new uk.AwsImage("keyed", {
            ...base, kernelFamily: uk.KernelFamily.Nanos, kmsKeyArn: kms, uploadRoleArn: "arn:aws:iam::111122223333:role/uploader",
        }, { ...opts, provider }));
        const upload = children[0].inputs;
        const create: string = await resolved(upload.create);
        assert.match(create, new RegExp(` --kms-key-arn ${kms.replace(/[/]/g, "\\/")} --role-arn arn:aws:iam::111122223333:role/uploader --json$`));
        assert.match(await resolved(upload.delete), / --role-arn arn:aws:iam::111122223333:role\/uploader --from-command-stdout$/);
        assert.deepEqual(await resolved(upload.environment), { AWS_PROFILE: "account-b" });
    });

    it("refuses tags AWS or this package reserves, keys with \"=\", overlong values and a digest that cannot name an AMI", () => rejects(() => new uk.AwsImage("badtags", {
        ...base, kernelFamily: uk.KernelFamily.Nanos, digest: "sha256:abc def",
        tags: { "aws:cloudformation:stack-name": "x", "a=b": "1", "unikernel:digest": "forged", fine: "v".repeat(257) },
    }, opts), ["digest", 'tags["aws:cloudformation:stack-name"]', 'tags["a=b"]', 'tags["unikernel:digest"]', 'tags["fine"]'], /reserved/));

    it("refuses a KMS key and a role that are not ARNs", () => rejects(() => new uk.AwsImage("badkey", {
        ...base, kernelFamily: uk.KernelFamily.Nanos, kmsKeyArn: "alias/mine", uploadRoleArn: "uploader",
    }, opts), ["kmsKeyArn", "uploadRoleArn"], /KMS key ARN/));

    it("rejects an unknown family and a BIOS arm64 AMI", () => rejects(() => new uk.AwsImage("bad", {
        ...base, kernelFamily: "linux" as UK.KernelFamily, architecture: uk.Architecture.Arm64, bootMode: uk.BootMode.Bios,
    }, opts), ["kernelFamily", "bootMode"]));
});

describe("AwsService", () => {
    const ports = [{ port: 80 }, { port: 53, protocol: uk.Protocol.Udp, sources: ["192.0.2.0/24"] }];

    it("public: a new VPC with an internet gateway, a public address, and only the declared ports open", async () => {
        const { component, children } = await construct(() => new uk.AwsService("web", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", ports,
        }, opts));
        assert.deepEqual(shape(children), [
            "aws:ec2/vpc:Vpc web-vpc", "aws:ec2/subnet:Subnet web-public-0", "aws:ec2/subnet:Subnet web-private-0", "aws:ec2/subnet:Subnet web-public-1",
            "aws:ec2/subnet:Subnet web-private-1", "aws:ec2/internetGateway:InternetGateway web-igw", "aws:ec2/routeTable:RouteTable web-public",
            "aws:ec2/routeTableAssociation:RouteTableAssociation web-public-0", "aws:ec2/routeTableAssociation:RouteTableAssociation web-public-1",
            "aws:ec2/securityGroup:SecurityGroup web-sg", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule web-tcp-80-0",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule web-udp-53-0", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule web-egress",
            "aws:ec2/instance:Instance web",
        ]);
        const rules = await Promise.all(children.filter((c) => c.type.endsWith("SecurityGroupIngressRule")).map((c) => resolved(c.inputs)));
        assert.deepEqual(rules.map((r) => [r.ipProtocol, r.fromPort, r.toPort, r.cidrIpv4]), [["tcp", 80, 80, "0.0.0.0/0"], ["udp", 53, 53, "192.0.2.0/24"]]);
        const instance = await resolved(children[children.length - 1].inputs);
        assert.equal(instance.associatePublicIpAddress, true);
        assert.equal(instance.metadataOptions.httpTokens, "required");
        assert.deepEqual(await unwrap(component.urls), ["http://203.0.113.10:80"]);
    });

    it("private: no internet gateway, no public address, and no rule open to 0.0.0.0/0", async () => {
        const { component, children } = await construct(() => new uk.AwsService("db", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "m5.large", environment: uk.Environment.Private, ports: [{ port: 5432 }],
        }, opts));
        assert.ok(!shape(children).some((s) => /InternetGateway|RouteTable/.test(s)));
        const inputs = await Promise.all(children.map((c) => resolved(c.inputs)));
        assert.ok(!JSON.stringify(inputs.filter((_, i) => children[i].type.endsWith("IngressRule"))).includes("0.0.0.0/0"));
        const rule = inputs[children.findIndex((c) => c.type.endsWith("IngressRule"))];
        assert.equal(rule.cidrIpv4, "10.0.0.0/16");
        const instance = inputs[inputs.length - 1];
        assert.equal(instance.associatePublicIpAddress, false);
        assert.equal(instance.subnetId, "db-private-0-id");
        assert.deepEqual(await unwrap(component.publicIps), []);
        const egress = inputs.filter((_, i) => children[i].type.endsWith("EgressRule"));
        assert.deepEqual(egress.map((e) => e.cidrIpv4), ["10.0.0.0/16"], "a private service reaches its VPC only");
    });

    it("egress: anywhere for public by default, or exactly the declared blocks", async () => {
        const egressOf = async (name: string, extra: Partial<UK.AwsServiceArgs>) => {
            const { children } = await construct(() => new uk.AwsService(name, { imageId: "ami-1", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", ...extra }, opts));
            return Promise.all(children.filter((c) => c.type.endsWith("EgressRule")).map(async (c) => [c.name, (await resolved(c.inputs)).cidrIpv4]));
        };
        assert.deepEqual(await egressOf("pub-eg", {}), [["pub-eg-egress", "0.0.0.0/0"]]);
        assert.deepEqual(await egressOf("priv-eg", { environment: uk.Environment.Private, egressCidrs: ["10.0.0.0/16", "192.0.2.0/24"] }),
            [["priv-eg-egress", "10.0.0.0/16"], ["priv-eg-egress-1", "192.0.2.0/24"]]);
    });

    it("warns, on the component, when SSH is open to the whole internet", async () => {
        const warnings: string[] = [];
        const original = pulumi.log.warn;
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => void warnings.push(message);
        try {
            await construct(() => new uk.AwsService("ssh-open", { imageId: "ami-1", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", ports: [{ port: 22 }, { port: 80 }] }, opts));
            await construct(() => new uk.AwsService("ssh-office", {
                imageId: "ami-1", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", ports: [{ port: 22, sources: ["198.51.100.0/24"] }],
            }, opts));
        } finally {
            (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
        }
        assert.deepEqual(warnings, ["port 22 (SSH) is open to the whole internet (0.0.0.0/0) by the public default; limit it with `ports[].sources`, e.g. your office's address block"]);
    });

    it("several replicas: a launch template and an Auto Scaling group", async () => {
        const { children } = await construct(() => new uk.AwsService("asg", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.small", replicas: 2, maxReplicas: 4, vpcId: "vpc-1", subnetIds: ["subnet-a", "subnet-b"],
        }, opts).securityGroupId);
        assert.deepEqual(shape(children).slice(-2), ["aws:ec2/launchTemplate:LaunchTemplate asg-lt", "aws:autoscaling/group:Group asg"]);
        const group = await resolved(children[children.length - 1].inputs);
        assert.deepEqual([group.minSize, group.desiredCapacity, group.maxSize, group.healthCheckType], [2, 2, 4, "EC2"]);
        assert.deepEqual(group.vpcZoneIdentifiers, ["subnet-a", "subnet-b"]);
    });

    it("refuses a Unikraft image on a Nitro type, naming the missing drivers and the alternatives, before creating anything", () => rejects(() => new uk.AwsService("nitro", {
        imageId: "ami-1", kernelFamily: uk.KernelFamily.Unikraft, instanceType: "m5.large", ports: [{ port: 80 }],
    }, opts), ["instanceType"], /"m5\.large" is one of EC2 Nitro instance types: a unikraft qemu\/x86_64 kernel has no ENA network driver .*\(missing: ena\)\. Alternatives: the ops engine \(Nanos\).*GCE machine series with VirtIO/));

    it("requires structural inputs to be plain values, not Outputs", () => rejects(() => new uk.AwsService("out", {
        imageId: "ami-1", kernelFamily: uk.KernelFamily.Nanos, instanceType: pulumi.output("t3.micro") as unknown as string,
    }, opts), ["instanceType"], /must be a plain value, not an Output/));

    it("rejects an arm64 image on an x86 type, a bad port, a bad source and half a network", () => rejects(() => new uk.AwsService("mix", {
        imageId: "ami-1", kernelFamily: uk.KernelFamily.Nanos, architecture: uk.Architecture.Arm64, instanceType: "t3.micro",
        ports: [{ port: 70000 }, { port: 80, sources: ["everyone"] }], vpcId: "vpc-1",
    }, opts), ["instanceType", "ports[0].port", "ports[1].sources[0]", "subnetIds"]));
});

describe("GcpImage", () => {
    it("uploads the archive to a private bucket and declares the kernel's guest features", async () => {
        const { component, children } = await construct(() => new uk.GcpImage("img", {
            diskPath: "/cache/disks/app.img", digest: "e".repeat(64), kernelFamily: uk.KernelFamily.Nanos, bootMode: uk.BootMode.Uefi, family: "web",
        }, opts));
        assert.deepEqual(shape(children), ["command:local:Command img-archive", "gcp:storage/bucket:Bucket img-bucket", "gcp:storage/bucketObject:BucketObject img-archive", "gcp:compute/image:Image img"]);
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
        const { children } = await construct(() => new uk.GcpImage("uk", { diskPath: "/d", digest: "1".repeat(64), kernelFamily: uk.KernelFamily.Unikraft }, opts));
        assert.deepEqual((await resolved(children[3].inputs)).guestOsFeatures, []);
    });
});

describe("AwsService monitoring", () => {
    it("single instance: status-check alarms with the EC2 recover and reboot actions, and notify topics", async () => {
        const { children } = await construct(() => new uk.AwsService("mon", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", ports: [{ port: 80 }],
            monitoring: { recoverOnSystemFailure: true, rebootOnInstanceFailure: true, notifyTopicArns: ["arn:aws:sns:us-east-1:123456789012:ops"] },
        }, opts));
        const alarms = await Promise.all(children.filter((c) => c.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((c) => resolved(c.inputs)));
        assert.deepEqual(alarms.map((a) => [a.metricName, a.alarmActions]), [
            ["StatusCheckFailed_System", ["arn:aws:automate:us-east-1:ec2:recover", "arn:aws:sns:us-east-1:123456789012:ops"]],
            ["StatusCheckFailed_Instance", ["arn:aws:automate:us-east-1:ec2:reboot", "arn:aws:sns:us-east-1:123456789012:ops"]],
        ]);
        for (const alarm of alarms) {
            assert.deepEqual([alarm.namespace, alarm.statistic, alarm.comparisonOperator, alarm.threshold, alarm.evaluationPeriods], ["AWS/EC2", "Maximum", "GreaterThanThreshold", 0, 2]);
            assert.match(alarm.dimensions.InstanceId, /^i-|mon/);
        }
    });

    it("no monitoring asked: no alarms, EC2 health checks for groups", async () => {
        const { children } = await construct(() => new uk.AwsService("quiet", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", replicas: 2,
        }, opts));
        assert.ok(!children.some((c) => c.type.includes("cloudwatch")));
        assert.equal((await resolved(children.find((c) => c.type === "aws:autoscaling/group:Group")!.inputs)).healthCheckType, "EC2");
    });

    it("Auto Scaling group: a network load balancer whose TCP check on the port decides health (ELB), reachable from the VPC", async () => {
        const { component, children } = await construct(() => new uk.AwsService("fleet", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", replicas: 2, maxReplicas: 4, ports: [{ port: 8080 }],
            monitoring: { loadBalancerPort: 8080, healthCheckGraceSeconds: 90 },
        }, opts));
        const byType = (t: string) => children.filter((c) => c.type === t);
        const nlb = await resolved(byType("aws:lb/loadBalancer:LoadBalancer")[0].inputs);
        assert.deepEqual([nlb.loadBalancerType, nlb.internal], ["network", false]);
        const tg = await resolved(byType("aws:lb/targetGroup:TargetGroup")[0].inputs);
        assert.deepEqual([tg.port, tg.protocol, tg.healthCheck.protocol, tg.healthCheck.port], [8080, "TCP", "TCP", "8080"]);
        const group = await resolved(byType("aws:autoscaling/group:Group")[0].inputs);
        assert.deepEqual([group.healthCheckType, group.healthCheckGracePeriod, group.targetGroupArns.length], ["ELB", 90, 1]);
        const healthRule = await resolved(children.find((c) => c.name === "fleet-healthcheck")!.inputs);
        assert.deepEqual([healthRule.fromPort, healthRule.cidrIpv4], [8080, "10.0.0.0/16"]);
        assert.equal((await unwrap(component.urls)).length, 1);
    });

    it("private group: an internal balancer, and no extra rule (the VPC is already the default source)", async () => {
        const { children } = await construct(() => new uk.AwsService("inner", {
            imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", replicas: 2, environment: uk.Environment.Private, ports: [{ port: 5432 }],
            monitoring: { loadBalancerPort: 5432 },
        }, opts));
        assert.equal((await resolved(children.find((c) => c.type === "aws:lb/loadBalancer:LoadBalancer")!.inputs)).internal, true);
        assert.ok(!children.some((c) => c.name === "inner-healthcheck"));
    });

    it("refuses alarms on a group, a balancer on one instance, and a port that is not declared", () => rejects(() => new uk.AwsService("bad", {
        imageId: "ami-123", kernelFamily: uk.KernelFamily.Nanos, instanceType: "t3.micro", replicas: 3, ports: [{ port: 80 }],
        monitoring: { recoverOnSystemFailure: true, loadBalancerPort: 443, healthCheckGraceSeconds: -1 },
    }, opts), ["monitoring.recoverOnSystemFailure", "monitoring.loadBalancerPort", "monitoring.healthCheckGraceSeconds"], /declared TCP ports \(80\)/));
});

describe("GcpService", () => {
    it("public: an external address, serial logging, and a firewall rule per declared port", async () => {
        const { component, children } = await construct(() => new uk.GcpService("svc", {
            image: "img", kernelFamily: uk.KernelFamily.Unikraft, machineType: "e2-small", zone: "us-central1-a", ports: [{ port: 8080 }],
        }, opts));
        assert.deepEqual(shape(children), ["gcp:compute/network:Network svc-net", "gcp:compute/subnetwork:Subnetwork svc-subnet", "gcp:compute/firewall:Firewall svc-tcp-8080", "gcp:compute/instance:Instance svc"]);
        const fw = await resolved(children[2].inputs);
        assert.deepEqual([fw.allows, fw.sourceRanges], [[{ protocol: "tcp", ports: ["8080"] }], ["0.0.0.0/0"]]);
        // The rule selects this component's instances by a tag of its own (name + URN hash), never a bare "svc"
        // another stack or someone's VM could carry.
        assert.equal(fw.targetTags.length, 1);
        assert.match(fw.targetTags[0], /^svc-[0-9a-f]{8}$/);
        const instance = await resolved(children[3].inputs);
        assert.deepEqual(instance.tags, fw.targetTags);
        assert.equal(await unwrap(component.consoleCommand), `gcloud compute instances get-serial-port-output svc --zone us-central1-a`);
        assert.deepEqual(instance.networkInterfaces[0].accessConfigs, [{}]);
        assert.equal(instance.metadata["serial-port-logging-enable"], "TRUE");
        assert.deepEqual(await unwrap(component.urls), ["http://198.51.100.7:8080"]);
    });

    it("private: no external address; rules admit only the subnetwork", async () => {
        const { children } = await construct(() => new uk.GcpService("priv", {
            image: "img", kernelFamily: uk.KernelFamily.Unikraft, machineType: "n2-standard-2", zone: "europe-west1-b", environment: uk.Environment.Private, ports: [{ port: 9000 }],
        }, opts));
        const fw = await resolved(children[2].inputs);
        assert.deepEqual(fw.sourceRanges, ["10.10.0.0/24"]);
        const deny = await resolved(children.find((c) => c.name === "priv-egress-deny")!.inputs);
        assert.deepEqual([deny.direction, deny.priority, deny.denies, deny.destinationRanges], ["EGRESS", 65000, [{ protocol: "all" }], ["0.0.0.0/0"]]);
        assert.deepEqual(deny.targetTags, fw.targetTags);
        assert.match(deny.targetTags[0], /^priv-[0-9a-f]{8}$/);
        const allow = await resolved(children.find((c) => c.name === "priv-egress")!.inputs);
        assert.deepEqual([allow.direction, allow.priority, allow.destinationRanges], ["EGRESS", 1000, ["10.10.0.0/24"]], "outbound to its subnetwork only");
        assert.deepEqual((await resolved(children.find((c) => c.type === "gcp:compute/instance:Instance")!.inputs)).networkInterfaces[0].accessConfigs, []);
    });

    it("several replicas: an instance template and a managed instance group", async () => {
        const { children } = await construct(() => new uk.GcpService("mig", {
            image: "img", kernelFamily: uk.KernelFamily.Nanos, machineType: "c3-standard-4", zone: "us-central1-a", replicas: 3,
        }, opts));
        assert.deepEqual(shape(children).slice(-2), ["gcp:compute/instanceTemplate:InstanceTemplate mig-template", "gcp:compute/instanceGroupManager:InstanceGroupManager mig"]);
        assert.equal((await resolved(children[children.length - 1].inputs)).targetSize, 3);
    });

    it("two services of one name under different parents (so different URNs) get different network tags", async () => {
        const tags: string[] = [];
        for (const parentName of ["a", "b"]) {
            // A URN names the parent's type chain, not its name: different types give different URNs.
            const parent = new pulumi.ComponentResource(`test:index:Parent${parentName}`, parentName, {});
            const { children } = await construct(() => new uk.GcpService("web", {
                image: "img", kernelFamily: uk.KernelFamily.Nanos, machineType: "e2-small", zone: "us-central1-a", ports: [{ port: 80 }],
            }, { ...opts, parent }));
            tags.push((await resolved(children.find((c) => c.type === "gcp:compute/firewall:Firewall")!.inputs)).targetTags[0]);
        }
        assert.match(tags[0], /^web-[0-9a-f]{8}$/);
        assert.notEqual(tags[0], tags[1]);
    });

    it("managed instance group with autohealing: a TCP health check on the port, reachable from Google's checkers only", async () => {
        const { children } = await construct(() => new uk.GcpService("heal", {
            image: "img", kernelFamily: uk.KernelFamily.Nanos, machineType: "e2-small", zone: "us-central1-a", replicas: 2, ports: [{ port: 8080 }],
            monitoring: { autohealingPort: 8080, initialDelaySeconds: 120 },
        }, opts));
        const check = await resolved(children.find((c) => c.type === "gcp:compute/healthCheck:HealthCheck")!.inputs);
        assert.equal(check.tcpHealthCheck.port, 8080);
        const fw = await resolved(children.find((c) => c.name === "heal-healthcheck")!.inputs);
        assert.deepEqual([fw.allows, fw.sourceRanges], [[{ protocol: "tcp", ports: ["8080"] }], ["35.191.0.0/16", "130.211.0.0/22"]]);
        assert.match(fw.targetTags[0], /^heal-[0-9a-f]{8}$/);
        const template = await resolved(children.find((c) => c.type === "gcp:compute/instanceTemplate:InstanceTemplate")!.inputs);
        assert.deepEqual(template.tags, fw.targetTags, "the health-check rule reaches the group's instances");
        const group = await resolved(children.find((c) => c.type === "gcp:compute/instanceGroupManager:InstanceGroupManager")!.inputs);
        assert.equal(group.autoHealingPolicies.initialDelaySec, 120);
        assert.ok(group.autoHealingPolicies.healthCheck);
    });

    it("refuses autohealing on a single instance and on an undeclared port", () => rejects(() => new uk.GcpService("one", {
        image: "img", kernelFamily: uk.KernelFamily.Nanos, machineType: "e2-small", zone: "us-central1-a", ports: [{ port: 80 }],
        monitoring: { autohealingPort: 81 },
    }, opts), ["monitoring.autohealingPort", "monitoring.autohealingPort"], /managed instance groups[\s\S]*declared TCP ports \(80\)/));

    it("refuses a Unikraft image on a gVNIC-only series", () => rejects(() => new uk.GcpService("c3", {
        image: "img", kernelFamily: uk.KernelFamily.Unikraft, machineType: "c3-standard-4", zone: "us-central1-a",
    }, opts), ["machineType"], /no gVNIC network driver/));
});

describe("PrivateHostService", () => {
    const base = { host: "127.0.0.1", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----", hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG", imagePath: "/cache/disks/app.img", imageDigest: "9".repeat(64) };

    it("copies the image and installs the service over SSH with the host key verified and the key secret", async () => {
        const { component, children } = await construct(() => new uk.PrivateHostService("edge", { ...base, ports: [{ port: 8080 }], readyPattern: "ready" }, opts));
        assert.deepEqual(shape(children), ["command:remote:Command edge-prepare", "command:remote:CopyToRemote edge-copy", "command:remote:Command edge"]);
        // SFTP makes no parent directories: the state directory is made before the copy.
        const service = await unwrap(component.serviceName);
        assert.match(service, /^edge-[0-9a-f]{8}$/, "named after the component and a hash of its URN");
        assert.equal(await resolved(children[0].inputs.create), `mkdir -p /var/lib/unikernel/${service}`);
        const copy = await resolved(children[1].inputs);
        assert.equal(copy.connection.hostKey, base.hostKey);
        assert.equal(copy.remotePath, `/var/lib/unikernel/${service}/image-9999999999999999.img`);
        assert.ok(pulumi.Output.isInstance(children[2].inputs.connection.privateKey));
        assert.equal(await (children[2].inputs.connection.privateKey as unknown as { isSecret: Promise<boolean> }).isSecret, true);
        const create: string = await resolved(children[2].inputs.create);
        const files = writtenFiles(create);
        assert.match(files, /Restart=on-failure/);
        assert.match(files, /hostfwd=tcp::8080-:8080/);
        assert.match(create, /grep -qE -e ready -- /);
        const remove: string = await resolved(children[2].inputs.delete);
        assert.ok(remove.includes(`systemctl disable --now unikernel-${service}.service`), remove);
        assert.ok(remove.includes(`/var/lib/unikernel/${service}/image-9999999999999999.img`), "removes the image it ran, not the whole directory");
        assert.equal(await unwrap(component.runMode), "systemd");
        assert.equal(await unwrap(component.consoleCommand), `ssh -p 22 root@127.0.0.1 'tail -f -- /var/lib/unikernel/${service}/console.log'`);
    });

    it("waits for a ready port and installs a watchdog on a declared port", async () => {
        const { children } = await construct(() => new uk.PrivateHostService("watched", {
            ...base, ports: [{ port: 8080 }], readyPort: 8080, watchdog: { port: 8080, intervalSeconds: 5 },
        }, opts));
        const create: string = await resolved(children[2].inputs.create);
        assert.match(create, /until bash \/var\/lib\/unikernel\/watched-[0-9a-f]{8}\/probe\.sh 8080/);
        assert.match(writtenFiles(create), /Watchdog of unikernel watched-[0-9a-f]{8}: port 8080, every 5 s, restart after 3 misses/, "the watchdog script, written from base64");
        assert.match(create, /unikernel-watched-[0-9a-f]{8}-watchdog\.service/);
        assert.match(await resolved(children[2].inputs.delete), /systemctl disable --now unikernel-watched-[0-9a-f]{8}-watchdog\.service/);
    });

    it("refuses a ready port and a watchdog port that are not declared, and a zero interval", () => rejects(() => new uk.PrivateHostService("w", {
        ...base, ports: [{ port: 80 }], readyPort: 81, watchdog: { port: 82, intervalSeconds: 0 },
    }, opts), ["readyPort", "watchdog.port", "watchdog.intervalSeconds"], /declared TCP ports \(80\)/));

    it("refuses a missing host key, a disk for Firecracker and a relative state directory", () => rejects(() => new uk.PrivateHostService("bad", {
        ...base, hostKey: "", hypervisor: uk.Hypervisor.Firecracker, stateDirectory: "relative",
    }, opts), ["hostKey", "hypervisor", "stateDirectory"], /ssh-keyscan/));

    it("refuses values no script or unit could carry, each with its path, before anything exists", () => rejects(() => new uk.PrivateHostService("hostile", {
        ...base, host: "-oProxyCommand=touch /tmp/pwned", user: "root;id", stateDirectory: "/var/lib/x\nExecStartPre=/bin/touch /tmp/pwned",
        readyPattern: "ready\n-f/etc/shadow", cmdline: "console=ttyS0\nUNIKERNEL_EOF",
    }, opts), ["host", "user", "stateDirectory", "readyPattern", "cmdline"], /line feed \(U\+000A\)/));

    it("refuses a bad SSH port, a host key with a second line, a digest that is a path, and values past their bounds", () => rejects(() => new uk.PrivateHostService("bounds", {
        ...base, sshPort: 0, hostKey: `${base.hostKey}\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE attacker`, imageDigest: "../../etc/passwd",
        memoryMiB: 4 * 1024 * 1024, readyTimeoutSeconds: 10 ** 9, watchdog: { port: 80, intervalSeconds: 10 ** 6, failures: 10 ** 6 }, ports: [{ port: 80 }],
    }, opts), ["sshPort", "hostKey", "imageDigest", "memoryMiB", "readyTimeoutSeconds", "watchdog.intervalSeconds", "watchdog.failures"], /from 1 to 65535/));

    it("refuses a state directory that climbs, is the root, or is a directory of the system", async () => {
        for (const stateDirectory of ["/var/lib/../../etc", "/", "/var/lib/x/", "/etc", "/tmp", "/var/lib", "/usr", "/home", "/proc/1", "/sys/kernel", "/dev/shm", "/etc/systemd/system"]) {
            await rejects(() => new uk.PrivateHostService(`dir${stateDirectory.length}`, { ...base, stateDirectory }, opts), ["stateDirectory"], /without "\." or "\.\." segments/);
        }
    });

    it("quotes an odd but valid state directory everywhere it goes", async () => {
        const { children } = await construct(() => new uk.PrivateHostService("odd", { ...base, stateDirectory: "/srv/$(touch pwned) `x` 'q' 100%" }, opts));
        const create: string = await resolved(children[2].inputs.create);
        assert.ok(create.includes("mkdir -p '/srv/$(touch pwned) `x` '\\''q'\\'' 100%'"), create.slice(0, 2000));
        const unit = [...create.matchAll(/printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d > \/etc\/systemd/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8"))[0];
        assert.match(unit, /^ExecStart="\/bin\/sh" "\/srv\/\$\$\(touch pwned\) `x` 'q' 100%%\/vm\.sh"$/m);
    });
});

/** The files a private-host script writes (each from base64, so no content can end a heredoc), decoded and joined. */
function writtenFiles(script: string): string {
    return [...script.matchAll(/printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8")).join("\n");
}

describe("LocalService", () => {
    it("runs QEMU in the background with a pidfile, and stops it on delete", async () => {
        const { component, children } = await construct(() => new uk.LocalService("local", {
            diskPath: "/cache/disks/app.img", imageDigest: "7".repeat(64), readyPattern: "Hello", ports: [{ port: 8080 }],
        }, opts));
        assert.deepEqual(shape(children), ["command:local:Command local"]);
        const create: string = await resolved(children[0].inputs.create);
        // State under <cache>/local/<project>/<stack>/<name>-<hash of the URN>: another stack's "local" has its own.
        assert.match(create, / run --disk \/cache\/disks\/app\.img --arch x86_64 --memory 64M --port tcp:8080:8080 --expect Hello --timeout 120 --detach --pidfile \S+\/local\/project\/stack\/local-[0-9a-f]{8}\/qemu\.pid --console \S+\/local-[0-9a-f]{8}\/console\.log --json$/);
        assert.match(await resolved(children[0].inputs.delete), / stop --pidfile \S+\/local\/project\/stack\/local-[0-9a-f]{8}\/qemu\.pid$/);
        assert.deepEqual(await resolved(children[0].inputs.triggers), ["7".repeat(64)]);
        assert.deepEqual(await unwrap(component.urls), ["http://127.0.0.1:8080"]);
        assert.equal(await unwrap(component.bootMs), 420);
    });

    it("refuses both a disk and a kernel, and a bad pattern", () => rejects(() => new uk.LocalService("bad", {
        diskPath: "/d", kernelPath: "/k", imageDigest: "1", readyPattern: "(",
    }, opts), ["kernelPath", "readyPattern"]));

    it("refuses line breaks in what goes to QEMU and the command line", () => rejects(() => new uk.LocalService("nl", {
        kernelPath: "/k\n", cmdline: "a\u2028b", imageDigest: "1",
    }, opts), ["cmdline", "kernelPath"], /line separator \(U\+2028\)/));

    it("keeps two components of one name apart when their URNs differ (another stack, another parent)", async () => {
        const { stackScopedName } = require("../../../src/components/stackScope") as typeof import("../../../src/components/stackScope");
        const a = await unwrap(stackScopedName("web", pulumi.output("urn:pulumi:dev::app::pulumi-unikernel:index:LocalService::web")));
        const b = await unwrap(stackScopedName("web", pulumi.output("urn:pulumi:prod::app::pulumi-unikernel:index:LocalService::web")));
        const odd = await unwrap(stackScopedName("../../etc", pulumi.output("urn:x")));
        assert.match(a, /^web-[0-9a-f]{8}$/);
        assert.notEqual(a, b);
        assert.match(odd, /^etc-[0-9a-f]{8}$/, "a name never escapes the state directory");
    });
});
