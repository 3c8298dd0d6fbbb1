/**
 * A throw-away OpenSSH server on 127.0.0.1 that plays a private host: its own host key and one
 * authorized client key, both generated per run, key authentication only, SFTP on.
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { freePort } from "../helpers/net";

export interface Sshd {
    port: number;
    /** The server's public host key, as `ssh-ed25519 AAAA...`. */
    hostKey: string;
    /** The client's private key (OpenSSH format). */
    privateKey: string;
    /** A public key that is not the server's (for the refusal test). */
    otherHostKey: string;
    stop(): void;
}

function keypair(dir: string, name: string): { privateKey: string; publicKey: string } {
    const file = path.join(dir, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
    return {
        privateKey: readFileSync(file, "utf8"),
        publicKey: readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" "),
    };
}

async function waitForBanner(port: number, child: ChildProcess, log: () => string): Promise<void> {
    for (let i = 0; i < 100; i++) {
        if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${log()}`);
        const banner = await new Promise<string>((resolve) => {
            const socket = net.connect(port, "127.0.0.1");
            socket.once("data", (d) => {
                socket.destroy();
                resolve(String(d));
            });
            socket.once("error", () => resolve(""));
        });
        if (banner.startsWith("SSH-")) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd did not answer on 127.0.0.1:${port}:\n${log()}`);
}

export async function startSshd(): Promise<Sshd> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "unikernel-sshd-"));
    const host = keypair(dir, "host");
    const other = keypair(dir, "other");
    const client = keypair(dir, "client");
    writeFileSync(path.join(dir, "authorized_keys"), `${client.publicKey}\n`, { mode: 0o600 });
    const port = await freePort();
    const config = [
        `Port ${port}`,
        "ListenAddress 127.0.0.1",
        `HostKey ${path.join(dir, "host")}`,
        `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PubkeyAuthentication yes",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        "StrictModes no",
        `PidFile ${path.join(dir, "sshd.pid")}`,
        "Subsystem sftp /usr/lib/openssh/sftp-server",
        "LogLevel VERBOSE",
        "",
    ].join("\n");
    writeFileSync(path.join(dir, "sshd_config"), config);
    mkdirSync("/run/sshd", { recursive: true }); // sshd's privilege-separation directory
    let log = "";
    const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", path.join(dir, "sshd_config")], {
        stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr.on("data", (d) => {
        log += d;
    });
    await waitForBanner(port, child, () => log);
    return {
        port,
        hostKey: host.publicKey,
        privateKey: client.privateKey,
        otherHostKey: other.publicKey,
        stop: () => {
            child.kill("SIGTERM");
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
