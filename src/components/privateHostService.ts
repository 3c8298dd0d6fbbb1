import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { HostRunMode, Problem, checkDeclaredTcpPort, checkSafeText, resolveBootMode, validatePorts } from "../model";
import {
    HostServiceSpec,
    hostPaths,
    installScript,
    isSafeStateDirectory,
    isSafeTextfileDirectory,
    metricsFile,
    removeScript,
} from "../hosts/privateHost";
import { shellCommand } from "../internal/shellQuote";
import { stackScopedName } from "./stackScope";
import { checkBootImage } from "./bootImage";
import { checkedArgs } from "./inputErrors";
import { PrivateHostServiceArgs } from "./privateHostServiceArgs";

export { PrivateHostServiceArgs };

/**
 * Runs a unikernel on a private Linux host of your own (KVM, or Firecracker) over SSH: copies the
 * image, installs a systemd unit (or a supervised background process where there is no systemd)
 * that restarts the VM on failure, and removes it all on destroy. The host key is always verified.
 *
 * @example
 * ```ts
 * const svc = new PrivateHostService("web", {
 *     host: "10.0.0.12", privateKey: cfg.requireSecret("sshKey"), hostKey: cfg.require("hostKey"),
 *     diskPath: image.diskPath, digest: image.digest, ports: [{ port: 8080 }],
 * });
 * ```
 */
export class PrivateHostService extends pulumi.ComponentResource {
    /** The console log file on the host. */
    public readonly consoleLog: pulumi.Output<string>;
    /** Where the image was copied on the host. */
    public readonly remoteImagePath: pulumi.Output<string>;
    /** `systemd` or `background`, as chosen on the host. */
    public readonly runMode: pulumi.Output<string>;
    /** How to read the console: an ssh command line. */
    public readonly consoleCommand: pulumi.Output<string>;
    /**
     * The service's name on the host: the component name and a hash of its URN (so two stacks, or
     * two components of one name, never share a unit or a state directory). The systemd unit is
     * `unikernel-<serviceName>.service`.
     */
    public readonly serviceName: pulumi.Output<string>;
    /** With `metrics`: the Prometheus text file on the host that node_exporter's textfile collector reads. */
    public readonly metricsFile: pulumi.Output<string | undefined>;

    /**
     * @param name The component name; children are `${name}-copy` and `${name}`.
     * @param args Host, credentials, image and service settings.
     * @param opts Resource options.
     */
    constructor(name: string, args: PrivateHostServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:PrivateHostService", name, {}, opts);
        const serviceName = stackScopedName(name, this.urn);
        const checked = checkedArgs("PrivateHostService", args, (a) => validateHostArgs(name, a));
        const resolved = pulumi.all([checked, serviceName]).apply(([r, service]) => resolveServiceName(r, service));
        const connection: command.types.input.remote.ConnectionArgs = {
            host: args.host,
            port: pulumi.output(args.sshPort).apply((p) => p ?? 22),
            user: pulumi.output(args.user).apply((u) => u ?? "root"),
            privateKey: pulumi.secret(args.privateKey),
            hostKey: args.hostKey,
        };
        const remoteImage = resolved.apply(
            (r) => `${r.stateDir}/image-${r.digest.slice(0, 16)}${r.imageKind === "kernel" ? ".kernel" : ".img"}`,
        );
        // SFTP does not create parent directories: make the state directory first.
        const prepare = new command.remote.Command(
            `${name}-prepare`,
            {
                connection,
                create: resolved.apply((r) => `mkdir -p ${shellCommand([r.stateDir])}`),
            },
            { parent: this },
        );
        // The copy goes to a path that names the image's digest, so a new image never overwrites the running one.
        const copy = new command.remote.CopyToRemote(
            `${name}-copy`,
            {
                connection,
                source: resolved.apply((r) => new pulumi.asset.FileAsset(r.localImage)),
                remotePath: remoteImage,
                triggers: [args.digest],
            },
            { parent: this, dependsOn: [prepare] },
        );
        const service = new command.remote.Command(
            name,
            {
                connection,
                create: pulumi
                    .all([resolved, remoteImage])
                    .apply(([r, image]) => installScript({ ...r.spec, imagePath: image })),
                delete: pulumi
                    .all([resolved, remoteImage])
                    .apply(([r, image]) => removeScript({ ...r.spec, imagePath: image })),
                triggers: [args.digest, remoteImage],
            },
            {
                parent: this,
                dependsOn: [copy],
                // One unit name per service: the old one must be gone before the new one is installed.
                deleteBeforeReplace: true,
            },
        );
        const status = service.stdout.apply(
            (s) => JSON.parse(s.trim().split("\n").pop() ?? "{}") as { mode?: string; console?: string },
        );
        this.consoleLog = resolved.apply((r) => hostPaths(r.spec).console);
        this.remoteImagePath = remoteImage;
        this.runMode = status.apply((s) => s.mode ?? "unknown");
        // Quoted twice: for the local shell, and for the remote one that runs the command string.
        this.consoleCommand = pulumi
            .all([connection.user, args.host, connection.port, this.consoleLog])
            .apply(([user, host, port, log]) =>
                shellCommand(["ssh", "-p", String(port), `${user}@${host}`, shellCommand(["tail", "-f", "--", log])]),
            );
        this.serviceName = serviceName;
        this.metricsFile = resolved.apply((r) =>
            r.spec.metrics ? metricsFile({ name: r.spec.name, metrics: r.spec.metrics }) : undefined,
        );
        this.registerOutputs({
            metricsFile: this.metricsFile,
            consoleLog: this.consoleLog,
            remoteImagePath: this.remoteImagePath,
            runMode: this.runMode,
            consoleCommand: this.consoleCommand,
            serviceName: this.serviceName,
        });
    }
}

interface ResolvedHostArgs {
    digest: string;
    /** The disk or kernel on this machine, copied to the host. */
    localImage: string;
    stateDir: string;
    imageKind: "disk" | "kernel";
    spec: Omit<HostServiceSpec, "imagePath"> & { imagePath: string };
}

/** Puts the stack-scoped service name into the spec, and the default state directory under it. */
function resolveServiceName(r: ResolvedHostArgs & { explicitStateDir: boolean }, service: string): ResolvedHostArgs {
    const stateDir = r.explicitStateDir ? r.stateDir : `/var/lib/unikernel/${service}`;
    return { ...r, stateDir, spec: { ...r.spec, name: service, stateDir } };
}

/** Host names and addresses: letters, digits, dots, dashes, colons (IPv6); never a leading dash (an ssh option). */
const HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[?[0-9A-Fa-f:.]+\]?)$/;
/**
 * One OpenSSH public key line, "type base64" with an optional comment of printable characters:
 * it goes into known_hosts, where a line break would add a second, unverified key.
 */
const HOST_KEY =
    /^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}(?: [\x20-\x7e]*)?$/;
/** 1 TiB of guest memory, and a day for any wait: larger values are typing mistakes. */
const MAX_MEMORY_MIB = 1024 * 1024;
const MAX_SECONDS = 86_400;
/** User names as useradd accepts them (plus the trailing $ of machine accounts). */
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/;

/** Checks PrivateHostService inputs. @internal */
export function validateHostArgs(
    name: string,
    args: pulumi.Unwrap<PrivateHostServiceArgs>,
): { value?: ResolvedHostArgs & { explicitStateDir: boolean }; problems: Problem[] } {
    const problems: Problem[] = [];
    if (!args.host) problems.push({ path: "host", message: "missing; give the host's name or address" });
    else if (!HOST.test(args.host))
        problems.push({
            path: "host",
            message: `got ${JSON.stringify(args.host)}; expected a host name or an IP address (letters, digits, ".", "-", ":"), not starting with "-"`,
        });
    if (args.user !== undefined && !USER.test(args.user)) {
        problems.push({
            path: "user",
            message: `got ${JSON.stringify(args.user)}; expected a user name such as "root" or "deploy" (letters, digits, "_", ".", "-")`,
        });
    }
    const unsafePattern =
        typeof args.readyPattern === "string"
            ? checkSafeText(args.readyPattern, "readyPattern", "a grep pattern on the host")
            : undefined;
    if (unsafePattern) problems.push(unsafePattern);
    if (args.sshPort !== undefined && (!Number.isInteger(args.sshPort) || args.sshPort < 1 || args.sshPort > 65535)) {
        problems.push({
            path: "sshPort",
            message: `got ${JSON.stringify(args.sshPort)}; expected a TCP port from 1 to 65535`,
        });
    }
    if (!args.hostKey || !HOST_KEY.test(args.hostKey.trim())) {
        problems.push({
            path: "hostKey",
            message: `${args.hostKey ? `got "${String(args.hostKey).slice(0, 30)}..."` : "missing"}; give the host's public key as "ssh-ed25519 AAAA..." (ssh-keyscan -t ed25519 <host>), so the host's identity is verified`,
        });
    }
    if (!args.privateKey)
        problems.push({ path: "privateKey", message: "missing; give the SSH private key (as a secret)" });
    const image = checkBootImage(args, "a copy command", problems);
    const hypervisor = args.hypervisor ?? "qemu";
    const imageKind = image?.kind ?? "disk";
    if (hypervisor === "firecracker" && args.diskPath) {
        problems.push({
            path: "hypervisor",
            message:
                "is firecracker, which boots kernels only (no BIOS, no UEFI); give `kernelPath` (UnikernelImage.kernelPath) instead of `diskPath`, or use qemu for disks",
        });
    }
    const architecture = args.architecture ?? "x86_64";
    problems.push(...resolveBootMode(architecture, args.bootMode).problems);
    const mode: HostRunMode = args.runMode ?? "auto";
    if (!["auto", "systemd", "background"].includes(mode)) {
        problems.push({ path: "runMode", message: `got "${mode}"; expected auto, systemd or background` });
    }
    const memoryMiB = args.memoryMiB ?? 64;
    if (!Number.isInteger(memoryMiB) || memoryMiB < 8 || memoryMiB > MAX_MEMORY_MIB) {
        problems.push({
            path: "memoryMiB",
            message: `got ${memoryMiB}; expected a whole number of MiB from 8 to ${MAX_MEMORY_MIB}`,
        });
    }
    const ports = validatePorts(args.ports ?? [], "ports", problems);
    const stateDir = args.stateDirectory ?? "/var/lib/unikernel/service"; // the default is named after the service, later
    if (args.stateDirectory !== undefined) {
        const unsafe = checkSafeText(stateDir, "stateDirectory", "the scripts and systemd units on the host");
        if (unsafe) problems.push(unsafe);
        else if (!isSafeStateDirectory(stateDir)) {
            problems.push({
                path: "stateDirectory",
                message: `got ${JSON.stringify(stateDir)}; expected a directory of the service's own: an absolute path without "." or ".." segments or a trailing "/", not a system directory such as /, /etc, /tmp or /var/lib, nor below /proc, /sys or /dev; e.g. "/var/lib/unikernel/web"`,
            });
        }
    }
    const timeout = args.readyTimeoutSeconds ?? 120;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > MAX_SECONDS) {
        problems.push({
            path: "readyTimeoutSeconds",
            message: `got ${timeout}; expected a whole number of seconds from 1 to ${MAX_SECONDS}`,
        });
    }
    if (args.readyPort !== undefined) checkDeclaredTcpPort(args.readyPort, ports, "readyPort", problems);
    const watchdog = args.watchdog
        ? {
              port: args.watchdog.port,
              intervalSeconds: args.watchdog.intervalSeconds ?? 10,
              failures: args.watchdog.failures ?? 3,
          }
        : undefined;
    if (watchdog) {
        checkDeclaredTcpPort(watchdog.port, ports, "watchdog.port", problems);
        checkInterval(watchdog.intervalSeconds, "watchdog.intervalSeconds", problems);
        if (!Number.isInteger(watchdog.failures) || watchdog.failures < 1 || watchdog.failures > 1000) {
            problems.push({
                path: "watchdog.failures",
                message: `got ${watchdog.failures}; expected a whole number from 1 to 1000`,
            });
        }
    }
    const metrics = args.metrics
        ? { textfileDirectory: args.metrics.textfileDirectory, intervalSeconds: args.metrics.intervalSeconds ?? 15 }
        : undefined;
    if (metrics) {
        if (typeof metrics.textfileDirectory !== "string" || !isSafeTextfileDirectory(metrics.textfileDirectory)) {
            problems.push({
                path: "metrics.textfileDirectory",
                message: `got ${JSON.stringify(metrics.textfileDirectory)}; expected an absolute, normalized directory that is not a system directory, such as "/var/lib/node_exporter/textfile_collector"`,
            });
        }
        checkInterval(metrics.intervalSeconds, "metrics.intervalSeconds", problems);
    }
    if (problems.length || !image) return { problems };
    return {
        problems,
        value: {
            digest: image.digest,
            localImage: image.path,
            stateDir,
            explicitStateDir: args.stateDirectory !== undefined,
            imageKind,
            spec: {
                name,
                stateDir,
                imagePath: "",
                imageKind,
                hypervisor,
                architecture,
                boot: args.bootMode,
                memoryMiB,
                cmdline: image.cmdline,
                ports: ports.map((p) => ({ protocol: p.protocol, port: p.port })),
                mode,
                expect: args.readyPattern,
                timeoutSeconds: timeout,
                readyPort: args.readyPort,
                watchdog,
                metrics,
            },
        },
    };
}

/** An interval of whole seconds, 1 to {@link MAX_SECONDS}. */
function checkInterval(value: number, at: string, problems: Problem[]): void {
    if (!Number.isInteger(value) || value < 1 || value > MAX_SECONDS) {
        problems.push({ path: at, message: `got ${value}; expected whole seconds from 1 to ${MAX_SECONDS}` });
    }
}
