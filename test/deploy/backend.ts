/**
 * Test helpers around the real engine (scripts/pulumiEngine.ts): a throw-away file backend per suite,
 * process checks, and the CLI for verbs the Automation API has no method for. Engine tests run in a
 * mocha process of their own (test/deploy/.mocharc.json): the unit tests' `setMocks` and a real
 * deployment must not share @pulumi/pulumi's global runtime state.
 */
import { spawnSync } from "child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "fs";
import * as os from "os";
import * as path from "path";
import { pulumiEnv } from "../../scripts/pulumiEngine";
import { DEMO_DIR } from "../helpers/demoKernel";

export { ROOT, exampleStack, pulumiCommand } from "../../scripts/pulumiEngine";

/**
 * A throw-away work directory for one suite: the file backend and the artifact cache live in it
 * (UNIKERNEL_CACHE_DIR, so builds, disks and VM state never touch ~/.cache), with a passphrase and
 * the Pulumi environment set in this process's env. `cleanup` restores the env and removes it all.
 */
export function useBackend(prefix: string): {
    work: string;
    cacheDir: string;
    env: Record<string, string>;
    cleanup: () => void;
} {
    const work = mkdtempSync(path.join(os.tmpdir(), `unikernel-${prefix}-`));
    const cacheDir = path.join(work, "cache");
    const env = {
        ...pulumiEnv(),
        PULUMI_BACKEND_URL: `file://${path.join(work, "backend")}`,
        PULUMI_CONFIG_PASSPHRASE: "deploy-tests",
        UNIKERNEL_CACHE_DIR: cacheDir,
    };
    mkdirSync(path.join(work, "backend"));
    const saved = { ...process.env };
    // The inline program runs in this process and the providers inherit the CLI's environment.
    Object.assign(process.env, env);
    return {
        work,
        cacheDir,
        env,
        cleanup: () => {
            for (const key of Object.keys(env)) delete process.env[key];
            Object.assign(process.env, saved);
            rmSync(work, { recursive: true, force: true });
        },
    };
}

/**
 * True while the process runs. An ended process waiting for its parent (init, for QEMU's daemon)
 * to reap it is a zombie: it runs nothing, and this machine's init can take seconds to reap.
 */
export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        return state !== undefined && state !== "Z";
    } catch {
        return false; // gone between the two looks
    }
}

/** The pulumi CLI with the Pulumi environment, synchronously (for `package get-schema` and the like). */
export function pulumi(args: string[], env: Record<string, string>, cwd: string) {
    return spawnSync(path.join(env.UNIKERNEL_PULUMI_ROOT, "bin", "pulumi"), args, {
        cwd,
        env: { ...process.env, ...env },
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
}

/** The demo kernel's sources only (no build output, no .gitignore), in a directory the test may edit. */
export function kernelCopy(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), "unikernel-kernel-src-"));
    for (const file of ["Makefile", "boot.S", "linker.ld", "main.c"])
        cpSync(path.join(DEMO_DIR, file), path.join(dir, file));
    return dir;
}

/** A change summary without the unchanged resources. */
export function changes(summary: Record<string, number> | undefined): Record<string, number> {
    return Object.fromEntries(Object.entries(summary ?? {}).filter(([op]) => op !== "same"));
}
