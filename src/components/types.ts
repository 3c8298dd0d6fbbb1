/** Input shapes shared by several components. Interfaces only, so the provider schema can carry them. */
import * as pulumi from "@pulumi/pulumi";
import { Architecture, Platform, Protocol, SyscallCheckMode } from "./enums";

/** A Unikraft target: platform and architecture. */
export interface TargetArgs {
    /** Unikraft platform. */
    platform: Platform;
    /** CPU architecture. */
    architecture: Architecture;
    /** Target name, when a Kraftfile has several for one platform/architecture. */
    name?: string;
}

/** One Unikraft micro-library (or, for the ops engine, a Nanos klib by name). */
export interface LibraryArgs {
    /** Library name, e.g. `musl`, `lwip`. */
    name: string;
    /** Version or channel, e.g. `stable`. */
    version?: string;
    /** Source: Git URL, archive URL or local directory. */
    source?: string;
    /** Kconfig options the library gets. */
    kconfig?: Record<string, string>;
}

/** The application, given as program input instead of a Kraftfile or ops config. */
export interface ApplicationArgs {
    /** Application name: names kernels, images and instances. */
    name: string;
    /** Unikraft core version, e.g. `stable`. */
    unikraftVersion?: string;
    /** Micro-libraries. */
    libraries?: LibraryArgs[];
    /** Targets to build; the first is built unless `target` says otherwise. */
    targets?: TargetArgs[];
    /** Program and arguments. */
    cmd?: string[];
    /** Environment variables. */
    env?: Record<string, string>;
    /** Root filesystem: a directory, Dockerfile or archive, relative to the directory. */
    rootfs?: string;
    /** Kconfig options of the Unikraft core. */
    kconfig?: Record<string, string>;
    /** Memory in MiB. */
    memoryMiB?: number;
}

/** A port a service listens on, and who may reach it. */
export interface PortArgs {
    /** Port number, 1-65535. */
    port: number;
    /**
     * Transport protocol.
     * @default tcp
     */
    protocol?: Protocol;
    /**
     * CIDR blocks allowed to connect.
     * @default - public: 0.0.0.0/0 (anyone); private: the VPC or network range only.
     */
    sources?: string[];
}

/** Opt-in health monitoring of an {@link AwsService}. */
export interface AwsMonitoringArgs {
    /**
     * A CloudWatch alarm on StatusCheckFailed_System (the host under the instance failed) with the
     * EC2 recover action: the instance moves to healthy hardware, same ID, address and volumes.
     * Single instances only; an Auto Scaling group replaces failed instances itself.
     */
    recoverOnSystemFailure?: boolean;
    /**
     * A CloudWatch alarm on StatusCheckFailed_Instance (the guest stopped answering EC2's checks) with
     * the EC2 reboot action. Single instances only.
     */
    rebootOnInstanceFailure?: boolean;
    /** SNS topics that also get the alarms (and their return to OK). */
    notifyTopicArns?: string[];
    /**
     * Auto Scaling groups: put a network load balancer in front and let its TCP health check on this
     * declared port decide health (health check type ELB) instead of EC2 status checks only.
     */
    loadBalancerPort?: number;
    /** Auto Scaling groups: seconds after launch before health checks count. @default 60 */
    healthCheckGraceSeconds?: number;
}

/** Opt-in health monitoring of a {@link GcpService}. */
export interface GcpMonitoringArgs {
    /**
     * Managed instance groups: autohealing by a TCP health check on this declared port; an instance
     * that fails it is recreated. A firewall rule lets Google's health checkers (35.191.0.0/16,
     * 130.211.0.0/22) reach that port only.
     */
    autohealingPort?: number;
    /** Seconds after an instance starts before autohealing acts on it. @default 60 */
    initialDelaySeconds?: number;
}

/** A watchdog on a private host that keeps re-checking a port of the running service. */
export interface HostWatchdogArgs {
    /** A declared TCP port; the guest must answer a probe on it (an HTTP HEAD request, or speaking first). */
    port: number;
    /** Seconds between checks. @default 10 */
    intervalSeconds?: number;
    /** Misses in a row before the VM is restarted. @default 3 */
    failures?: number;
}

/** A check of the application's system calls on Linux (`unikernel syscalls`) before the image is used. */
export interface SyscallCheckArgs {
    /**
     * The program and its arguments, run on this machine under strace in `directory` (for an ops or
     * elfloader image: the Linux binary the image runs, e.g. `["./server", "--port", "8080"]`).
     */
    command: string[];
    /** Seconds it may run; a program still running then is stopped (not a failure). @default 30 */
    timeoutSeconds?: number;
    /** A line the program prints once it is up (a server): the run ends there. */
    readyPattern?: string;
    /**
     * What a call the image's kernel family lacks does (calls libc falls back from do not count).
     * @default fail
     */
    onMissing?: SyscallCheckMode;
}

/** What `syscallCheck` found for the image's kernel family. */
export interface SyscallReport {
    /** The kernel family compared with: unikraft or nanos. */
    family: string;
    /** The release (or source snapshot) its table was read from. */
    version: string;
    /** Where the table came from: repository@ref, ... */
    source: string;
    /** Implemented distinct calls / distinct calls made, 0 to 1. */
    coverage: number;
    /** Calls the application made that the family lacks. */
    missing: string[];
    /** Calls the application made that the family only stubs. */
    stubbed: string[];
    /** Of `missing`, those libc falls back from on ENOSYS, with why. */
    tolerated: Record<string, string>;
    /** supported, stubs used, or missing calls. */
    verdict: string;
}

/** Metrics of a private-host service for node_exporter's textfile collector. */
export interface HostMetricsArgs {
    /**
     * node_exporter's `--collector.textfile.directory` on the host (absolute; made when missing).
     * The writer replaces one file there, atomically.
     */
    textfileDirectory: string;
    /** Seconds between writes. @default 15 */
    intervalSeconds?: number;
}

/** Where an image came from: pass UnikernelImage's outputs, and the image and its snapshot or bucket carry them. */
export interface ProvenanceArgs {
    /** The git commit the image was built from (UnikernelImage.sourceRevision). */
    sourceRevision?: pulumi.Input<string | undefined>;
    /** True when that checkout had uncommitted changes (UnikernelImage.sourceDirty). */
    sourceDirty?: pulumi.Input<boolean | undefined>;
    /** When the engine ran, ISO 8601 (UnikernelImage.builtAt). */
    builtAt?: pulumi.Input<string | undefined>;
    /** The engine and its version, e.g. `make 4.3` (UnikernelImage.engine and engineVersion). */
    engine?: pulumi.Input<string>;
    /** The registry package the build is in (UnikernelImage.package). */
    package?: pulumi.Input<string | undefined>;
}
