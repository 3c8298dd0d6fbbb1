/** Ports a service declares: validated once, with defaults for their sources decided where they are opened. */
import { Problem } from "./problem";
import { PROTOCOLS, Protocol } from "./service";

/** A port as declared (a component's `ports[]` entry). */
export interface PortSpec {
    port: number;
    protocol?: string;
    /** IPv4 CIDR blocks allowed to reach it. */
    sources?: readonly string[];
}

/** A validated port. `sources` is undefined when the user gave none (each place has its default). */
export interface ResolvedPort {
    port: number;
    protocol: Protocol;
    sources?: string[];
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Checks ports and CIDR sources; pushes problems with their paths. */
export function validatePorts(ports: readonly PortSpec[], path: string, problems: Problem[]): ResolvedPort[] {
    const seen = new Set<string>();
    return ports.map((p, i) => {
        const at = `${path}[${i}]`;
        if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) {
            problems.push({ path: `${at}.port`, message: `got ${p.port}; expected a port from 1 to 65535` });
        }
        const protocol = (p.protocol ?? "tcp") as Protocol;
        if (!PROTOCOLS.includes(protocol)) {
            problems.push({
                path: `${at}.protocol`,
                message: `got "${p.protocol}"; expected ${PROTOCOLS.join(" or ")}`,
            });
        }
        const key = `${protocol}/${p.port}`;
        if (seen.has(key)) {
            problems.push({
                path: at,
                message: `${key} is declared twice; keep one entry and list all its sources there`,
            });
        }
        seen.add(key);
        (p.sources ?? []).forEach((source, j) => checkCidr(source, `${at}.sources[${j}]`, problems));
        return { port: p.port, protocol, ...(p.sources ? { sources: [...p.sources] } : {}) };
    });
}

/**
 * Checks that a port a health check or balancer uses (`path`) is one of the declared TCP ports:
 * nothing else is forwarded or opened, so a check on it could never pass.
 */
export function checkDeclaredTcpPort(port: number, ports: ResolvedPort[], path: string, problems: Problem[]): void {
    const tcp = ports.filter((p) => p.protocol === "tcp").map((p) => p.port);
    if (!tcp.includes(port)) {
        problems.push({
            path,
            message: `got ${port}; expected one of the declared TCP ports (${tcp.join(", ") || "none declared: add it to `ports`"})`,
        });
    }
}

/** Checks one IPv4 CIDR block; pushes a problem at `path` when it is not one. */
export function checkCidr(cidr: string, path: string, problems: Problem[]): void {
    const m = CIDR.exec(cidr);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
        problems.push({
            path,
            message: `got ${JSON.stringify(cidr)}; expected an IPv4 CIDR block such as "203.0.113.0/24"`,
        });
    }
}

/** Administration ports that should never be open to the whole internet without a second thought. */
const ADMIN_PORTS: Readonly<Record<number, string>> = { 22: "SSH", 3389: "RDP", 2375: "the Docker API", 5900: "VNC" };

/**
 * What to warn about when an administration port such as 22 is open to 0.0.0.0/0, explicitly or by
 * the public default: allowed, since it was declared, but said out loud (at preview).
 */
export function openAdminPortWarnings(ports: readonly ResolvedPort[], isPublic: boolean): string[] {
    return ports.flatMap((p) => {
        const what = ADMIN_PORTS[p.port];
        const world = p.sources ? p.sources.includes("0.0.0.0/0") : isPublic;
        return what && p.protocol === "tcp" && world
            ? [
                  `port ${p.port} (${what}) is open to the whole internet (0.0.0.0/0)${p.sources ? "" : " by the public default"}; ` +
                      "limit it with `ports[].sources`, e.g. your office's address block",
              ]
            : [];
    });
}
