/** A build's source revision from real git: commit, dirty flag, not a checkout, and no hooks run. */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import { existsSync, promises as fs } from "fs";
import * as path from "path";
import { sourceRevision } from "../../src/engines/provenance";
import { tempDir } from "../helpers/demoKernel";

describe("sourceRevision", () => {
    let dir: string;
    const git = (...args: string[]) =>
        execFileSync("git", ["-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=T", ...args], {
            encoding: "utf8",
        }).trim();

    before(async () => {
        dir = tempDir("provenance-");
        await fs.writeFile(path.join(dir, "main.c"), "int main(void) { return 0; }\n");
        git("init", "-q");
        git("add", ".");
        git("commit", "-q", "-m", "one");
    });
    after(async () => {
        await fs.rm(dir, { recursive: true, force: true });
    });

    it("gives the commit of a clean checkout, and dirty for a change or an untracked file", async () => {
        const head = git("rev-parse", "HEAD");
        assert.deepEqual(await sourceRevision(dir), { revision: head, dirty: false });
        await fs.writeFile(path.join(dir, "main.c"), "int main(void) { return 1; }\n");
        assert.deepEqual(await sourceRevision(dir), { revision: head, dirty: true });
        git("checkout", "--", "main.c");
        await fs.writeFile(path.join(dir, "new.h"), "\n");
        assert.deepEqual(await sourceRevision(dir), { revision: head, dirty: true });
        await fs.rm(path.join(dir, "new.h"));
    });

    it("says nothing for a directory that is not a checkout", async () => {
        const plain = tempDir("not-a-repo-");
        assert.deepEqual(await sourceRevision(plain), {});
        await fs.rm(plain, { recursive: true, force: true });
    });

    it("runs no fsmonitor hook a repository's config names", async () => {
        const marker = path.join(dir, "..", `${path.basename(dir)}-hook-ran`);
        const hook = path.join(dir, ".git", "hook.sh");
        await fs.writeFile(hook, `#!/bin/sh\ntouch '${marker}'\n`, { mode: 0o755 });
        git("config", "core.fsmonitor", hook);
        const result = await sourceRevision(dir);
        assert.equal(result.dirty, false);
        assert.equal(existsSync(marker), false, "the hook did not run");
        // The control: plain git status does run it.
        git("status", "--porcelain");
        assert.equal(existsSync(marker), true, "git itself runs the hook");
        await fs.rm(marker, { force: true });
    });
});
