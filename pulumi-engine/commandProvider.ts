// A stand-in for the Pulumi command provider 1.2.1 (`pulumi-resource-command`), for machines that
// cannot get the real one. The real provider is downloaded from GitHub by Pulumi, or built from the
// Go module github.com/pulumi/pulumi-command/provider; on this project's CI machine neither can be
// reached (the Go module proxy refuses every version of that module), so scripts/setup-pulumi
// installs this file under the name and version @pulumi/command asks for, in the engine's own
// PULUMI_HOME only, never in the user's ~/.pulumi.
//
// It implements the subset of the provider's documented behaviour that pulumi-unikernel uses,
// with the same semantics, so the components meet the same rules they meet in real use:
//  - local:Command and remote:Command: `create` runs on create; a change to `triggers` replaces;
//    any other input change is an update that runs `update`, or `create` when there is no `update`;
//    `delete` runs on delete with PULUMI_COMMAND_STDOUT/STDERR set to the previous outputs; stdout
//    and stderr are outputs with one trailing newline removed; a failing command fails the step
//    with its exit status and combined output.
//  - remote:CopyToRemote: copies a file asset (or a directory archive) over SFTP to remotePath; it
//    does not create missing parent directories (the real one does not either); delete is a no-op.
//  - SSH: the host key, when given, is verified; a mismatch refuses the connection.
// Anything else it is asked to do fails with a message that names the unsupported input.
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as provider from "@pulumi/pulumi/provider";
import { Client, ConnectConfig, ParsedKey, SFTPWrapper, utils as sshUtils } from "ssh2";

const VERSION = "1.2.1";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Inputs whose change replaces the resource rather than updating it. */
const REPLACE_ON_CHANGES = ["triggers"];

/** Removes secret and output wrappers, keeping the plain value (secretness is the engine's business). */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SIG_KEY] === SECRET_SIG || record[SIG_KEY] === OUTPUT_SIG) return plain(record.value);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

function hasUnknown(value: unknown): boolean {
    if (value === UNKNOWN) return true;
    if (Array.isArray(value)) return value.some(hasUnknown);
    if (value && typeof value === "object") {
        const record = value as Record<string, unknown>;
        if (record[SIG_KEY] === OUTPUT_SIG && !("value" in record)) return true;
        return Object.values(record).some(hasUnknown);
    }
    return false;
}

function token(urn: string): string {
    // urn:pulumi:stack::project::parent$type::name -> type
    const qualified = urn.split("::")[2] ?? "";
    return qualified.split("$").pop() ?? qualified;
}

interface Outputs {
    stdout: string;
    stderr: string;
}

function trimNewline(text: string): string {
    return text.endsWith("\n") ? text.slice(0, -1) : text;
}

function failure(status: string, command: string, output: string): Error {
    const tail = output.length > 8000 ? output.slice(-8000) : output;
    return new Error(`${status}: running ${JSON.stringify(command)}:\n${tail}`);
}

function previousOutputEnv(inputs: Record<string, unknown>, previous?: Partial<Outputs>): Record<string, string> {
    if (inputs.addPreviousOutputInEnv === false || !previous) return {};
    return { PULUMI_COMMAND_STDOUT: previous.stdout ?? "", PULUMI_COMMAND_STDERR: previous.stderr ?? "" };
}

function runLocal(command: string, inputs: Record<string, unknown>, previous?: Partial<Outputs>): Promise<Outputs> {
    const interpreter = (inputs.interpreter as string[] | undefined) ?? ["/bin/sh", "-c"];
    const env = {
        ...process.env,
        ...(inputs.environment as Record<string, string> | undefined),
        ...previousOutputEnv(inputs, previous),
    };
    return new Promise((resolve, reject) => {
        const child = spawn(interpreter[0], [...interpreter.slice(1), command], {
            cwd: (inputs.dir as string | undefined) || process.cwd(),
            env,
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "",
            stderr = "",
            combined = "";
        // Decoded as UTF-8 by the stream, so a character split across two chunks stays whole.
        child.stdout.setEncoding("utf8").on("data", (d: string) => {
            stdout += d;
            combined += d;
        });
        child.stderr.setEncoding("utf8").on("data", (d: string) => {
            stderr += d;
            combined += d;
        });
        child.stdin.end((inputs.stdin as string | undefined) ?? "");
        child.on("error", reject);
        child.on("close", (code, signal) => {
            if (code === 0) resolve({ stdout: trimNewline(stdout), stderr: trimNewline(stderr) });
            else reject(failure(signal ? `signal: ${signal}` : `exit status ${code}`, command, combined));
        });
    });
}

interface Connection {
    host: string;
    port?: number;
    user?: string;
    privateKey?: string;
    hostKey?: string;
    password?: string;
}

const SUPPORTED_CONNECTION = new Set([
    "host",
    "port",
    "user",
    "privateKey",
    "hostKey",
    "password",
    "dialErrorLimit",
    "perDialTimeout",
]);

function connect(connection: Connection): Promise<Client> {
    const unsupported = Object.keys(connection).filter((k) => !SUPPORTED_CONNECTION.has(k));
    if (unsupported.length > 0)
        return Promise.reject(
            new Error(
                `connection.${unsupported.join(", connection.")}: not supported by the command-provider stand-in`,
            ),
        );
    const expected = connection.hostKey ? sshUtils.parseKey(connection.hostKey.trim()) : undefined;
    if (expected instanceof Error) return Promise.reject(new Error(`connection.hostKey: ${expected.message}`));
    const config: ConnectConfig = {
        host: connection.host,
        port: connection.port ?? 22,
        username: connection.user ?? "root",
        privateKey: connection.privateKey,
        password: connection.password,
        readyTimeout: 15_000,
        // ssh2's parseKey gives an array for a file of several keys: the first is the host's.
        hostVerifier: (key: Buffer) =>
            !expected || (Array.isArray(expected) ? (expected as ParsedKey[])[0] : expected).getPublicSSH().equals(key),
    };
    return new Promise((resolve, reject) => {
        const client = new Client();
        client.on("ready", () => resolve(client));
        client.on("error", (error) =>
            reject(new Error(`ssh: dial ${connection.host}:${config.port}: ${error.message}`)),
        );
        client.connect(config);
    });
}

async function runRemote(
    command: string,
    inputs: Record<string, unknown>,
    previous?: Partial<Outputs>,
): Promise<Outputs> {
    const client = await connect(inputs.connection as Connection);
    try {
        const env = {
            ...(inputs.environment as Record<string, string> | undefined),
            ...previousOutputEnv(inputs, previous),
        };
        return await new Promise<Outputs>((resolve, reject) => {
            client.exec(command, { env }, (error, stream) => {
                if (error) return reject(error);
                let stdout = "",
                    stderr = "",
                    combined = "";
                stream.setEncoding("utf8").on("data", (d: string) => {
                    stdout += d;
                    combined += d;
                });
                stream.stderr.setEncoding("utf8").on("data", (d: string) => {
                    stderr += d;
                    combined += d;
                });
                stream.on("close", (code: number | null, signal?: string) => {
                    if (code === 0) resolve({ stdout: trimNewline(stdout), stderr: trimNewline(stderr) });
                    else
                        reject(
                            failure(
                                signal ? `signal: ${signal}` : `Process exited with status ${code}`,
                                command,
                                combined,
                            ),
                        );
                });
                stream.end((inputs.stdin as string | undefined) ?? "");
            });
        });
    } finally {
        client.end();
    }
}

async function copyToRemote(inputs: Record<string, unknown>): Promise<void> {
    const source = inputs.source as Record<string, unknown>;
    const sourcePath = source?.path as string | undefined;
    if (!sourcePath || (source[SIG_KEY] !== ASSET_SIG && source[SIG_KEY] !== ARCHIVE_SIG)) {
        throw new Error("source: the stand-in copies path-based file assets and directory archives only");
    }
    const remotePath = inputs.remotePath as string;
    const client = await connect(inputs.connection as Connection);
    try {
        const sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
            client.sftp((e, s) => (e ? reject(e) : resolve(s))),
        );
        const put = (from: string, to: string) =>
            new Promise<void>((resolve, reject) =>
                sftp.fastPut(from, to, (e) =>
                    e ? reject(new Error(`failed to copy file ${from} to remote path ${to}: ${e.message}`)) : resolve(),
                ),
            );
        const mkdir = (dir: string) =>
            new Promise<void>((resolve, reject) =>
                sftp.mkdir(dir, (e) =>
                    e && !/exist/i.test(e.message)
                        ? reject(new Error(`failed to create remote directory ${dir}: ${e.message}`))
                        : resolve(),
                ),
            );
        const stat = fs.statSync(sourcePath);
        if (!stat.isDirectory()) {
            await put(sourcePath, remotePath);
            return;
        }
        const walk = async (from: string, to: string): Promise<void> => {
            await mkdir(to);
            for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
                const child = path.join(from, entry.name);
                if (entry.isDirectory()) await walk(child, path.posix.join(to, entry.name));
                else await put(child, path.posix.join(to, entry.name));
            }
        };
        await walk(
            sourcePath,
            sourcePath.endsWith("/") ? remotePath : path.posix.join(remotePath, path.basename(sourcePath)),
        );
    } finally {
        client.end();
    }
}

const COMMAND_INPUTS = new Set([
    "create",
    "update",
    "delete",
    "triggers",
    "environment",
    "dir",
    "interpreter",
    "stdin",
    "addPreviousOutputInEnv",
    "logging",
    "connection",
]);
const COPY_INPUTS = new Set(["connection", "source", "remotePath", "triggers"]);

function inputKeys(type: string): Set<string> {
    return type === "command:remote:CopyToRemote" ? COPY_INPUTS : COMMAND_INPUTS;
}

const commandProvider: provider.Provider = {
    version: VERSION,

    check(urn: string, _olds: Record<string, unknown>, news: Record<string, unknown>) {
        const type = token(urn);
        const known = inputKeys(type);
        const failures = Object.keys(news)
            .filter((k) => !known.has(k) && !k.startsWith("__"))
            .map((property) => ({ property, reason: `not supported by the command-provider stand-in for ${type}` }));
        if (type === "command:remote:CopyToRemote" && !news.remotePath)
            failures.push({ property: "remotePath", reason: "missing" });
        return Promise.resolve({ inputs: news, failures });
    },

    diff(_id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        // Compare inputs only: the state also holds stdout/stderr, which are outputs.
        const known = inputKeys(token(urn));
        const keys = new Set([...Object.keys(news), ...Object.keys(olds).filter((k) => known.has(k))]);
        const changed = [...keys]
            .filter((k) => !k.startsWith("__"))
            .filter((k) => hasUnknown(news[k]) || JSON.stringify(plain(olds[k])) !== JSON.stringify(plain(news[k])));
        const replaces = changed.filter((k) => REPLACE_ON_CHANGES.includes(k));
        return Promise.resolve({ changes: changed.length > 0, replaces });
    },

    async create(urn: string, inputs: Record<string, unknown>) {
        const type = token(urn);
        const values = plain(inputs) as Record<string, unknown>;
        const id = randomBytes(8).toString("hex");
        if (type === "command:remote:CopyToRemote") {
            await copyToRemote(values);
            return { id, outs: inputs };
        }
        const run = type === "command:remote:Command" ? runRemote : runLocal;
        const outputs = values.create ? await run(values.create as string, values) : { stdout: "", stderr: "" };
        return { id, outs: { ...inputs, ...outputs } };
    },

    async update(_id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>) {
        const type = token(urn);
        const values = plain(news) as Record<string, unknown>;
        if (type === "command:remote:CopyToRemote") {
            await copyToRemote(values);
            return { outs: news };
        }
        const previous = plain(olds) as Partial<Outputs>;
        const command = (values.update ?? values.create) as string | undefined;
        const run = type === "command:remote:Command" ? runRemote : runLocal;
        const outputs = command
            ? await run(command, values, previous)
            : { stdout: previous.stdout ?? "", stderr: previous.stderr ?? "" };
        return { outs: { ...news, ...outputs } };
    },

    async delete(_id: string, urn: string, props: Record<string, unknown>) {
        const type = token(urn);
        if (type === "command:remote:CopyToRemote") return;
        const values = plain(props) as Record<string, unknown>;
        if (!values.delete) return;
        const run = type === "command:remote:Command" ? runRemote : runLocal;
        await run(values.delete as string, values, values);
    },
};

provider.main(commandProvider, process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`pulumi-resource-command (stand-in): ${error.stack ?? error.message}\n`);
    process.exit(1);
});
