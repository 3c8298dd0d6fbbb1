/**
 * The EBS direct upload against a real HTTP endpoint on loopback: moto in server mode (an AWS API
 * emulator from PyPI, installed by ./scripts/setup), behind a small proxy that fails chosen block
 * uploads, so the retry and the cleanup paths run for real.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import { EBSClient, GetSnapshotBlockCommand, ListSnapshotBlocksCommand } from "@aws-sdk/client-ebs";
import { DescribeSnapshotsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { promises as fs, existsSync } from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { makeBootableDisk } from "../../src/disk/bootableDisk";
import { scanBlocks } from "../../src/disk/blocks";
import { demoKernel, tempDir } from "../helpers/demoKernel";
import { jsonOf, unikernelAsync } from "../helpers/cli";

const MOTO = path.join(os.homedir(), ".cache", "pulumi-unikernel", "moto-venv", "bin", "moto_server");
const CREDENTIALS = {
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_SESSION_TOKEN: "testing",
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
};
const BLOCK = 512 * 1024;

/** A proxy in front of moto that answers 500 to the PutSnapshotBlock requests `fail` picks. */
function failingProxy(
    target: number,
    fail: (blockIndex: number, attempt: number) => boolean,
): Promise<{
    server: http.Server;
    port: number;
    attempts: Map<number, number>;
    signers: { path: string; key: string }[];
}> {
    const attempts = new Map<number, number>();
    // Which access key signed each request: shows whose credentials each call went out with.
    const signers: { path: string; key: string }[] = [];
    const server = http.createServer((req, res) => {
        signers.push({
            path: req.url ?? "",
            key: /Credential=([^/]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "",
        });
        const m = /\/snapshots\/[^/]+\/blocks\/(\d+)/.exec(req.url ?? "");
        if (m && req.method === "PUT") {
            const index = Number(m[1]);
            const attempt = (attempts.get(index) ?? 0) + 1;
            attempts.set(index, attempt);
            if (fail(index, attempt)) {
                req.resume();
                req.on("end", () => {
                    res.writeHead(500, {
                        "content-type": "application/json",
                        "x-amzn-errortype": "InternalServerException",
                    });
                    res.end(JSON.stringify({ message: "injected failure" }));
                });
                return;
            }
        }
        // The SDK asks for "100-continue" on block uploads; this server already answered it, so the
        // upstream request goes without it (werkzeug would otherwise wait for a body it never asks for).
        const { expect: _expect, ...headers } = req.headers;
        const upstream = http.request(
            { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers },
            (up) => {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
            },
        );
        req.pipe(upstream);
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () =>
            resolve({ server, port: (server.address() as AddressInfo).port, attempts, signers }),
        ),
    );
}

async function waitForHttp(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        const up = await new Promise<boolean>((resolve) => {
            http.get({ host: "127.0.0.1", port, path: "/" }, (res) => {
                res.resume();
                resolve(true);
            }).on("error", () => resolve(false));
        });
        if (up) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`moto did not answer on port ${port}`);
}

describe("EBS direct upload (moto on loopback)", function () {
    this.timeout(120_000);
    let moto: ChildProcess;
    let motoPort: number;
    let dir: string;
    let disk: string;
    let env: NodeJS.ProcessEnv;

    before(async () => {
        assert.ok(existsSync(MOTO), `${MOTO} is missing: ./scripts/setup installs moto[server] into that virtualenv`);
        dir = tempDir();
        disk = (await makeBootableDisk({ kernel: demoKernel(), boot: "bios", out: path.join(dir, "disk.img") })).path;
        motoPort = 20000 + Math.floor(Math.random() * 20000);
        moto = spawn(MOTO, ["-H", "127.0.0.1", "-p", String(motoPort)], { stdio: "ignore" });
        await waitForHttp(motoPort, 60_000);
        env = { ...CREDENTIALS };
    });
    after(async () => {
        moto?.kill();
        await fs.rm(dir, { recursive: true, force: true });
    });

    const clientConfig = () => ({
        region: "us-east-1",
        endpoint: `http://127.0.0.1:${motoPort}`,
        credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });

    it("sends only the non-zero blocks with their checksums, retries a failed block, and the snapshot holds the disk's bytes", async () => {
        const proxy = await failingProxy(motoPort, (index, attempt) => index === 0 && attempt === 1);
        try {
            const run = await unikernelAsync(
                [
                    "aws",
                    "upload-snapshot",
                    "--disk",
                    disk,
                    "--region",
                    "us-east-1",
                    "--endpoint",
                    `http://127.0.0.1:${proxy.port}`,
                    "--tag",
                    "digest=abc",
                    "--json",
                ],
                env,
            );
            assert.equal(run.code, 0, run.stderr);
            const result = jsonOf(run);
            const scan = await scanBlocks(disk);
            assert.equal(result.blocksSent, scan.nonZeroBlocks.length);
            assert.equal(result.blocksTotal, Math.ceil((9 * 1024 * 1024) / BLOCK));
            assert.equal(result.volumeSizeGiB, 1);
            assert.equal(result.retries, 1);
            assert.match(run.stderr, /block 0 attempt 1 failed \(InternalServerException/);
            assert.equal(proxy.attempts.get(0), 2);

            const ebs = new EBSClient(clientConfig());
            const listed = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: result.snapshotId as string }));
            assert.deepEqual(
                (listed.Blocks ?? []).map((b) => b.BlockIndex).sort((a, b) => a! - b!),
                scan.nonZeroBlocks,
            );
            const bytes = await fs.readFile(disk);
            for (const block of listed.Blocks ?? []) {
                const got = await ebs.send(
                    new GetSnapshotBlockCommand({
                        SnapshotId: result.snapshotId as string,
                        BlockIndex: block.BlockIndex!,
                        BlockToken: block.BlockToken!,
                    }),
                );
                const data = Buffer.from(await got.BlockData!.transformToByteArray());
                const expected = Buffer.alloc(BLOCK);
                bytes.copy(
                    expected,
                    0,
                    block.BlockIndex! * BLOCK,
                    Math.min(bytes.length, (block.BlockIndex! + 1) * BLOCK),
                );
                assert.ok(data.equals(expected), `block ${block.BlockIndex} differs`);
            }
            const ec2 = new EC2Client(clientConfig());
            const described = await ec2.send(
                new DescribeSnapshotsCommand({ SnapshotIds: [result.snapshotId as string] }),
            );
            assert.equal(described.Snapshots?.[0]?.State, "completed");

            // destroy: the delete step reads the snapshot id from the create step's stdout
            const removed = await unikernelAsync(
                [
                    "aws",
                    "delete-snapshot",
                    "--region",
                    "us-east-1",
                    "--from-command-stdout",
                    "--endpoint",
                    `http://127.0.0.1:${motoPort}`,
                    "--json",
                ],
                { ...env, PULUMI_COMMAND_STDOUT: run.stdout },
            );
            assert.equal(removed.code, 0, removed.stderr);
            assert.deepEqual(jsonOf(removed), { snapshotId: result.snapshotId, deleted: true });
            await assert.rejects(
                ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [result.snapshotId as string] })),
                /InvalidSnapshot.NotFound|does not exist/,
            );
        } finally {
            proxy.server.close();
        }
    });

    it("gives up after the retries, shows the error, and deletes the partial snapshot", async () => {
        const proxy = await failingProxy(motoPort, () => true);
        const ec2 = new EC2Client(clientConfig());
        const before = (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots?.length ?? 0;
        try {
            const run = await unikernelAsync(
                [
                    "aws",
                    "upload-snapshot",
                    "--disk",
                    disk,
                    "--region",
                    "us-east-1",
                    "--endpoint",
                    `http://127.0.0.1:${proxy.port}`,
                    "--concurrency",
                    "1",
                    "--json",
                ],
                env,
            );
            assert.equal(run.code, 1);
            assert.match(run.stderr, /attempt 4 failed/);
            assert.match(run.stderr, /upload failed; deleting the partial snapshot snap-/);
            assert.match(jsonOf(run).error as string, /injected failure/);
            const after = (await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }))).Snapshots?.length ?? 0;
            assert.equal(after, before, "no partial snapshot left");
        } finally {
            proxy.server.close();
        }
    });

    it("assumes a chain of roles in order, each with the previous one's credentials, and uploads as the last", async () => {
        const proxy = await failingProxy(motoPort, () => false);
        try {
            const endpoint = `http://127.0.0.1:${proxy.port}`;
            const run = await unikernelAsync(
                [
                    "aws",
                    "upload-snapshot",
                    "--disk",
                    disk,
                    "--region",
                    "us-east-1",
                    "--endpoint",
                    endpoint,
                    "--role-arn",
                    "arn:aws:iam::123456789012:role/hop",
                    "--role-arn",
                    "arn:aws:iam::123456789012:role/uploader",
                    "--role-external-id",
                    "",
                    "--role-external-id",
                    "ext-42",
                    "--json",
                ],
                env,
            );
            assert.equal(run.code, 0, run.stderr);
            const keys = [...new Set(proxy.signers.map((s) => s.key))];
            assert.equal(keys[0], "testing", "the first role is assumed with the machine's own credentials");
            assert.equal(keys.length, 3, `three identities in turn: ${keys.join(", ")}`);
            const blockSigners = new Set(proxy.signers.filter((s) => /\/blocks\//.test(s.path)).map((s) => s.key));
            assert.deepEqual([...blockSigners], [keys[2]], "the blocks go out as the last role of the chain");
            const removed = await unikernelAsync(
                [
                    "aws",
                    "delete-snapshot",
                    "--region",
                    "us-east-1",
                    "--snapshot-id",
                    jsonOf(run).snapshotId as string,
                    "--endpoint",
                    endpoint,
                    "--role-arn",
                    "arn:aws:iam::123456789012:role/uploader",
                    "--json",
                ],
                env,
            );
            assert.equal(removed.code, 0, removed.stderr);
        } finally {
            proxy.server.close();
        }
    });

    it("has nothing to delete when the upload never printed a snapshot", async () => {
        const run = await unikernelAsync(
            ["aws", "delete-snapshot", "--region", "us-east-1", "--from-command-stdout", "--json"],
            { ...env, PULUMI_COMMAND_STDOUT: "" },
        );
        assert.equal(run.code, 0);
        assert.deepEqual(jsonOf(run), { deleted: false });
    });
});
