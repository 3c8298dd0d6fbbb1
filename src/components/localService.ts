import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import {
    BootMode,
    MachineArchitecture,
    Problem,
    checkDeclaredTcpPort,
    checkSafeText,
    resolveBootMode,
    validatePorts,
} from "../model";
import { cacheRoot } from "../internal/cacheDir";
import { unikernelCommand } from "../contract/command";
import { parseRunDetachedResult, runDetachedArgv, stopArgv } from "../contract/run";
import { checkBootImage } from "./bootImage";
import { checkedArgs } from "./inputErrors";
import { stackDirectory, stackScopedName } from "./stackScope";
import { LocalServiceArgs } from "./localServiceArgs";

export { LocalServiceArgs };

/**
 * Runs a unikernel on this machine under QEMU (KVM when it works here, TCG otherwise) as a
 * background process, waits for its ready line during `up`, and stops it on `destroy`. The
 * zero-set-up place to run an image.
 *
 * @example
 * ```ts
 * const service = new LocalService("hello", { diskPath: image.diskPath, digest: image.digest, readyPattern: "Hello" });
 * export const consoleLog = service.consoleLog;
 * ```
 */
export class LocalService extends pulumi.ComponentResource {
    /** File holding the serial console. */
    public readonly consoleLog: pulumi.Output<string>;
    /** File holding QEMU's pid while it runs. */
    public readonly pidfile: pulumi.Output<string>;
    /** Milliseconds from QEMU's start to the ready line, when one was given. */
    public readonly bootMs: pulumi.Output<number | undefined>;
    /** Accelerator used: kvm or tcg. */
    public readonly accel: pulumi.Output<string>;
    /** `http://127.0.0.1:<port>` for each forwarded TCP port. */
    public readonly urls: pulumi.Output<string[]>;
    /**
     * A shell command printing this VM's counters in Prometheus text, read from outside the guest
     * through QMP and /proc (`unikernel stats --prometheus`): for node_exporter's textfile
     * collector or a cron job; `--serve 127.0.0.1:<port>` instead of `--prometheus` serves them.
     */
    public readonly statsCommand: pulumi.Output<string>;

    /**
     * @param name The component name; the QEMU process is the child `${name}`.
     * @param args What to run and how.
     * @param opts Resource options.
     */
    constructor(name: string, args: LocalServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pulumi-unikernel:index:LocalService", name, {}, opts);
        const resolved = checkedArgs("LocalService", args, validateLocalArgs);
        // One directory per stack and component (its URN): another stack's LocalService of the same
        // name has its own pidfile and console, so neither can stop or overwrite the other's.
        const stateDir = stackScopedName(name, this.urn).apply((service) =>
            path.join(cacheRoot(), "local", ...stackDirectory(), service),
        );
        const pidfile = stateDir.apply((dir) => path.join(dir, "qemu.pid"));
        const vm = new command.local.Command(
            name,
            {
                create: pulumi.all([resolved, stateDir]).apply(([r, dir]) =>
                    unikernelCommand(
                        runDetachedArgv({
                            disk: r.diskPath,
                            kernel: r.kernelPath,
                            cmdline: r.cmdline,
                            architecture: r.architecture,
                            boot: r.bootMode,
                            memoryMiB: r.memoryMiB,
                            ports: r.ports.map((p) => ({ protocol: p.protocol, host: p.port, guest: p.port })),
                            expect: r.readyPattern,
                            readyPort: r.readyPort,
                            timeoutSeconds: r.readyTimeoutSeconds,
                            pidfile: path.join(dir, "qemu.pid"),
                            console: path.join(dir, "console.log"),
                        }),
                    ),
                ),
                delete: pidfile.apply((file) => unikernelCommand(stopArgv(file))),
                triggers: [args.digest],
            },
            {
                parent: this,
                // One pidfile and the same forwarded host ports per service: stop the old VM first.
                deleteBeforeReplace: true,
            },
        );
        const result = vm.stdout.apply(parseRunDetachedResult);
        this.consoleLog = result.consoleLog;
        this.pidfile = result.pidfile;
        this.bootMs = result.apply((r) => r.bootMs);
        this.accel = result.accel;
        this.urls = resolved.apply((r) =>
            r.ports.filter((p) => p.protocol === "tcp").map((p) => `http://127.0.0.1:${p.port}`),
        );
        this.statsCommand = result.pidfile.apply((file) =>
            unikernelCommand(["stats", "--pidfile", file, "--name", name, "--prometheus"]),
        );
        this.registerOutputs({
            statsCommand: this.statsCommand,
            consoleLog: this.consoleLog,
            pidfile: this.pidfile,
            bootMs: this.bootMs,
            urls: this.urls,
        });
    }
}

interface ResolvedLocalArgs {
    diskPath?: string;
    kernelPath?: string;
    cmdline?: string;
    architecture: MachineArchitecture;
    /** As given: the run command applies the same default. */
    bootMode?: BootMode;
    memoryMiB: number;
    ports: { port: number; protocol: "tcp" | "udp" }[];
    readyPattern?: string;
    readyPort?: number;
    readyTimeoutSeconds: number;
}

/** Checks LocalService inputs. @internal */
export function validateLocalArgs(args: pulumi.Unwrap<LocalServiceArgs>): {
    value?: ResolvedLocalArgs;
    problems: Problem[];
} {
    const problems: Problem[] = [];
    const image = checkBootImage(args, "QEMU's options", problems);
    const architecture = args.architecture ?? "x86_64";
    problems.push(...resolveBootMode(architecture, args.bootMode).problems);
    const memoryMiB = args.memoryMiB ?? 64;
    if (!Number.isInteger(memoryMiB) || memoryMiB < 8) {
        problems.push({ path: "memoryMiB", message: `got ${memoryMiB}; expected a whole number of MiB, at least 8` });
    }
    const ports = validatePorts(args.ports ?? [], "ports", problems);
    const unsafePattern =
        typeof args.readyPattern === "string"
            ? checkSafeText(args.readyPattern, "readyPattern", "the run command")
            : undefined;
    if (unsafePattern) problems.push(unsafePattern);
    if (args.readyPattern !== undefined) {
        try {
            new RegExp(args.readyPattern);
        } catch (error) {
            problems.push({
                path: "readyPattern",
                message: `is not a valid regular expression: ${(error as Error).message}`,
            });
        }
    }
    if (args.readyPort !== undefined) checkDeclaredTcpPort(args.readyPort, ports, "readyPort", problems);
    const timeout = args.readyTimeoutSeconds ?? 120;
    if (!Number.isInteger(timeout) || timeout < 1) {
        problems.push({
            path: "readyTimeoutSeconds",
            message: `got ${timeout}; expected a whole number of seconds above 0`,
        });
    }
    if (problems.length || !image) return { problems };
    return {
        problems,
        value: {
            diskPath: image.kind === "disk" ? image.path : undefined,
            kernelPath: image.kind === "kernel" ? image.path : undefined,
            cmdline: image.cmdline,
            architecture,
            bootMode: args.bootMode,
            memoryMiB,
            ports: ports.map((p) => ({ port: p.port, protocol: p.protocol })),
            readyPattern: args.readyPattern,
            readyPort: args.readyPort,
            readyTimeoutSeconds: timeout,
        },
    };
}
