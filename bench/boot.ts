/**
 * The README's boot benchmark: the demo unikernel against the Linux baseline (Debian cloud kernel
 * + busybox initramfs), both booted directly by QEMU with the same settings, via `unikernel bench`.
 * Prints the Markdown table and writes the chart to docs/bench-demo-vs-linux.svg.
 *   npm run bench:boot [-- --runs 10 --idle-seconds 10 --workload 100]
 */
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync } from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const out = mkdtempSync(path.join(os.tmpdir(), "bench-boot-"));
execFileSync("make", ["-s", "-C", path.join(ROOT, "examples", "hello-kernel"), `OUT=${out}`], { stdio: "inherit" });
const extra = process.argv.slice(2);
const run = spawnSync(
    process.execPath,
    [
        path.join(ROOT, "dist", "cli", "main.js"),
        "bench",
        "--kernel",
        path.join(out, "hello.elf"),
        "--name",
        "unikernel (demo kernel)",
        "--cmdline",
        "bench",
        "--stay-cmdline",
        "bench stay",
        "--expect",
        "Hello from the pulumi-unikernel demo kernel",
        "--runs",
        "10",
        "--idle-seconds",
        "10",
        "--memory",
        "128",
        "--baseline",
        "linux",
        // The baseline then idles serving HTTP (virtio-net, busybox httpd) and takes the request loop.
        "--workload",
        "100",
        "--svg",
        path.join(ROOT, "docs", "bench-demo-vs-linux.svg"),
        ...extra,
    ],
    { stdio: "inherit" },
);
process.exit(run.status ?? 1);
