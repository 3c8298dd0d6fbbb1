/**
 * Upload rows: the bytes an EBS direct upload sends (non-zero 512 KiB blocks) next to the disk's
 * non-zero bytes, and the upload's throughput at several concurrencies against moto (the AWS API
 * emulator ./scripts/setup installs) on loopback. moto is one Python process: the numbers show
 * what concurrency buys against a server that answers slowly, not what AWS would do.
 */
import { ChildProcess, spawn } from "child_process";
import { randomBytes } from "crypto";
import { existsSync, promises as fs } from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { scanBlocks } from "../../src/disk/blocks";
import { uploadSnapshot } from "../../src/clouds/aws/ebsDirect";
import { median } from "./timing";

const MOTO = path.join(os.homedir(), ".cache", "pulumi-unikernel", "moto-venv", "bin", "moto_server");
const MIB = 1024 * 1024;

/** The bytes-sent table for the given disks. */
export async function sentTable(disks: readonly (readonly [string, string])[]): Promise<string> {
    const lines = [
        "| disk | size (bytes) | EBS direct upload sends (bytes) | non-zero 4 KiB pages (bytes) | sent / size |",
        "|---|---:|---:|---:|---:|",
    ];
    for (const [label, input] of disks) {
        const blocks = await scanBlocks(input);
        const pages = await scanBlocks(input, 4096);
        const sent = blocks.nonZeroBlocks.length * blocks.blockBytes;
        lines.push(
            `| ${label} | ${blocks.sizeBytes} | ${sent} (${blocks.nonZeroBlocks.length} of ${blocks.totalBlocks} blocks) | ${pages.nonZeroBlocks.length * 4096} | ${((sent / blocks.sizeBytes) * 100).toFixed(2)}% |`,
        );
    }
    return lines.join("\n");
}

async function waitForHttp(port: number, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
        const up = await new Promise<boolean>((resolve) =>
            http
                .get({ host: "127.0.0.1", port, path: "/" }, (res) => resolve(Boolean(res.resume())))
                .on("error", () => resolve(false)),
        );
        if (up) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`moto did not answer on 127.0.0.1:${port}`);
}

/** Upload time and throughput of a 64 MiB disk of random data (128 blocks) at each concurrency. */
export async function throughputTable(work: string): Promise<string> {
    if (!existsSync(MOTO)) return `(no upload throughput: ${MOTO} is missing; ./scripts/setup installs it)`;
    const disk = path.join(work, "random-64m.raw");
    await fs.writeFile(disk, randomBytes(64 * MIB));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const moto: ChildProcess = spawn(MOTO, ["-H", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    const saved = { ...process.env };
    Object.assign(process.env, {
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        AWS_EC2_METADATA_DISABLED: "true",
    });
    try {
        await waitForHttp(port, 60_000);
        const lines = [
            "| concurrency | blocks sent | time (ms) | MiB/s | x concurrency 1 |",
            "|---:|---:|---:|---:|---:|",
        ];
        let first = 0;
        for (const concurrency of [1, 4, 8, 16]) {
            let sent = 0;
            const ms = await median(async () => {
                const result = await uploadSnapshot({
                    disk,
                    region: "us-east-1",
                    endpoint: `http://127.0.0.1:${port}`,
                    concurrency,
                });
                sent = result.blocksSent;
            }, 3);
            if (concurrency === 1) first = ms;
            lines.push(
                `| ${concurrency} | ${sent} | ${ms.toFixed(0)} | ${((sent * 0.5) / (ms / 1000)).toFixed(1)} | ${(first / ms).toFixed(2)}x |`,
            );
        }
        return lines.join("\n");
    } finally {
        moto.kill();
        for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"]) {
            if (saved[key] === undefined) delete process.env[key];
            else process.env[key] = saved[key];
        }
    }
}
