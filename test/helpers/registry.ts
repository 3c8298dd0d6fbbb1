/**
 * The CNCF distribution registry (Debian's `docker-registry`) on 127.0.0.1, with a storage directory
 * of its own, started for a test and stopped after it: the real registry the push/pull tests use.
 */
import { ChildProcess, spawn } from "child_process";
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { freePort } from "./net";

export interface TestRegistry {
    /** `127.0.0.1:<port>`. */
    host: string;
    /** The registry's filesystem storage root (blobs under docker/registry/v2/blobs). */
    storage: string;
    stop(): Promise<void>;
}

function answers(host: string): Promise<boolean> {
    return new Promise((resolve) =>
        http
            .get(`http://${host}/v2/`, (res) => {
                res.resume();
                resolve(res.statusCode === 200);
            })
            .on("error", () => resolve(false)),
    );
}

export async function startRegistry(): Promise<TestRegistry> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "registry-"));
    const storage = path.join(dir, "storage");
    const host = `127.0.0.1:${await freePort()}`;
    const config = path.join(dir, "config.yml");
    writeFileSync(
        config,
        [
            "version: 0.1",
            "log:",
            "  level: error",
            "storage:",
            "  filesystem:",
            `    rootdirectory: ${storage}`,
            "  delete:",
            "    enabled: true",
            "http:",
            `  addr: ${host}`,
            "",
        ].join("\n"),
    );
    const child: ChildProcess = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    for (let i = 0; i < 100 && !(await answers(host)); i++) await new Promise((r) => setTimeout(r, 100));
    if (!(await answers(host))) {
        child.kill();
        throw new Error(`docker-registry did not answer on ${host} (./scripts/setup installs docker-registry)`);
    }
    return {
        host,
        storage,
        async stop() {
            child.kill();
            await exited;
            rmSync(dir, { recursive: true, force: true });
        },
    };
}
