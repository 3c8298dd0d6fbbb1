/** The QMP client against a fake QMP server on a unix socket: answers, events, and messages that are not objects. */
import { strict as assert } from "assert";
import { mkdtempSync, rmSync } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { openQmp } from "../../../src/hosts/qmp";

describe("openQmp", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "qmp-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** A server that greets, then answers each line with what `answer` gives (raw lines). */
    async function fakeQmp(
        name: string,
        answer: (command: string) => string[],
    ): Promise<{ socket: string; close: () => void }> {
        const socket = path.join(dir, name);
        const server = net.createServer((connection) => {
            connection.write('{"QMP": {"version": {}, "capabilities": []}}\n');
            let buffer = "";
            connection.on("data", (chunk) => {
                buffer += chunk.toString();
                let newline: number;
                while ((newline = buffer.indexOf("\n")) >= 0) {
                    const { execute } = JSON.parse(buffer.slice(0, newline)) as { execute: string };
                    buffer = buffer.slice(newline + 1);
                    for (const line of answer(execute)) connection.write(`${line}\n`);
                }
            });
        });
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        return { socket, close: () => server.close() };
    }

    it("skips events and returns each command's answer", async () => {
        const fake = await fakeQmp("ok.sock", (command) =>
            command === "query-status"
                ? ['{"event": "RESUME", "timestamp": {}}', '{"return": {"status": "running"}}']
                : ['{"return": {}}'],
        );
        const session = await openQmp(fake.socket);
        try {
            assert.deepEqual(await session.execute("query-status"), { status: "running" });
        } finally {
            session.close();
            fake.close();
        }
    });

    it("fails, never throws out of band, on a message that is not a JSON object", async () => {
        for (const bad of ["null", "1", "[]", "not json"]) {
            const fake = await fakeQmp(`bad-${bad.length}.sock`, (command) =>
                command === "qmp_capabilities" ? ['{"return": {}}'] : [bad],
            );
            const session = await openQmp(fake.socket);
            try {
                await assert.rejects(session.execute("query-status"), /not a JSON object/);
            } finally {
                session.close();
                fake.close();
            }
        }
    });

    it("says when nobody answers", async () => {
        await assert.rejects(openQmp(path.join(dir, "absent.sock"), 500), /ENOENT/);
    });
});
