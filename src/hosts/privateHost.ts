/**
 * Scripts that install and remove a unikernel service on a private Linux host, run over SSH.
 *
 * Where systemd runs, the service is a unit with Restart=always (the watchdog stops QEMU with TERM,
 * which QEMU ends with status 0: on-failure would leave it stopped). Where it does not (containers,
 * the loopback test host), the same VM runs under a small supervisor loop in the background with a
 * pidfile: it restarts QEMU when QEMU exits, and is stopped as a process group on removal. `auto`
 * picks at install time by looking for /run/systemd/system. Both write the serial console to a
 * file beside the image, and the install waits for the ready line when one is given, failing with
 * the console's tail if it never comes.
 *
 * These scripts run as the SSH user, often root, so every value in them is data, never code:
 * - every word that comes from input is a quoted shell word (shellWord); messages go through
 *   `printf '%s\n'` with the text as an argument, never as a format or inside double quotes;
 * - files (scripts, units, configs) are written from base64, so no content can end a heredoc;
 * - unit files quote ExecStart= words for systemd (src/hosts/systemdUnit.ts);
 * - grep patterns follow `-e`, file names follow `--`;
 * - a process is signalled only when /proc shows it is ours: its command line has an argument that
 *   only this service uses (its own script or console path), and its pid is above 1. A pidfile
 *   that names anything else is stale and is removed without signalling anyone.
 * Values that no quoting can carry (line breaks, control characters) are refused by
 * {@link checkHostServiceSpec} before a script is made.
 */
import * as path from "path";
import { BootMode, Hypervisor, MachineArchitecture, findUnsafeCharacter } from "../model";
import { shellCommand, shellWord } from "../internal/shellQuote";
import { QemuOptions, qemuCommand, qemuOptionValue } from "./qemu";
import { UNIT_NAME, systemdCommandLine, systemdText, unitFile } from "./systemdUnit";

/** How the host keeps the VM running. */
export type HostRunMode = "auto" | "systemd" | "background";

/** What to run on the host. */
export interface HostServiceSpec {
    /** Service id: names the units (`unikernel-<name>.service`). Letters, digits, ".", "_", "-". */
    name: string;
    /** State directory on the host (image, console log, pidfile). Absolute and normalized. */
    stateDir: string;
    /** The image on the host. */
    imagePath: string;
    /** `disk` boots the image as a disk; `kernel` boots it directly (Firecracker needs a kernel). */
    imageKind: "disk" | "kernel";
    hypervisor: Hypervisor;
    architecture: MachineArchitecture;
    boot?: BootMode;
    memoryMiB: number;
    cpus?: number;
    cmdline?: string;
    /** Guest ports forwarded from the same host ports (QEMU user networking, all addresses of the host). */
    ports: { protocol: "tcp" | "udp"; port: number }[];
    mode: HostRunMode;
    /** Ready pattern (an extended regex, as grep -E reads it). */
    expect?: string;
    /** Seconds to wait for `expect` and `readyPort`. */
    timeoutSeconds: number;
    /** A forwarded TCP port that must answer a probe before the install counts as ready. */
    readyPort?: number;
    /** Re-check a forwarded TCP port for as long as the service runs; restart the VM after failures. */
    watchdog?: { port: number; intervalSeconds: number; failures: number };
    /** Write the VM's counters for node_exporter's textfile collector into this directory, every interval. */
    metrics?: { textfileDirectory: string; intervalSeconds: number };
}

/** Service ids: what a systemd unit name and a file name can both hold without quoting. */
export const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}$/;

/**
 * Refuses a spec that no quoting could carry safely; the components check the same inputs first,
 * with property paths, so this is the last line, not the first.
 */
export function checkHostServiceSpec(
    spec: Pick<HostServiceSpec, "name" | "stateDir"> & Partial<HostServiceSpec>,
): void {
    if (!SERVICE_NAME.test(spec.name) || !UNIT_NAME.test(`unikernel-${spec.name}-watchdog.service`)) {
        throw new Error(`service name ${JSON.stringify(spec.name)} cannot name a systemd unit`);
    }
    if (!isSafeStateDirectory(spec.stateDir)) {
        throw new Error(`state directory ${JSON.stringify(spec.stateDir)} is not an absolute, normalized path below /`);
    }
    if (spec.metrics && !isSafeTextfileDirectory(spec.metrics.textfileDirectory)) {
        throw new Error(
            `textfile directory ${JSON.stringify(spec.metrics.textfileDirectory)} is not an absolute, normalized path below /`,
        );
    }
    for (const [key, value] of [
        ["imagePath", spec.imagePath],
        ["cmdline", spec.cmdline],
        ["expect", spec.expect],
    ] as const) {
        const unsafe = value === undefined ? undefined : findUnsafeCharacter(value);
        if (unsafe) throw new Error(`${key} ${JSON.stringify(value)} holds ${unsafe.description}`);
    }
    const numbers = [
        spec.memoryMiB,
        spec.cpus,
        spec.timeoutSeconds,
        spec.readyPort,
        spec.watchdog?.port,
        spec.watchdog?.intervalSeconds,
        spec.watchdog?.failures,
        spec.metrics?.intervalSeconds,
        ...(spec.ports ?? []).map((p) => p.port),
    ];
    if (numbers.some((n) => n !== undefined && (!Number.isInteger(n) || n < 0))) {
        throw new Error("numbers in a host service spec must be whole and not negative");
    }
}

/**
 * Directories of the system itself (and their kernel-backed trees): removing the service runs
 * `rm` on files in the state directory and `rmdir` on it, and the install writes scripts there, so
 * none of these may be one.
 */
const SYSTEM_DIRECTORIES = new Set([
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/sbin",
    "/var",
    "/var/lib",
    "/var/log",
    "/var/run",
    "/var/tmp",
]);
const KERNEL_TREES = ["/proc/", "/sys/", "/dev/", "/run/systemd/", "/etc/systemd/"];

/**
 * True for an absolute path with no `.`/`..` segments, no empty segment, no line break, that is
 * not `/`, a system directory or below /proc, /sys or /dev.
 */
export function isSafeStateDirectory(dir: string): boolean {
    return (
        path.posix.isAbsolute(dir) &&
        dir !== "/" &&
        path.posix.normalize(dir) === dir &&
        !dir.endsWith("/") &&
        !findUnsafeCharacter(dir) &&
        !SYSTEM_DIRECTORIES.has(dir) &&
        !KERNEL_TREES.some((tree) => dir.startsWith(tree))
    );
}

/**
 * A textfile collector directory: absolute and normalized like a state directory, and neither a
 * system directory nor below /proc, /sys or /dev (the install only writes one file there).
 */
export function isSafeTextfileDirectory(dir: string): boolean {
    return isSafeStateDirectory(dir);
}

/** Paths the scripts use. */
export function hostPaths(spec: Pick<HostServiceSpec, "name" | "stateDir">) {
    return {
        unitName: `unikernel-${spec.name}.service`,
        unit: `/etc/systemd/system/unikernel-${spec.name}.service`,
        console: `${spec.stateDir}/console.log`,
        pidfile: `${spec.stateDir}/supervisor.pid`,
        supervisor: `${spec.stateDir}/supervise.sh`,
        vmCommand: `${spec.stateDir}/vm.sh`,
        firecrackerConfig: `${spec.stateDir}/firecracker.json`,
        vmPid: `${spec.stateDir}/vm.pid`,
        probe: `${spec.stateDir}/probe.sh`,
        watchdog: `${spec.stateDir}/watchdog.sh`,
        watchdogPid: `${spec.stateDir}/watchdog.pid`,
        watchdogUnitName: `unikernel-${spec.name}-watchdog.service`,
        watchdogUnit: `/etc/systemd/system/unikernel-${spec.name}-watchdog.service`,
        efiVars: `${spec.stateDir}/efivars.fd`,
        /** How many times the VM was started (vm.sh counts itself). */
        starts: `${spec.stateDir}/starts`,
        /** How many times the watchdog restarted the VM, and how many probes it missed. */
        watchdogRestarts: `${spec.stateDir}/watchdog-restarts`,
        watchdogMisses: `${spec.stateDir}/watchdog-misses`,
        metrics: `${spec.stateDir}/metrics.sh`,
        metricsPid: `${spec.stateDir}/metrics.pid`,
        metricsUnitName: `unikernel-${spec.name}-metrics.service`,
        metricsUnit: `/etc/systemd/system/unikernel-${spec.name}-metrics.service`,
        /** The .prom file the writer of this service writes, recorded so a later install or removal finds it. */
        metricsRecord: `${spec.stateDir}/metrics-file`,
    };
}

/** The QEMU `-chardev` argument of the console: the mark by which the VM's process is known as ours. */
function consoleChardev(spec: Pick<HostServiceSpec, "name" | "stateDir">): string {
    return `file,id=console0,path=${qemuOptionValue(hostPaths(spec).console)},append=on`;
}

/** The argument of the VM's command line that proves the process is this service's VM. */
function vmMark(spec: Pick<HostServiceSpec, "name" | "stateDir" | "hypervisor">): string {
    return spec.hypervisor === "firecracker" ? hostPaths(spec).firecrackerConfig : consoleChardev(spec);
}

/** The shell script that starts the VM in the foreground (run by systemd or the supervisor). */
export function vmScript(spec: HostServiceSpec): string {
    checkHostServiceSpec(spec);
    const paths = hostPaths(spec);
    if (spec.hypervisor === "firecracker") {
        return [
            "#!/bin/sh",
            "# Firecracker boots the kernel directly (no BIOS, no UEFI): the image must be a kernel.",
            `echo $$ > ${shellWord(paths.vmPid)}`,
            countLine(paths.starts),
            `exec firecracker --no-api --config-file ${shellWord(paths.firecrackerConfig)} >> ${shellWord(paths.console)} 2>&1`,
            "",
        ].join("\n");
    }
    const uefiDisk = spec.imageKind === "disk" && (spec.boot === "uefi" || spec.architecture === "arm64");
    const options: QemuOptions = {
        architecture: spec.architecture,
        ...(spec.imageKind === "disk"
            ? { disk: spec.imagePath, boot: spec.boot }
            : { kernel: spec.imagePath, cmdline: spec.cmdline }),
        firmware: uefiDisk
            ? spec.architecture === "arm64"
                ? { code: "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd" }
                : { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: paths.efiVars }
            : undefined,
        memoryMiB: spec.memoryMiB,
        cpus: spec.cpus,
        accel: "kvm", // replaced below at run time
        // A private host serves its own network: forwards listen on all of the host's addresses.
        ports: spec.ports.map((p) => ({ protocol: p.protocol, host: p.port, guest: p.port, hostAddress: "" })),
        // Appended to, not truncated: the supervisor or systemd restarts QEMU, and the lines from
        // before a restart are what explain it.
        consoleFile: { path: paths.console, append: true },
    };
    const { command, args: base } = qemuCommand(options);
    // Named threads ("CPU 0/KVM"): the metrics read each vCPU's time from /proc by name.
    const args = spec.metrics ? [...base, "-name", `unikernel-${qemuOptionValue(spec.name)},debug-threads=on`] : base;
    if (args[args.indexOf("-chardev") + 1] !== consoleChardev(spec)) {
        throw new Error("the QEMU command line lost its console chardev, by which the VM is recognized");
    }
    const accelAt = args.indexOf("-accel") + 1;
    const shown = `${shellCommand([command, ...args.slice(0, accelAt)])} "$ACCEL" ${shellCommand(args.slice(accelAt + 1))}`;
    return [
        "#!/bin/sh",
        "# KVM only when it really works: /dev/kvm usable and VT-x/AMD-V (or an arm64 host).",
        "ACCEL=tcg",
        "if [ -w /dev/kvm ] && { grep -qE '\\b(vmx|svm)\\b' /proc/cpuinfo || [ \"$(uname -m)\" = aarch64 ]; }; then ACCEL=kvm; fi",
        ...(options.firmware?.vars
            ? [
                  `[ -f ${shellWord(options.firmware.vars)} ] || cp /usr/share/OVMF/OVMF_VARS_4M.fd ${shellWord(options.firmware.vars)}`,
              ]
            : []),
        "# exec keeps this pid: the watchdog stops the VM by it, and the supervisor or systemd restarts it.",
        `echo $$ > ${shellWord(paths.vmPid)}`,
        countLine(paths.starts),
        `exec ${shown}`,
        "",
    ].join("\n");
}

/** The Firecracker VM configuration (boot source, memory, vCPUs). */
export function firecrackerConfig(spec: HostServiceSpec): string {
    return `${JSON.stringify(
        {
            "boot-source": { kernel_image_path: spec.imagePath, boot_args: spec.cmdline ?? "" },
            drives: [],
            "machine-config": { vcpu_count: spec.cpus ?? 1, mem_size_mib: spec.memoryMiB },
        },
        null,
        2,
    )}\n`;
}

/**
 * Shell functions every script starts with. `ours PIDFILE MARK` prints the pid in PIDFILE when it
 * names a live process, other than 0 and 1, whose command line has the argument MARK; else it
 * fails. `stop_ours PIDFILE MARK` stops that process (its whole process group when it leads one:
 * the supervisor and watchdog run under setsid) with TERM, then KILL after 5 s; a pidfile that
 * names anyone else is stale and is only removed.
 */
export const PROCESS_FUNCTIONS = [
    "ours() {",
    '  ours_pid=$(cat "$1" 2>/dev/null) || return 1',
    "  case \"$ours_pid\" in ''|*[!0-9]*) return 1 ;; esac",
    '  [ "$ours_pid" -gt 1 ] || return 1',
    "  tr '\\000' '\\n' 2>/dev/null < \"/proc/$ours_pid/cmdline\" | grep -qxF -e \"$2\" || return 1",
    '  echo "$ours_pid"',
    "}",
    "stop_ours() {",
    '  if stop_pid=$(ours "$1" "$2"); then',
    "    stop_target=$stop_pid",
    "    # The process group id is the third field after the command name in /proc/PID/stat.",
    '    if [ "$(sed \'s/^.*) //\' "/proc/$stop_pid/stat" 2>/dev/null | cut -d\' \' -f3)" = "$stop_pid" ]; then stop_target=-$stop_pid; fi',
    '    kill -TERM "$stop_target" 2>/dev/null || true',
    '    stop_i=0; while [ "$stop_i" -lt 10 ] && kill -0 "$stop_target" 2>/dev/null; do stop_i=$((stop_i + 1)); sleep 0.5; done',
    '    kill -KILL "$stop_target" 2>/dev/null || true',
    "  fi",
    '  rm -f "$1"',
    "}",
].join("\n");

/** A quoted message on stderr: the text is printf's argument, never its format. */
/**
 * The state directory must be a real directory of the user running the install, writable by no
 * one else: its scripts run as that user (as root under systemd), so a directory another user can
 * write to would let them replace what runs.
 */
function ownDirectoryCheck(dir: string): string[] {
    const d = shellWord(dir);
    return [
        `if [ -L ${d} ] || [ ! -d ${d} ]; then ${say(`the state directory ${dir} is not a directory (or is a symbolic link); remove it or choose another stateDirectory`)}; exit 1; fi`,
        `set -- $(stat -c '%u %a' -- ${d})`,
        `if [ "$1" != "$(id -u)" ] || [ $(( 0$2 & 022 )) -ne 0 ]; then ${say(`the state directory ${dir} belongs to another user or can be written by others; fix it with chown and chmod go-w, or choose another stateDirectory`)}; exit 1; fi`,
    ];
}

function say(text: string): string {
    return `printf '%s\\n' ${shellWord(text)} >&2`;
}

/**
 * Writes `content` to `file` through a temporary file: from base64 (only [A-Za-z0-9+/=], safe in
 * single quotes), so nothing in the content can end a heredoc or reach the shell.
 */
function writeFile(file: string, content: string, mode = "644"): string {
    const temp = `${file}.tmp`;
    const encoded = Buffer.from(content, "utf8").toString("base64");
    return `printf '%s' '${encoded}' | base64 -d > ${shellWord(temp)} && chmod ${mode} ${shellWord(temp)} && mv -f ${shellWord(temp)} ${shellWord(file)}`;
}

/** Installs (or replaces) the service and starts it; waits for the ready line when given. Idempotent. */
export function installScript(spec: HostServiceSpec): string {
    checkHostServiceSpec(spec);
    const p = hostPaths(spec);
    const unit = unitFile({
        Unit: [
            ["Description", systemdText(`unikernel ${spec.name} (managed by pulumi-unikernel)`)],
            ["After", "network.target"],
        ],
        Service: [
            ["ExecStart", systemdCommandLine(["/bin/sh", p.vmCommand])],
            ["Restart", "always"],
            ["RestartSec", "1"],
        ],
        Install: [["WantedBy", "multi-user.target"]],
    });
    const supervisor = [
        "#!/bin/sh",
        "# Restarts the VM whenever it exits, like the systemd unit's Restart=always.",
        "# Its own pid (a process group leader under setsid), written by itself: what removal stops.",
        `echo $$ > ${shellWord(p.pidfile)}`,
        `while true; do /bin/sh ${shellWord(p.vmCommand)}; sleep 1; done`,
        "",
    ].join("\n");
    const lines = [
        "set -eu",
        PROCESS_FUNCTIONS,
        `command -v base64 >/dev/null || { ${say("the install needs base64 on the host (coreutils)")}; exit 1; }`,
        ...(spec.readyPort !== undefined || spec.watchdog
            ? [
                  `command -v bash >/dev/null || { ${say("the port checks need bash on the host (for /dev/tcp)")}; exit 1; }`,
              ]
            : []),
        `mkdir -p ${shellWord(spec.stateDir)}`,
        ...ownDirectoryCheck(spec.stateDir),
        ...(spec.readyPort !== undefined || spec.watchdog ? [writeFile(p.probe, PROBE_SCRIPT, "755")] : []),
        // Helpers of a previous install (turned off now, or changed) go first; this install starts its own.
        ...stopMetricsLines(spec),
        ...stopAlongside(helperOf(spec, "watchdog")),
        writeFile(p.vmCommand, vmScript(spec), "755"),
        ...(spec.hypervisor === "firecracker" ? [writeFile(p.firecrackerConfig, firecrackerConfig(spec))] : []),
        `: > ${shellWord(p.console)}`,
        `MODE=${shellWord(spec.mode)}`,
        'if [ "$MODE" = auto ]; then if [ -d /run/systemd/system ]; then MODE=systemd; else MODE=background; fi; fi',
        'if [ "$MODE" = systemd ]; then',
        `  ${writeFile(p.unit, unit)}`,
        "  systemctl daemon-reload",
        `  systemctl enable ${shellWord(p.unitName)} >/dev/null 2>&1`,
        `  systemctl restart ${shellWord(p.unitName)}`,
        "else",
        `  stop_ours ${shellWord(p.pidfile)} ${shellWord(p.supervisor)}`,
        `  ${writeFile(p.supervisor, supervisor, "755")}`,
        `  setsid /bin/sh ${shellWord(p.supervisor)} > /dev/null 2>&1 < /dev/null &`,
        ...waitForOwnPid(p.pidfile, p.supervisor, `unikernel ${spec.name}: the supervisor did not start`).map(
            (line) => `  ${line}`,
        ),
        "fi",
        ...(spec.expect ? waitForReady(spec, p.console) : []),
        ...(spec.readyPort !== undefined ? waitForPort(spec, spec.readyPort) : []),
        ...(spec.watchdog ? startWatchdog(spec, spec.watchdog) : []),
        ...(spec.metrics ? startMetrics({ ...spec, metrics: spec.metrics }) : []),
        `printf '{"mode": "%s", "console": %s}\\n' "$MODE" ${shellWord(JSON.stringify(p.console))}`,
    ];
    return `${lines.join("\n")}\n`;
}

/** A shell line adding one to the number in a counter file (anything else there counts as 0), atomically. */
function countLine(file: string): string {
    const f = shellWord(file);
    return `n=$(cat ${f} 2>/dev/null || true); case "$n" in ''|*[!0-9]*) n=0 ;; esac; echo $((n + 1)) > ${f}.new && mv -f ${f}.new ${f}`;
}

/** Where the writer's temporary files start (a dot: node_exporter skips them), followed by its pid. */
function metricsTempPrefix(spec: Pick<HostServiceSpec, "name"> & { metrics: { textfileDirectory: string } }): string {
    return `${spec.metrics.textfileDirectory}/.unikernel_${spec.name}.prom.`;
}

/** The Prometheus text file of a service's metrics. */
export function metricsFile(spec: Pick<HostServiceSpec, "name"> & { metrics: { textfileDirectory: string } }): string {
    return `${spec.metrics.textfileDirectory}/unikernel_${spec.name}.prom`;
}

/**
 * The metrics writer: every interval, the VM's counters read from the host (no agent in the guest)
 * in Prometheus text, written to a temporary file and renamed over the .prom file (node_exporter
 * never reads half a file): up, QEMU's CPU time and each vCPU thread's (QEMU names them "CPU
 * N/KVM"), resident memory, the bytes QEMU read and wrote on the host's disks, the console size,
 * and the counts of VM starts, watchdog restarts and missed probes. The VM is read only when its
 * pidfile leads to this service's VM (`ours`). The service name labels every sample; its alphabet
 * needs no escaping in a label.
 */
export function metricsScript(
    spec: HostServiceSpec & { metrics: { textfileDirectory: string; intervalSeconds: number } },
): string {
    const p = hostPaths(spec);
    const file = metricsFile(spec);
    const tempPrefix = metricsTempPrefix(spec);
    const vm = `vm="${spec.name}"`;
    const family = (name: string, type: "gauge" | "counter", help: string) =>
        `printf '%s\\n' ${shellWord(`# HELP ${name} ${help}`)} ${shellWord(`# TYPE ${name} ${type}`)}`;
    const sample = (name: string, value: string, labels = vm) =>
        `printf '%s %s\\n' ${shellWord(`${name}{${labels}}`)} "${value}"`;
    const count = (f: string) =>
        `$(n=$(cat ${shellWord(f)} 2>/dev/null || true); case "$n" in ''|*[!0-9]*) n=0 ;; esac; echo "$n")`;
    return [
        "#!/bin/sh",
        `# Metrics of unikernel ${spec.name} for node_exporter's textfile collector, every ${spec.metrics.intervalSeconds} s.`,
        PROCESS_FUNCTIONS,
        "# utime + stime of a /proc stat file in seconds (the name in parentheses may hold blanks; USER_HZ is 100).",
        "cpu() { sed 's/^.*) //' \"$1\" 2>/dev/null | awk '{ printf \"%.2f\", ($12 + $13) / 100 }'; }",
        `echo $$ > ${shellWord(p.metricsPid)}`,
        "while true; do",
        "  up=0",
        `  if pid=$(ours ${shellWord(p.vmPid)} ${shellWord(vmMark(spec))}); then up=1; fi`,
        "  {",
        `    ${family("unikernel_up", "gauge", "1 when the VM runs, else 0.")}`,
        `    ${sample("unikernel_up", "$up")}`,
        `    ${family("unikernel_vm_starts_total", "counter", "Times the VM was started (the first start, and every restart).")}`,
        `    ${sample("unikernel_vm_starts_total", count(p.starts))}`,
        `    ${family("unikernel_watchdog_restarts_total", "counter", "Times the watchdog restarted the VM.")}`,
        `    ${sample("unikernel_watchdog_restarts_total", count(p.watchdogRestarts))}`,
        `    ${family("unikernel_watchdog_misses_total", "counter", "Probes of the watched port that got no answer.")}`,
        `    ${sample("unikernel_watchdog_misses_total", count(p.watchdogMisses))}`,
        `    ${family("unikernel_console_bytes", "gauge", "Size of the console log.")}`,
        `    ${sample("unikernel_console_bytes", `$(stat -c %s -- ${shellWord(p.console)} 2>/dev/null || echo 0)`)}`,
        '    if [ "$up" = 1 ]; then',
        "      # Each value read first: a VM that exits meanwhile gives no sample, never a sample without a value.",
        '      v=$(cpu "/proc/$pid/stat")',
        `      ${family("unikernel_qemu_cpu_seconds_total", "counter", "CPU time of the whole VM process on the host.")}`,
        `      if [ -n "$v" ]; then ${sample("unikernel_qemu_cpu_seconds_total", "$v")}; fi`,
        `      ${family("unikernel_vcpu_seconds_total", "counter", "CPU time of each vCPU thread on the host.")}`,
        '      for task in /proc/"$pid"/task/*; do',
        '        comm=$(cat "$task/comm" 2>/dev/null) || continue',
        '        case "$comm" in "CPU "*/*) ;; *) continue ;; esac',
        "        index=${comm#CPU }; index=${index%%/*}",
        "        case \"$index\" in ''|*[!0-9]*) continue ;; esac",
        '        v=$(cpu "$task/stat")',
        `        if [ -n "$v" ]; then printf '%s%s%s %s\\n' ${shellWord(`unikernel_vcpu_seconds_total{${vm},vcpu="`)} "$index" '"}' "$v"; fi`,
        "      done",
        '      v=$(awk \'/^VmRSS:/ { printf "%.0f", $2 * 1024 }\' "/proc/$pid/status" 2>/dev/null)',
        `      ${family("unikernel_host_rss_bytes", "gauge", "Resident memory of the VM process on the host.")}`,
        `      if [ -n "$v" ]; then ${sample("unikernel_host_rss_bytes", "$v")}; fi`,
        '      r=$(awk \'/^read_bytes:/ { printf "%.0f", $2 }\' "/proc/$pid/io" 2>/dev/null)',
        '      w=$(awk \'/^write_bytes:/ { printf "%.0f", $2 }\' "/proc/$pid/io" 2>/dev/null)',
        `      ${family("unikernel_qemu_io_read_bytes_total", "counter", "Bytes the VM process read from the host's storage.")}`,
        `      if [ -n "$r" ]; then ${sample("unikernel_qemu_io_read_bytes_total", "$r")}; fi`,
        `      ${family("unikernel_qemu_io_written_bytes_total", "counter", "Bytes the VM process wrote to the host's storage.")}`,
        `      if [ -n "$w" ]; then ${sample("unikernel_qemu_io_written_bytes_total", "$w")}; fi`,
        "    fi",
        // A hidden temporary name (node_exporter reads only *.prom), this process's own, then renamed.
        `  } > ${shellWord(tempPrefix)}$$ && mv -f ${shellWord(tempPrefix)}$$ ${shellWord(file)}`,
        `  sleep ${spec.metrics.intervalSeconds}`,
        "done",
        "",
    ].join("\n");
}

/** Waits up to 5 s until a process has written its own pid and is recognizably ours. */
function waitForOwnPid(pidfile: string, mark: string, failure: string): string[] {
    return [
        `i=0; until ours ${shellWord(pidfile)} ${shellWord(mark)} >/dev/null; do`,
        `  i=$((i + 1)); if [ "$i" -ge 50 ]; then ${say(failure)}; exit 1; fi; sleep 0.1`,
        "done",
    ];
}

/**
 * Probes a forwarded TCP port the way `src/hosts/readiness.ts` does: QEMU accepts a forwarded
 * connection on the host whatever the guest does, so the guest must send a byte back to an HTTP
 * HEAD request within 2 s (services that speak first, like SSH, answer anyway). Exit 0 = answered.
 */
export const PROBE_SCRIPT = [
    "#!/bin/bash",
    "# usage: probe.sh PORT",
    "exec 2>/dev/null",
    "case \"$1\" in ''|*[!0-9]*) exit 2 ;; esac",
    'timeout 2 bash -c \'exec 3<>/dev/tcp/127.0.0.1/"$0" && printf "HEAD / HTTP/1.0\\r\\n\\r\\n" >&3 && [ -n "$(head -c 1 <&3 | od -An -c)" ]\' "$1"',
    "",
].join("\n");

function waitForPort(spec: HostServiceSpec, port: number): string[] {
    const p = hostPaths(spec);
    return [
        `i=0; until bash ${shellCommand([p.probe, String(port)])}; do`,
        `  i=$((i + 1)); if [ "$i" -ge ${spec.timeoutSeconds} ]; then`,
        `    ${say(`unikernel ${spec.name}: port ${port} did not answer within ${spec.timeoutSeconds} s; last console lines:`)}`,
        `    tail -n 20 -- ${shellWord(p.console)} >&2`,
        ...stopLines(spec).map((line) => `    ${line}`),
        "    exit 1",
        "  fi",
        "  sleep 1",
        "done",
    ];
}

/**
 * The watchdog: every interval, probe the port; after `failures` misses in a row, note it in the
 * console log and stop the VM by its pid (only when that pid is still this service's VM), so
 * systemd (Restart=always) or the supervisor starts it again. It runs as a unit of its own
 * under systemd, else as a supervised background process.
 */
function startWatchdog(
    spec: HostServiceSpec,
    watchdog: { port: number; intervalSeconds: number; failures: number },
): string[] {
    const p = hostPaths(spec);
    const script = [
        "#!/bin/sh",
        `# Watchdog of unikernel ${spec.name}: port ${watchdog.port}, every ${watchdog.intervalSeconds} s, restart after ${watchdog.failures} misses.`,
        PROCESS_FUNCTIONS,
        "# Its own pid (a process group leader under setsid), written by itself: what removal stops.",
        `echo $$ > ${shellWord(p.watchdogPid)}`,
        "missed=0",
        "while true; do",
        `  sleep ${watchdog.intervalSeconds}`,
        `  if bash ${shellCommand([p.probe, String(watchdog.port)])}; then missed=0; continue; fi`,
        "  missed=$((missed + 1))",
        `  ${countLine(p.watchdogMisses)}`,
        `  if [ "$missed" -ge ${watchdog.failures} ]; then`,
        `    printf '%s\\n' ${shellWord(`[watchdog] port ${watchdog.port} did not answer ${watchdog.failures} times: restarting the VM`)} >> ${shellWord(p.console)}`,
        `    ${countLine(p.watchdogRestarts)}`,
        `    if vm=$(ours ${shellWord(p.vmPid)} ${shellWord(vmMark(spec))}); then kill -TERM "$vm" 2>/dev/null || true; fi`,
        "    missed=0",
        "  fi",
        "done",
        "",
    ].join("\n");
    return runAlongside(spec, { ...helperOf(spec, "watchdog"), script });
}

/** Where a helper process of the service (watchdog, metrics writer) keeps its script, pid and unit. */
interface Helper {
    what: string;
    scriptPath: string;
    pidfile: string;
    unitName: string;
    unitPath: string;
}

function helperOf(spec: Pick<HostServiceSpec, "name" | "stateDir">, kind: "watchdog" | "metrics"): Helper {
    const p = hostPaths(spec);
    return kind === "watchdog"
        ? {
              what: "watchdog",
              scriptPath: p.watchdog,
              pidfile: p.watchdogPid,
              unitName: p.watchdogUnitName,
              unitPath: p.watchdogUnit,
          }
        : {
              what: "metrics writer",
              scriptPath: p.metrics,
              pidfile: p.metricsPid,
              unitName: p.metricsUnitName,
              unitPath: p.metricsUnit,
          };
}

/** Stops a helper: its unit under systemd, else its background process (only when provably ours). */
function stopAlongside(helper: Helper): string[] {
    return [
        `if [ -f ${shellWord(helper.unitPath)} ]; then`,
        `  systemctl disable --now ${shellWord(helper.unitName)} >/dev/null 2>&1 || true`,
        `  rm -f ${shellWord(helper.unitPath)}`,
        "fi",
        `stop_ours ${shellWord(helper.pidfile)} ${shellWord(helper.scriptPath)}`,
    ];
}

/**
 * A helper process of the service (watchdog, metrics writer): a unit of its own under systemd
 * (restarted always), else a background process under setsid that writes its own pid, which the
 * install waits for.
 */
function runAlongside(spec: HostServiceSpec, helper: Helper & { script: string }): string[] {
    const p = hostPaths(spec);
    const unit = unitFile({
        Unit: [
            ["Description", systemdText(`${helper.what} of unikernel ${spec.name} (managed by pulumi-unikernel)`)],
            ["After", p.unitName],
        ],
        Service: [
            ["ExecStart", systemdCommandLine(["/bin/sh", helper.scriptPath])],
            ["Restart", "always"],
            ["RestartSec", "5"],
        ],
        Install: [["WantedBy", "multi-user.target"]],
    });
    return [
        writeFile(helper.scriptPath, helper.script, "755"),
        'if [ "$MODE" = systemd ]; then',
        `  ${writeFile(helper.unitPath, unit)}`,
        "  systemctl daemon-reload",
        `  systemctl enable ${shellWord(helper.unitName)} >/dev/null 2>&1`,
        `  systemctl restart ${shellWord(helper.unitName)}`,
        "else",
        `  stop_ours ${shellWord(helper.pidfile)} ${shellWord(helper.scriptPath)}`,
        `  setsid /bin/sh ${shellWord(helper.scriptPath)} > /dev/null 2>&1 < /dev/null &`,
        `  # Ready when the ${helper.what} has written its pid and lives; say so when it does not start.`,
        ...waitForOwnPid(
            helper.pidfile,
            helper.scriptPath,
            `unikernel ${spec.name}: the ${helper.what} did not start`,
        ).map((line) => `  ${line}`),
        "fi",
    ];
}

/** The metrics writer (see {@link metricsScript}), run alongside the VM. */
function startMetrics(
    spec: HostServiceSpec & { metrics: { textfileDirectory: string; intervalSeconds: number } },
): string[] {
    const p = hostPaths(spec);
    const d = shellWord(spec.metrics.textfileDirectory);
    return [
        `mkdir -p -- ${d}`,
        // Root writes there under systemd: a directory others could write to would let them aim it elsewhere.
        `if [ -L ${d} ] || [ ! -d ${d} ]; then ${say(`the metrics directory ${spec.metrics.textfileDirectory} is not a directory (or is a symbolic link)`)}; exit 1; fi`,
        `set -- $(stat -c '%u %a' -- ${d})`,
        `if { [ "$1" != "$(id -u)" ] && [ "$1" != 0 ]; } || [ $(( 0$2 & 022 )) -ne 0 ]; then ${say(`the metrics directory ${spec.metrics.textfileDirectory} belongs to another user or can be written by others; fix it with chown and chmod go-w`)}; exit 1; fi`,
        `printf '%s\\n' ${shellWord(metricsFile(spec))} > ${shellWord(p.metricsRecord)}`,
        ...runAlongside(spec, { ...helperOf(spec, "metrics"), script: metricsScript(spec) }),
    ];
}

/**
 * Stops the service and removes what its install wrote, and `imagePath` when given (the copy it ran);
 * the state directory goes when that leaves it empty. Only this service's own files are removed, so
 * on a replacement (the old service removed, then the new one installed) the new image, copied to a
 * path named by its digest beforehand, survives. Succeeds when nothing is installed.
 */
export function removeScript(
    spec: Pick<HostServiceSpec, "name" | "stateDir" | "metrics"> & { imagePath?: string },
): string {
    checkHostServiceSpec(spec);
    const p = hostPaths(spec);
    const files = [
        p.vmCommand,
        p.supervisor,
        p.firecrackerConfig,
        p.console,
        p.vmPid,
        p.probe,
        p.watchdog,
        p.efiVars,
        p.metrics,
        p.starts,
        p.watchdogRestarts,
        p.watchdogMisses,
        p.metricsRecord,
        ...(spec.imagePath ? [spec.imagePath] : []),
    ];
    return [
        "set -u",
        PROCESS_FUNCTIONS,
        ...stopLines(spec),
        `rm -f -- ${shellCommand(files)}`,
        `rmdir -- ${shellWord(spec.stateDir)} 2>/dev/null || true`,
        "",
    ].join("\n");
}

/**
 * Stops a metrics writer of this service and removes the file it wrote (and any temporary file it
 * left), found by the record the install keeps: also when the new spec has no metrics, or another
 * directory, so no .prom file is left frozen at its last values.
 */
function stopMetricsLines(spec: Pick<HostServiceSpec, "name" | "stateDir">): string[] {
    const p = hostPaths(spec);
    return [
        ...stopAlongside(helperOf(spec, "metrics")),
        `if old=$(cat ${shellWord(p.metricsRecord)} 2>/dev/null) && [ -n "$old" ]; then`,
        '  rm -f -- "$old" "${old%/*}/.${old##*/}."*',
        `  rm -f ${shellWord(p.metricsRecord)}`,
        "fi",
    ];
}

/** Stops the unit or the supervisor; keeps the state directory (and so the console log). */
function stopLines(spec: Pick<HostServiceSpec, "name" | "stateDir" | "metrics">): string[] {
    const p = hostPaths(spec);
    return [
        ...stopMetricsLines(spec),
        // The watchdog next, so it does not restart what is being stopped.
        ...stopAlongside(helperOf(spec, "watchdog")),
        `if [ -f ${shellWord(p.unit)} ]; then`,
        `  systemctl disable --now ${shellWord(p.unitName)} >/dev/null 2>&1 || true`,
        `  rm -f ${shellWord(p.unit)}`,
        "  systemctl daemon-reload || true",
        "fi",
        "# The supervisor leads its own process group (setsid): stopping the group stops its VM too.",
        `stop_ours ${shellWord(p.pidfile)} ${shellWord(p.supervisor)}`,
    ];
}

function waitForReady(spec: HostServiceSpec, consoleLog: string): string[] {
    const grep = `grep -qE -e ${shellWord(spec.expect!)} -- ${shellWord(consoleLog)}`;
    return [
        `i=0; while [ "$i" -lt ${spec.timeoutSeconds * 5} ]; do`,
        `  if ${grep}; then break; fi`,
        "  i=$((i + 1)); sleep 0.2",
        "done",
        `if ! ${grep}; then`,
        `  ${say(`unikernel ${spec.name} did not print ${spec.expect!} within ${spec.timeoutSeconds} s; last console lines:`)}`,
        `  tail -n 20 -- ${shellWord(consoleLog)} >&2`,
        "  # A service that never got ready is not left running behind a failed update; its console stays.",
        ...stopLines(spec).map((line) => `  ${line}`),
        "  exit 1",
        "fi",
    ];
}
