/**
 * Progress lines of long steps, under a real pseudo-terminal (util-linux `script`): drawn on a
 * terminal, absent with --json, under CI, and when stderr is not a terminal.
 */
import { strict as assert } from "assert";
import { execFileSync, spawnSync } from "child_process";
import { randomBytes } from "crypto";
import { rmSync, writeFileSync } from "fs";
import * as path from "path";
import { BIN } from "../helpers/cli";
import { tempDir } from "../helpers/demoKernel";

describe("progress on a terminal", function () {
    this.timeout(5 * 60_000);
    let dir: string;
    let disk: string;
    before(() => {
        dir = tempDir("progress-");
        // 128 MiB of random bytes: gzip cannot shrink it, so the GCE archive takes seconds here.
        disk = path.join(dir, "big.img");
        writeFileSync(disk, randomBytes(128 * 1024 * 1024));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** Runs `unikernel convert` with a terminal on all three streams; returns what the terminal showed. */
    function onTerminal(out: string, extra: string[], env: NodeJS.ProcessEnv): string {
        const command = [
            process.execPath,
            BIN,
            "convert",
            disk,
            "--format",
            "gce",
            "--out",
            path.join(dir, out),
            ...extra,
        ]
            .map((w) => `'${w.replace(/'/g, "'\\''")}'`)
            .join(" ");
        const { CI: _ci, ...rest } = process.env;
        return execFileSync("script", ["-qec", command, "/dev/null"], { encoding: "utf8", env: { ...rest, ...env } });
    }

    it("draws the elapsed time on a terminal, then clears the line", () => {
        const shown = onTerminal("a.tar.gz", [], {});
        assert.match(shown, /\rconvert: gce \d+ s\x1b\[K/);
        assert.match(shown, /\r\x1b\[K/);
    });

    it("draws nothing with --json, under CI, or when stderr is a pipe", () => {
        assert.doesNotMatch(onTerminal("b.tar.gz", ["--json"], {}), /convert: gce \d+ s/);
        assert.doesNotMatch(onTerminal("c.tar.gz", [], { CI: "true" }), /convert: gce \d+ s/);
        const piped = spawnSync(
            process.execPath,
            [BIN, "convert", disk, "--format", "gce", "--out", path.join(dir, "d.tar.gz")],
            {
                encoding: "utf8",
            },
        );
        assert.equal(piped.status, 0, piped.stderr);
        assert.match(piped.stderr, /convert: .* -> gce/, "the step's own line is there");
        assert.doesNotMatch(piped.stderr, /convert: gce \d+ s/);
    });
});
