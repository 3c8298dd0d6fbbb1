/**
 * Pulumi mocks for component tests: every registered resource is recorded with its type, name,
 * inputs and parent; unmocked invokes fail the test; `local.Command`s answer with the JSON the real
 * CLI prints, so outputs downstream of a build are exercised too.
 * Register before importing the components (pulumi-eks:nodejs/eks/nodes/nodegroup.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { UploadSnapshotResult } from "../../src/contract/awsSnapshot";
import { BuildResult } from "../../src/contract/build";
import { argvOfCommand } from "../../src/contract/command";
import { ConvertCommandResult } from "../../src/contract/convert";
import { DiskCommandResult } from "../../src/contract/disk";
import { RunDetachedResult } from "../../src/contract/run";
import { SyscallsResult } from "../../src/contract/syscalls";

/** One registered resource. */
export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>;
    parentName?: string;
    parentType?: string;
}

export const recorded: Recorded[] = [];
/** Every resource the mock engine was asked to create (custom resources only; no parent information). */
export const created: { type: string; name: string }[] = [];
/** Invokes the components may make, and what they answer. Anything else throws. */
const CALLS: Record<string, (args: Record<string, any>) => Record<string, any>> = {
    "aws:index/getRegion:getRegion": () => ({ name: "us-east-1", region: "us-east-1", id: "us-east-1" }),
    "aws:index/getAvailabilityZones:getAvailabilityZones": () => ({
        names: ["us-east-1a", "us-east-1b"],
        zoneIds: ["use1-az1", "use1-az2"],
        id: "us-east-1",
    }),
    "aws:ec2/getAmiIds:getAmiIds": (a) => {
        const amis = matchingAmis(a.filters);
        return { ids: (a.sortAscending ? amis.reverse() : amis).map((ami) => ami.id), id: "ids" };
    },
    "aws:ec2/getAmi:getAmi": (a) => {
        const ami = matchingAmis(a.filters)[0];
        if (!ami) throw new Error("Your query returned no results.");
        return {
            id: ami.id,
            state: ami.state,
            architecture: ami.architecture,
            bootMode: ami.bootMode,
            enaSupport: ami.enaSupport,
            deprecationTime: ami.deprecationTime ?? "",
            tags: ami.tags,
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { snapshot_id: ami.snapshotId } }],
        };
    },
    "gcp:compute/getImages:getImages": (a) => ({
        images: matchingGceImages(a.filter).map((i) => ({
            ...i,
            selfLink: `https://www.googleapis.com/compute/v1/projects/p/global/images/${i.name}`,
        })),
        id: "images",
    }),
};

/** An AMI the mocked account has, for the reuse lookups. */
export interface MockAmi {
    id: string;
    state: string;
    creationDate: string;
    architecture: string;
    bootMode: string;
    enaSupport: boolean;
    snapshotId: string;
    deprecationTime?: string;
    tags: Record<string, string>;
}
/** A GCE image the mocked project has. */
export interface MockGceImage {
    name: string;
    status: string;
    creationTimestamp: string;
    labels: Record<string, string>;
}
/** What the mocked account and project hold; tests fill it and empty it again. */
export const cloudCatalog: { amis: MockAmi[]; gceImages: MockGceImage[] } = { amis: [], gceImages: [] };
/** Every invoke made, by token, for asserting what was looked up. */
export const invokes: { token: string; inputs: Record<string, any> }[] = [];

/** The AMIs EC2's DescribeImages would give for these filters (tag:K, state, image-id). */
function matchingAmis(filters: { name: string; values: string[] }[] = []): MockAmi[] {
    const value = (ami: MockAmi, name: string): string | undefined =>
        name.startsWith("tag:")
            ? ami.tags[name.slice(4)]
            : name === "state"
              ? ami.state
              : name === "image-id"
                ? ami.id
                : undefined;
    return cloudCatalog.amis
        .filter((ami) => filters.every((f) => f.values.includes(value(ami, f.name) ?? "\0")))
        .sort((a, b) => b.creationDate.localeCompare(a.creationDate));
}

/** The images a GCE list filter of `(labels.K = "v")` and `(status = "V")` terms joined by AND gives. */
function matchingGceImages(filter: string): MockGceImage[] {
    const terms = filter.split(" AND ").map((t) => {
        const m = /^\((labels\.[a-z0-9_-]+|status) = "([^"]*)"\)$/.exec(t);
        if (!m) throw new Error(`mock GCE filter: cannot read ${JSON.stringify(t)}`);
        return [m[1], m[2]] as const;
    });
    return cloudCatalog.gceImages.filter((image) =>
        terms.every(([key, v]) => (key === "status" ? image.status : image.labels[key.slice(7)]) === v),
    );
}

/**
 * What the CLI prints for each verb a component runs, typed by the contract (src/contract/), so a
 * field the components read cannot be missing here without the compiler saying so.
 */
function cliStdout(create: string): string {
    const argv = argvOfCommand(create);
    const option = (flag: string) => argv[argv.indexOf(flag) + 1];
    const verb = argv[0] === "aws" ? `aws ${argv[1]}` : argv[0];
    switch (verb) {
        case "aws upload-snapshot": {
            const result: UploadSnapshotResult = {
                snapshotId: "snap-0123456789abcdef0",
                blocksSent: 2,
                blocksTotal: 18,
            };
            return JSON.stringify(result);
        }
        case "build": {
            const base = "/cache/artifacts/0123456789abcdef";
            const result: BuildResult = argv.includes("--disk")
                ? {
                      path: `${base}/disk.img`,
                      disk: `${base}/disk.img`,
                      sha256: "a".repeat(64),
                      sizeBytes: 1048576,
                      cmdline: "",
                  }
                : {
                      path: `${base}/kernel`,
                      kernel: `${base}/kernel`,
                      sha256: "b".repeat(64),
                      sizeBytes: 8760,
                      cmdline: "-- /app",
                  };
            // With a registry, the build's package there (pushed or pulled).
            if (argv.includes("--registry")) result.package = `${option("--registry")}@sha256:${"e".repeat(64)}`;
            result.engineVersion = "4.3";
            result.provenance = {
                revision: "f".repeat(40),
                dirty: false,
                builtAt: "2026-11-30T00:00:00.000Z",
                toolVersion: "0.1.0",
            };
            return JSON.stringify(result);
        }
        case "fetch": {
            // A package's build: kernel or disk, which the component learned from the package itself.
            const base = "/cache/artifacts/package-0123456789abcdef";
            const result: BuildResult = {
                path: `${base}/kernel`,
                kernel: `${base}/kernel`,
                disk: `${base}/disk.img`,
                sha256: "b".repeat(64),
                sizeBytes: 8760,
                cmdline: "",
                package: argv[1],
            };
            return JSON.stringify(result);
        }
        case "syscalls": {
            // A program whose command line says "uses-swapon" makes a call neither family has.
            const missing = argv.includes("uses-swapon") ? ["swapon"] : [];
            const result: SyscallsResult = {
                exitCode: 0,
                timedOut: false,
                ready: false,
                syscalls: { write: 1, ...(missing.length ? { swapon: 1 } : {}) },
                kernels: (["unikraft", "nanos"] as const).map((family) => ({
                    family,
                    version: "test",
                    coverage: missing.length ? 0.5 : 1,
                    missing,
                    stubbed: [],
                    tolerated: {},
                    verdict: missing.length ? "missing calls" : "supported",
                    source: "test",
                })),
                firstCalls: {},
                files: [],
                sockets: [],
                signals: [],
                straceVersion: "6.1",
            };
            return JSON.stringify(result);
        }
        case "disk": {
            const result: DiskCommandResult = {
                path: "/cache/disks/app.img",
                sha256: "c".repeat(64),
                sizeBytes: 9437184,
            };
            return JSON.stringify(result);
        }
        case "convert": {
            const result: ConvertCommandResult = {
                path: `/cache/images/app.${option("--format")}`,
                sha256: "d".repeat(64),
                sizeBytes: 1000,
            };
            return JSON.stringify(result);
        }
        case "run": {
            const result: RunDetachedResult = {
                matched: true,
                bootMs: 420,
                consoleLog: "/cache/local/app/console.log",
                pidfile: "/cache/local/app/qemu.pid",
                accel: "tcg",
            };
            return JSON.stringify(result);
        }
        default:
            throw new Error(`no mocked output for \`unikernel ${verb}\``);
    }
}

let installed = false;

/** Installs the mocks once per process. */
export function installMocks(): void {
    if (installed) return;
    installed = true;
    // setMocks is async in signature only (its body sets the monitor synchronously).
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                created.push({ type: args.type, name: args.name });
                const state: Record<string, any> = { ...args.inputs };
                if (args.type === "command:local:Command") state.stdout = cliStdout(String(args.inputs.create ?? ""));
                if (args.type === "command:remote:Command")
                    state.stdout = JSON.stringify({ mode: "systemd", console: "/var/lib/unikernel/x/console.log" });
                if (args.type === "aws:ec2/instance:Instance")
                    Object.assign(state, {
                        privateIp: "10.0.0.10",
                        publicIp: args.inputs.associatePublicIpAddress ? "203.0.113.10" : "",
                    });
                if (args.type === "gcp:compute/instance:Instance") {
                    state.networkInterfaces = (args.inputs.networkInterfaces ?? []).map((n: any) => ({
                        ...n,
                        networkIp: "10.10.0.2",
                        accessConfigs: (n.accessConfigs ?? []).map(() => ({ natIp: "198.51.100.7" })),
                    }));
                    state.name = args.name;
                }
                if (args.type === "gcp:compute/image:Image")
                    state.selfLink = `https://www.googleapis.com/compute/v1/projects/p/global/images/${args.inputs.name}`;
                if (args.type === "aws:s3/bucket:Bucket") state.arn = `arn:aws:s3:::${args.name}`;
                if (args.type === "gcp:storage/bucket:Bucket") state.name = args.name;
                if (
                    args.type === "aws:autoscaling/group:Group" ||
                    args.type === "gcp:compute/instanceGroupManager:InstanceGroupManager"
                )
                    state.name = args.name;
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                invokes.push({ token: args.token, inputs: args.inputs });
                const answer = CALLS[args.token];
                if (!answer) throw new Error(`unmocked invoke ${args.token}`);
                return answer(args.inputs);
            },
        },
        "project",
        "stack",
        false,
        "org",
    );
}

/**
 * A transformation that records each resource with its parent. Pass it in the component's
 * `transformations` option: it then sees the component and every child (mocks alone do not see parents).
 */
export const record: pulumi.ResourceTransformation = (args) => {
    const parent = args.opts.parent as any;
    recorded.push({
        type: args.type,
        name: args.name,
        inputs: args.props as Record<string, any>,
        parentName: parent?.__name,
        parentType: parent?.__pulumiType,
    });
    return undefined;
};

/** Resolves an Output (or plain value) in tests. */
export function unwrap<T>(value: pulumi.Input<T> | undefined): Promise<T> {
    return new Promise((resolve) =>
        pulumi.output(value as pulumi.Input<T>).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/** Deeply resolves a recorded input (which may hold Outputs). */
export function resolved(value: any): Promise<any> {
    return unwrap(pulumi.output(value));
}

/** The resources recorded since `mark`, excluding the components themselves when `childrenOnly`. */
export function since(mark: number): Recorded[] {
    return recorded.slice(mark);
}

/** Waits for pending registrations and applies. */
export async function settle(): Promise<void> {
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
}
