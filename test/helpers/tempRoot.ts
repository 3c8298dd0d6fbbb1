/**
 * A mocha root hook module (required by both .mocharc files): every temporary file a test run
 * makes, in this process and in the CLI runs, QEMUs and engines it starts (they inherit TMPDIR),
 * goes under one directory of its own, removed when the run ends, so no run leaves files in /tmp.
 */
import { mkdtempSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";

const root = mkdtempSync(path.join(os.tmpdir(), "unikernel-tests-"));
// Set at load, before any spec file asks os.tmpdir().
process.env.TMPDIR = root;

export const mochaHooks = {
    afterAll(): void {
        rmSync(root, { recursive: true, force: true });
    },
};
