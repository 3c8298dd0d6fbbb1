/**
 * TCP readiness through QEMU's user networking. A forwarded host port accepts the connection on the
 * host side at once, whatever the guest does: with nothing listening (or no network driver at all)
 * the host socket stays open while QEMU keeps knocking on the guest. So an accepted connection
 * proves nothing; the guest has to say something. A probe connects, sends one HTTP HEAD request
 * (which HTTP servers answer, and which line protocols answer with an error), and counts any byte
 * back within `holdMs` as an answer; services that speak first (SSH, SMTP) answer anyway.
 */
import * as net from "net";

const PROBE = "HEAD / HTTP/1.0\r\n\r\n";

/** One probe: true when 127.0.0.1:port (or `host`) sends at least one byte back within `holdMs`. */
export function tcpAnswers(port: number, host = "127.0.0.1", holdMs = 1000): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        let done = false;
        const finish = (answer: boolean) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            socket.destroy();
            resolve(answer);
        };
        const timer = setTimeout(() => finish(false), holdMs);
        socket.once("connect", () => socket.write(PROBE));
        socket.once("data", () => finish(true));
        socket.once("close", () => finish(false));
        socket.once("error", () => finish(false));
    });
}

/** Probes until the port answers or `deadline` (ms since the epoch) passes. */
export async function waitForTcp(port: number, deadline: number, host = "127.0.0.1"): Promise<boolean> {
    while (Date.now() < deadline) {
        if (await tcpAnswers(port, host, Math.min(1000, Math.max(100, deadline - Date.now())))) return true;
        await new Promise((r) => setTimeout(r, 200));
    }
    return false;
}
