/**
 * Scripts that install and remove a unikernel service on a private Linux host, run over SSH.
 *
 * Where systemd runs, the service is a unit with Restart=on-failure. Where it does not (containers,
 * the loopback test host), the same VM runs under a small supervisor loop in the background with a
 * pidfile: it restarts QEMU when QEMU exits, and is killed as a process group on removal. `auto`
 * picks at install time by looking for /run/systemd/system. Both write the serial console to a
 * file beside the image, and the install waits for the ready line when one is given, failing with
 * the console's tail if it never comes.
 */
import { shellCommand } from "../internal/shellQuote";
import { QemuOptions, qemuCommand } from "./qemu";

/** How the host keeps the VM running. */
export type HostRunMode = "auto" | "systemd" | "background";

/** What to run on the host. */
export interface HostServiceSpec {
    /** Service name: names the unit and the state directory. */
    name: string;
    /** State directory on the host (image, console log, pidfile). */
    stateDir: string;
    /** The image on the host. */
    imagePath: string;
    /** `disk` boots the image as a disk; `kernel` boots it directly (Firecracker needs a kernel). */
    imageKind: "disk" | "kernel";
    hypervisor: "qemu" | "firecracker";
    architecture: "x86_64" | "arm64";
    boot?: "bios" | "uefi";
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
}

/** Paths the scripts use. */
export function hostPaths(spec: Pick<HostServiceSpec, "name" | "stateDir">) {
    return {
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
        watchdogUnit: `/etc/systemd/system/unikernel-${spec.name}-watchdog.service`,
    };
}

/** The shell script that starts the VM in the foreground (run by systemd or the supervisor). */
export function vmScript(spec: HostServiceSpec): string {
    const paths = hostPaths(spec);
    if (spec.hypervisor === "firecracker") {
        return [
            "#!/bin/sh",
            "# Firecracker boots the kernel directly (no BIOS, no UEFI): the image must be a kernel.",
            `echo $$ > ${shellCommand([paths.vmPid])}`,
            `exec firecracker --no-api --config-file ${shellCommand([paths.firecrackerConfig])} >> ${shellCommand([paths.console])} 2>&1`,
            "",
        ].join("\n");
    }
    const options: QemuOptions = {
        architecture: spec.architecture,
        ...(spec.imageKind === "disk" ? { disk: spec.imagePath, boot: spec.boot } : { kernel: spec.imagePath, cmdline: spec.cmdline }),
        firmware: spec.imageKind === "disk" && (spec.boot === "uefi" || spec.architecture === "arm64")
            ? spec.architecture === "arm64" ? { code: "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd" } : { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: `${spec.stateDir}/efivars.fd` }
            : undefined,
        memoryMiB: spec.memoryMiB,
        cpus: spec.cpus,
        accel: "kvm", // replaced below at run time
        // A private host serves its own network: forwards listen on all of the host's addresses.
        ports: spec.ports.map((p) => ({ protocol: p.protocol, host: p.port, guest: p.port, hostAddress: "" })),
    };
    const { command, args } = qemuCommand(options);
    // The console file is appended to, not truncated: the supervisor or systemd restarts QEMU, and
    // the lines from before a restart are what explain it.
    const serialAt = args.indexOf("-serial");
    const argv = [...args.slice(0, serialAt), "-chardev", `file,id=console0,path=${paths.console},append=on`, "-serial", "chardev:console0", ...args.slice(serialAt + 2)];
    const accelAt = argv.indexOf("-accel") + 1;
    const shown = shellCommand([command, ...argv.slice(0, accelAt)]) + ' "$ACCEL" ' + shellCommand(argv.slice(accelAt + 1));
    return [
        "#!/bin/sh",
        "# KVM only when it really works: /dev/kvm usable and VT-x/AMD-V (or an arm64 host).",
        "ACCEL=tcg",
        "if [ -w /dev/kvm ] && { grep -qE '\\b(vmx|svm)\\b' /proc/cpuinfo || [ \"$(uname -m)\" = aarch64 ]; }; then ACCEL=kvm; fi",
        ...(options.firmware?.vars ? [`[ -f ${shellCommand([options.firmware.vars])} ] || cp /usr/share/OVMF/OVMF_VARS_4M.fd ${shellCommand([options.firmware.vars])}`] : []),
        "# exec keeps this pid: the watchdog stops the VM by it, and the supervisor or systemd restarts it.",
        `echo $$ > ${shellCommand([paths.vmPid])}`,
        `exec ${shown}`,
        "",
    ].join("\n");
}

/** The Firecracker VM configuration (boot source, memory, vCPUs). */
export function firecrackerConfig(spec: HostServiceSpec): string {
    return `${JSON.stringify({
        "boot-source": { kernel_image_path: spec.imagePath, boot_args: spec.cmdline ?? "" },
        drives: [],
        "machine-config": { vcpu_count: spec.cpus ?? 1, mem_size_mib: spec.memoryMiB },
    }, null, 2)}\n`;
}

/** Installs (or replaces) the service and starts it; waits for the ready line when given. Idempotent. */
export function installScript(spec: HostServiceSpec): string {
    const p = hostPaths(spec);
    const unit = [
        "[Unit]",
        `Description=unikernel ${spec.name} (managed by pulumi-unikernel)`,
        "After=network.target",
        "[Service]",
        `ExecStart=/bin/sh ${p.vmCommand}`,
        "Restart=on-failure",
        "RestartSec=1",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
    const supervisor = [
        "#!/bin/sh",
        "# Restarts the VM whenever it exits, like systemd's Restart=on-failure (and after a clean exit too).",
        `while true; do /bin/sh ${shellCommand([p.vmCommand])}; sleep 1; done`,
        "",
    ].join("\n");
    const lines = [
        "set -eu",
        `mkdir -p ${shellCommand([spec.stateDir])}`,
        writeFile(p.vmCommand, vmScript(spec)),
        ...(spec.hypervisor === "firecracker" ? [writeFile(p.firecrackerConfig, firecrackerConfig(spec))] : []),
        `: > ${shellCommand([p.console])}`,
        `MODE=${shellCommand([spec.mode])}`,
        'if [ "$MODE" = auto ]; then if [ -d /run/systemd/system ]; then MODE=systemd; else MODE=background; fi; fi',
        'if [ "$MODE" = systemd ]; then',
        `  ${writeFile(p.unit, unit)}`,
        "  systemctl daemon-reload",
        `  systemctl enable unikernel-${spec.name}.service >/dev/null 2>&1`,
        `  systemctl restart unikernel-${spec.name}.service`,
        "else",
        `  if [ -f ${shellCommand([p.pidfile])} ]; then kill -TERM -"$(cat ${shellCommand([p.pidfile])})" 2>/dev/null || true; fi`,
        `  ${writeFile(p.supervisor, supervisor)}`,
        `  setsid /bin/sh ${shellCommand([p.supervisor])} > /dev/null 2>&1 < /dev/null &`,
        `  echo $! > ${shellCommand([p.pidfile])}`,
        "fi",
        ...(spec.expect ? waitForReady(spec, p.console) : []),
        ...(spec.readyPort !== undefined ? waitForPort(spec, spec.readyPort) : []),
        ...(spec.watchdog ? startWatchdog(spec, spec.watchdog) : []),
        'echo "{\\"mode\\": \\"$MODE\\", \\"console\\": \\"' + p.console + '\\"}"',
    ];
    const probe = spec.readyPort !== undefined || spec.watchdog ? [
        'command -v bash >/dev/null || { echo "the port checks need bash on the host (for /dev/tcp)" >&2; exit 1; }',
        writeFile(p.probe, PROBE_SCRIPT),
    ] : [];
    lines.splice(2, 0, ...probe);
    return `${lines.join("\n")}\n`;
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
    "timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/\"$0\" && printf \"HEAD / HTTP/1.0\\r\\n\\r\\n\" >&3 && [ -n \"$(head -c 1 <&3 | od -An -c)\" ]' \"$1\"",
    "",
].join("\n");

function waitForPort(spec: HostServiceSpec, port: number): string[] {
    const p = hostPaths(spec);
    return [
        `i=0; until bash ${shellCommand([p.probe, String(port)])}; do`,
        `  i=$((i + 1)); if [ "$i" -ge ${spec.timeoutSeconds} ]; then`,
        `    echo "unikernel ${spec.name}: port ${port} did not answer within ${spec.timeoutSeconds} s; last console lines:" >&2`,
        `    tail -n 20 ${shellCommand([p.console])} >&2`,
        ...stopLines(spec).map((line) => `    ${line}`),
        "    exit 1",
        "  fi",
        "  sleep 1",
        "done",
    ];
}

/**
 * The watchdog: every interval, probe the port; after `failures` misses in a row, note it in the
 * console log and stop the VM by its pid, so systemd (Restart=on-failure) or the supervisor starts
 * it again. It runs as a unit of its own under systemd, else as a supervised background process.
 */
function startWatchdog(spec: HostServiceSpec, watchdog: { port: number; intervalSeconds: number; failures: number }): string[] {
    const p = hostPaths(spec);
    const script = [
        "#!/bin/sh",
        `# Watchdog of unikernel ${spec.name}: port ${watchdog.port}, every ${watchdog.intervalSeconds} s, restart after ${watchdog.failures} misses.`,
        "# Its own pid (a process group leader under setsid), written by itself: what removal stops.",
        `echo $$ > ${shellCommand([p.watchdogPid])}`,
        "missed=0",
        "while true; do",
        `  sleep ${watchdog.intervalSeconds}`,
        `  if bash ${shellCommand([p.probe, String(watchdog.port)])}; then missed=0; continue; fi`,
        "  missed=$((missed + 1))",
        `  if [ "$missed" -ge ${watchdog.failures} ]; then`,
        `    echo "[watchdog] port ${watchdog.port} did not answer ${watchdog.failures} times: restarting the VM" >> ${shellCommand([p.console])}`,
        `    kill -TERM "$(cat ${shellCommand([p.vmPid])})" 2>/dev/null || true`,
        "    missed=0",
        "  fi",
        "done",
        "",
    ].join("\n");
    const unit = [
        "[Unit]", `Description=watchdog of unikernel ${spec.name} (managed by pulumi-unikernel)`, `After=unikernel-${spec.name}.service`,
        "[Service]", `ExecStart=/bin/sh ${p.watchdog}`, "Restart=always", "RestartSec=5", "[Install]", "WantedBy=multi-user.target", "",
    ].join("\n");
    return [
        writeFile(p.watchdog, script),
        'if [ "$MODE" = systemd ]; then',
        `  ${writeFile(p.watchdogUnit, unit)}`,
        "  systemctl daemon-reload",
        `  systemctl enable unikernel-${spec.name}-watchdog.service >/dev/null 2>&1`,
        `  systemctl restart unikernel-${spec.name}-watchdog.service`,
        "else",
        `  if [ -f ${shellCommand([p.watchdogPid])} ]; then kill -TERM -"$(cat ${shellCommand([p.watchdogPid])})" 2>/dev/null || true; rm -f ${shellCommand([p.watchdogPid])}; fi`,
        `  setsid /bin/sh ${shellCommand([p.watchdog])} > /dev/null 2>&1 < /dev/null &`,
        "  # Ready when the watchdog has written its pid and lives; say so when it does not start.",
        `  i=0; until [ -s ${shellCommand([p.watchdogPid])} ] && kill -0 "$(cat ${shellCommand([p.watchdogPid])})" 2>/dev/null; do`,
        `    i=$((i + 1)); if [ "$i" -ge 50 ]; then echo "unikernel ${spec.name}: the watchdog did not start" >&2; exit 1; fi; sleep 0.1`,
        "  done",
        "fi",
    ];
}

/**
 * Stops the service and removes what its install wrote, and `imagePath` when given (the copy it ran);
 * the state directory goes when that leaves it empty. Only this service's own files are removed, so
 * on a replacement (the old service removed, then the new one installed) the new image, copied to a
 * path named by its digest beforehand, survives. Succeeds when nothing is installed.
 */
export function removeScript(spec: Pick<HostServiceSpec, "name" | "stateDir"> & { imagePath?: string }): string {
    const p = hostPaths(spec);
    const files = [p.vmCommand, p.supervisor, p.firecrackerConfig, p.console, p.vmPid, p.probe, p.watchdog, ...(spec.imagePath ? [spec.imagePath] : [])];
    return ["set -u", ...stopLines(spec), `rm -f ${shellCommand(files)}`, `rmdir ${shellCommand([spec.stateDir])} 2>/dev/null || true`, ""].join("\n");
}

/** Stops the unit or the supervisor; keeps the state directory (and so the console log). */
function stopLines(spec: Pick<HostServiceSpec, "name" | "stateDir">): string[] {
    const p = hostPaths(spec);
    return [
        // The watchdog first, so it does not restart what is being stopped.
        `if [ -f ${shellCommand([p.watchdogUnit])} ]; then`,
        `  systemctl disable --now unikernel-${spec.name}-watchdog.service >/dev/null 2>&1 || true`,
        `  rm -f ${shellCommand([p.watchdogUnit])}`,
        "fi",
        `if [ -f ${shellCommand([p.watchdogPid])} ]; then`,
        `  kill -TERM -"$(cat ${shellCommand([p.watchdogPid])})" 2>/dev/null || true`,
        `  rm -f ${shellCommand([p.watchdogPid])}`,
        "fi",
        `if [ -f ${shellCommand([p.unit])} ]; then`,
        `  systemctl disable --now unikernel-${spec.name}.service >/dev/null 2>&1 || true`,
        `  rm -f ${shellCommand([p.unit])}`,
        "  systemctl daemon-reload || true",
        "fi",
        `if [ -f ${shellCommand([p.pidfile])} ]; then`,
        "  # The supervisor is a process group leader (setsid): stop it and its VM together.",
        `  PGID=$(cat ${shellCommand([p.pidfile])})`,
        '  kill -TERM -"$PGID" 2>/dev/null || true',
        '  for i in 1 2 3 4 5 6 7 8 9 10; do kill -0 -"$PGID" 2>/dev/null || break; sleep 0.5; done',
        '  kill -KILL -"$PGID" 2>/dev/null || true',
        `  rm -f ${shellCommand([p.pidfile])}`,
        "fi",
    ];
}

function writeFile(file: string, content: string): string {
    // A quoted heredoc: the content is written byte for byte, no expansion.
    return `cat > ${shellCommand([file])} <<'UNIKERNEL_EOF'\n${content}UNIKERNEL_EOF`;
}

function waitForReady(spec: HostServiceSpec, consoleLog: string): string[] {
    return [
        `i=0; while [ "$i" -lt ${spec.timeoutSeconds * 5} ]; do`,
        `  if grep -qE ${shellCommand([spec.expect!])} ${shellCommand([consoleLog])}; then break; fi`,
        "  i=$((i + 1)); sleep 0.2",
        "done",
        `if ! grep -qE ${shellCommand([spec.expect!])} ${shellCommand([consoleLog])}; then`,
        `  echo "unikernel ${spec.name} did not print ${spec.expect!.replace(/["\\$`]/g, "")} within ${spec.timeoutSeconds} s; last console lines:" >&2`,
        `  tail -n 20 ${shellCommand([consoleLog])} >&2`,
        "  # A service that never got ready is not left running behind a failed update; its console stays.",
        ...stopLines(spec).map((line) => `  ${line}`),
        "  exit 1",
        "fi",
    ];
}
