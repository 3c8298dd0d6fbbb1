/**
 * TCP readiness against real sockets on loopback, including what QEMU's user networking does when
 * nothing listens in the guest: the connection is accepted and stays silent.
 */
import { strict as assert } from "assert";
import * as net from "net";
import { spawn } from "child_process";
import { PROBE_SCRIPT } from "../../../src/hosts/privateHost";
import { tcpAnswers, waitForTcp } from "../../../src/hosts/readiness";

function server(onConnection: (socket: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
    return new Promise((resolve) => {
        const sockets: net.Socket[] = [];
        // A client that hangs up early resets the connection: that is not the server's failure.
        const s = net.createServer((socket) => {
            sockets.push(socket);
            socket.on("error", () => undefined);
            onConnection(socket);
        });
        s.listen(0, "127.0.0.1", () =>
            resolve({
                port: (s.address() as net.AddressInfo).port,
                close: () =>
                    new Promise((r) => {
                        sockets.forEach((x) => x.destroy());
                        s.close(() => r());
                    }),
            }),
        );
    });
}

describe("TCP readiness", () => {
    it("answers when the service replies to the probe (an HTTP server)", async () => {
        const s = await server((socket) =>
            socket.once("data", (d) =>
                socket.end(String(d).startsWith("HEAD / HTTP/1.0") ? "HTTP/1.0 200 OK\r\n\r\n" : "?"),
            ),
        );
        try {
            assert.equal(await tcpAnswers(s.port, "127.0.0.1", 500), true);
        } finally {
            await s.close();
        }
    });

    it("does not answer when the connection is accepted and stays silent (QEMU's forward to a guest that does not listen)", async () => {
        const s = await server(() => undefined);
        try {
            assert.equal(await tcpAnswers(s.port, "127.0.0.1", 300), false);
        } finally {
            await s.close();
        }
    });

    it("answers when the service speaks first, even if it then closes", async () => {
        const s = await server((socket) => socket.end("SSH-2.0-banner\r\n"));
        try {
            assert.equal(await tcpAnswers(s.port, "127.0.0.1", 200), true);
        } finally {
            await s.close();
        }
    });

    it("does not answer when accepted and closed at once (a guest that refuses the connection)", async () => {
        const s = await server((socket) => socket.destroy());
        try {
            assert.equal(await tcpAnswers(s.port, "127.0.0.1", 500), false);
        } finally {
            await s.close();
        }
    });

    it("does not answer when nothing listens, and waitForTcp gives up at its deadline", async () => {
        const s = await server(() => undefined);
        const port = s.port; // closed below: nothing listens there any more
        await s.close();
        assert.equal(await tcpAnswers(port, "127.0.0.1", 200), false);
        const started = Date.now();
        assert.equal(await waitForTcp(port, Date.now() + 700), false);
        assert.ok(Date.now() - started < 5000);
    });
});

describe("the private-host probe script (bash /dev/tcp)", () => {
    // Asynchronous: the servers live in this process and must keep answering while bash runs.
    function probe(port: number): Promise<number | null> {
        return new Promise((resolve) =>
            spawn("bash", ["-c", PROBE_SCRIPT, "probe.sh", String(port)]).on("close", (code) => resolve(code)),
        );
    }

    it("succeeds when the service replies, fails when it stays silent, closes, or is not there", async () => {
        const replies = await server((socket) => socket.once("data", () => socket.end("HTTP/1.0 200 OK\r\n\r\n")));
        const silent = await server(() => undefined);
        const closes = await server((socket) => socket.destroy());
        try {
            assert.equal(await probe(replies.port), 0);
            assert.notEqual(await probe(silent.port), 0);
            assert.notEqual(await probe(closes.port), 0);
        } finally {
            await Promise.all([replies.close(), silent.close(), closes.close()]);
        }
        assert.notEqual(await probe(replies.port), 0, "nothing listens any more");
    });
});
