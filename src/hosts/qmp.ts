/**
 * QEMU's machine protocol (QMP) over the unix socket a VM was started with: one JSON object per
 * line, a greeting, `qmp_capabilities`, then commands answered by `return` or `error` (events in
 * between are skipped). It reads the guest's state from outside it: unikernels have no agent.
 */
import * as net from "net";

/** Longest answer read (query-blockstats of many disks stays far below). */
const MAX_ANSWER = 4 * 1024 * 1024;

/** A connected QMP session. */
export interface QmpSession {
    execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T>;
    close(): void;
}

/** Opens a session on `socketPath`; fails within `timeoutMs` when nobody answers. */
export async function openQmp(socketPath: string, timeoutMs = 5000): Promise<QmpSession> {
    const socket = net.createConnection({ path: socketPath });
    socket.setEncoding("utf8");
    let buffer = "";
    const waiting: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }[] = [];
    let failure: Error | undefined;
    const fail = (error: Error) => {
        failure ??= error;
        for (const w of waiting.splice(0)) w.reject(failure);
    };
    socket.on("data", (chunk: string) => {
        buffer += chunk;
        if (buffer.length > MAX_ANSWER) {
            fail(new Error(`QMP at ${socketPath} sent more than ${MAX_ANSWER} bytes in one message`));
            socket.destroy();
            return;
        }
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line) continue;
            let message: unknown;
            try {
                message = JSON.parse(line);
            } catch {
                message = undefined;
            }
            if (!message || typeof message !== "object" || Array.isArray(message)) {
                fail(new Error(`QMP at ${socketPath} sent something that is not a JSON object`));
                socket.destroy();
                return;
            }
            if ("event" in message) continue;
            waiting.shift()?.resolve(message as Record<string, unknown>);
        }
    });
    socket.on("error", (error) => fail(error));
    socket.on("close", () => fail(new Error(`QMP at ${socketPath} closed the connection`)));
    const next = () =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
            if (failure) reject(failure);
            else waiting.push({ resolve, reject });
        });
    const timer = setTimeout(() => {
        fail(new Error(`QMP at ${socketPath} did not answer within ${timeoutMs} ms`));
        socket.destroy();
    }, timeoutMs);
    try {
        const greeting = await next();
        if (!("QMP" in greeting)) throw new Error(`${socketPath} does not greet as QMP`);
        const session: QmpSession = {
            async execute<T>(command: string, args?: Record<string, unknown>): Promise<T> {
                const answer = next();
                socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
                const message = await answer;
                if ("error" in message) {
                    const error = message.error as { desc?: string };
                    throw new Error(`QMP ${command}: ${error?.desc ?? "failed"}`);
                }
                return message.return as T;
            },
            close: () => {
                clearTimeout(timer);
                socket.destroy();
            },
        };
        await session.execute("qmp_capabilities");
        return session;
    } catch (error) {
        clearTimeout(timer);
        socket.destroy();
        throw error;
    }
}
