/** `unikernel stats`: a running VM's counters from outside the guest (QMP and /proc), as JSON or Prometheus text. */
import { Command, InvalidArgumentError } from "commander";
import * as http from "http";
import * as net from "net";
import * as path from "path";
import { StepFailure, UsageError } from "../../model";
import { safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

interface StatsOptions {
    pidfile: string[];
    name?: string[];
    json?: boolean;
    prometheus?: boolean;
    serve?: { host: string; port: number };
}

/** `HOST:PORT` to listen on; the address is given, never assumed (a metrics endpoint is not for everyone). */
function listenOption(value: string): { host: string; port: number } {
    const match = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+|localhost):(\d{1,5})$/.exec(safeText(value));
    const port = Number(match?.[2]);
    const host = match?.[1].replace(/^\[|\]$/g, "");
    if (!match || !host || (host !== "localhost" && !net.isIP(host)) || port < 1 || port > 65535) {
        throw new InvalidArgumentError(`"${value}" is not <address>:<port> such as 127.0.0.1:9464`);
    }
    return { host, port };
}

/** Registers `stats`. */
export const registerStatsCommand: CommandRegistration = (program: Command, io, setExit) => {
    program
        .command("stats")
        .description(
            "Read a VM started with `run --detach` from outside: up, run state, vCPU time, memory, disk counters (QMP and /proc).",
        )
        .requiredOption(
            "--pidfile <file>",
            "the VM's pidfile (repeatable)",
            (value: string, previous: string[] = []) => [...previous, safeText(value)],
        )
        .option(
            "--name <name>",
            "the `vm` label of each pidfile, in order (default: the pidfile's directory name)",
            (value: string, previous: string[] = []) => [...previous, safeText(value)],
        )
        .option("--json", "print one JSON object: {vms: [{name, pidfile, up, status, vcpus, ...}]}")
        .option("--prometheus", "print Prometheus text (for node_exporter's textfile collector)")
        .option(
            "--serve <address:port>",
            "serve Prometheus text at http://<address:port>/metrics until stopped",
            listenOption,
        )
        .action(async (options: StatsOptions) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    if ([options.json, options.prometheus, options.serve].filter(Boolean).length > 1) {
                        throw new UsageError("--json, --prometheus and --serve: give one");
                    }
                    if (options.name && options.name.length !== options.pidfile.length) {
                        throw new UsageError(
                            `${options.name.length} --name for ${options.pidfile.length} --pidfile; give one name per pidfile`,
                        );
                    }
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { prometheusText, vmStats } = await import("../../hosts/vmStats");
                    const vms = options.pidfile.map((pidfile, i) => ({
                        name: options.name?.[i] ?? path.basename(path.dirname(path.resolve(pidfile))),
                        pidfile: path.resolve(pidfile),
                    }));
                    // One series per VM: Prometheus (and node_exporter's textfile collector) refuse duplicates.
                    const names = vms.map((vm) => vm.name);
                    const twice = names.find((name, i) => names.indexOf(name) !== i);
                    if (twice !== undefined) {
                        throw new UsageError(`two pidfiles would both be labelled vm="${twice}"; give each a --name`);
                    }
                    const read = () =>
                        Promise.all(vms.map(async (vm) => ({ ...vm, stats: await vmStats(vm.pidfile) })));
                    if (options.serve) {
                        await serveMetrics(
                            options.serve,
                            async () => prometheusText(await read()),
                            (text) => io.err(text),
                        );
                        return ExitCode.Ok;
                    }
                    const all = await read();
                    const text = options.prometheus
                        ? prometheusText(all).trimEnd()
                        : all
                              .map(({ name, stats }) =>
                                  stats.up
                                      ? `${name}: up, ${stats.status ?? "state unknown"}, vCPU ${stats.vcpus.map((c) => `${c.cpuSeconds}s`).join("/")}, rss ${stats.hostRssBytes ?? "?"} bytes${stats.reason ? ` (${stats.reason})` : ""}`
                                      : `${name}: down (${stats.reason ?? "not running"})`,
                              )
                              .join("\n");
                    printResult(
                        io,
                        Boolean(options.json),
                        { vms: all.map(({ name, pidfile, stats }) => ({ name, pidfile, ...stats })) },
                        text,
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};

/** Serves `GET /metrics` until SIGINT or SIGTERM; anything else is 404. */
async function serveMetrics(
    at: { host: string; port: number },
    metrics: () => Promise<string>,
    log: (text: string) => void,
): Promise<void> {
    const server = http.createServer((request, response) => {
        if (request.method !== "GET" || (request.url ?? "").split("?")[0] !== "/metrics") {
            response.writeHead(404).end();
            return;
        }
        metrics().then(
            (text) => response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(text),
            (error: Error) => response.writeHead(500).end(`${error.message}\n`),
        );
    });
    await new Promise<void>((resolve, reject) => {
        server.once("error", (error: NodeJS.ErrnoException) =>
            reject(new StepFailure(`cannot listen on ${at.host}:${at.port}: ${error.code ?? error.message}`)),
        );
        server.listen(at.port, at.host, resolve);
    });
    const address = server.address() as net.AddressInfo;
    log(
        `stats: serving http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}/metrics\n`,
    );
    // Until a signal ends the CLI (its handlers exit with 128 + the signal's number).
    await new Promise<void>(() => undefined);
}
