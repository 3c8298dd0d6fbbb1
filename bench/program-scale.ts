/**
 * bench/program-scale: 100 AwsService components in one program under mocks, against the same raw
 * cloud resources declared by hand (security group, ingress rule, egress rule, instance per
 * service), in the same run. Each side runs in a fresh Node.js process; medians of RUNS runs.
 * Measures what the component layer costs a program: construction, validation and registration.
 */
import type * as Pulumi from "@pulumi/pulumi";
import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";

const N = Number(process.env.SERVICES ?? 100);
const RUNS = Number(process.env.RUNS ?? 3);

async function side(mode: "component" | "raw"): Promise<{ ms: number; resources: number }> {
    const pulumi = await import("@pulumi/pulumi");
    let resources = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                resources++;
                return {
                    id: `${args.name}-id`,
                    state: { ...(args.inputs as Record<string, unknown>), privateIp: "10.0.0.1", publicIp: "" },
                };
            },
            call: () => ({}),
        },
        "bench",
        "bench",
        false,
    );
    const aws = await import("@pulumi/aws");
    const uk = await import("../src");
    const start = process.hrtime.bigint();
    const outputs: unknown[] = [];
    for (let i = 0; i < N; i++) {
        if (mode === "component") {
            const svc = new uk.AwsService(`svc-${i}`, {
                imageId: "ami-0123",
                kernelFamily: uk.KernelFamily.Nanos,
                instanceType: "t3.micro",
                environment: uk.Environment.Private,
                ports: [{ port: 8080 }],
                vpcId: "vpc-1",
                subnetIds: ["subnet-1"],
            });
            outputs.push(svc.instanceIds);
        } else {
            const sg = new aws.ec2.SecurityGroup(`svc-${i}-sg`, { vpcId: "vpc-1", description: "raw" });
            new aws.vpc.SecurityGroupIngressRule(`svc-${i}-tcp-8080-0`, {
                securityGroupId: sg.id,
                ipProtocol: "tcp",
                fromPort: 8080,
                toPort: 8080,
                cidrIpv4: "10.0.0.0/16",
            });
            new aws.vpc.SecurityGroupEgressRule(`svc-${i}-egress`, {
                securityGroupId: sg.id,
                ipProtocol: "-1",
                cidrIpv4: "0.0.0.0/0",
            });
            const instance = new aws.ec2.Instance(`svc-${i}`, {
                ami: "ami-0123",
                instanceType: "t3.micro",
                subnetId: "subnet-1",
                vpcSecurityGroupIds: [sg.id],
                associatePublicIpAddress: false,
            });
            outputs.push(instance.id);
        }
    }
    await new Promise<void>((resolve) => pulumi.all(outputs as Pulumi.Output<unknown>[]).apply(() => resolve()));
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, resources };
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
    const mode = process.argv[2];
    if (mode === "component" || mode === "raw") {
        process.stdout.write(JSON.stringify(await side(mode)));
        return;
    }
    const run = (m: string) =>
        JSON.parse(
            execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", __filename, m], {
                cwd: path.join(__dirname, ".."),
                encoding: "utf8",
            }),
        ) as { ms: number; resources: number };
    const results: Record<string, { ms: number[]; resources: number }> = {
        component: { ms: [], resources: 0 },
        raw: { ms: [], resources: 0 },
    };
    for (let i = 0; i < RUNS; i++) {
        for (const m of ["raw", "component"] as const) {
            const r = run(m);
            results[m].ms.push(r.ms);
            results[m].resources = r.resources;
        }
    }
    const c = median(results.component.ms);
    const r = median(results.raw.ms);
    console.log(
        `Program scale: ${N} services under mocks, median of ${RUNS} runs, ${os.cpus().length} CPUs, ${new Date().toISOString().slice(0, 10)}`,
    );
    console.log("");
    console.log("| program | resources registered | time (ms) |");
    console.log("|---|---:|---:|");
    console.log(`| raw aws resources by hand | ${results.raw.resources} | ${r.toFixed(0)} |`);
    console.log(`| ${N} AwsService components | ${results.component.resources} | ${c.toFixed(0)} |`);
    console.log("");
    console.log(`ratio components / raw: ${(c / r).toFixed(2)}x`);
}

main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
});
