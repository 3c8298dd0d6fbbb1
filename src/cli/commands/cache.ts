/** `unikernel cache ls` and `cache prune`: what the cache holds, and removing what can be made again. */
import type { CacheEntry } from "../../hosts/cacheEntries";
import { cacheRoot } from "../../internal/cacheDir";
import { UsageError } from "../../model";
import { parseWholeNumber } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

/** Registers `cache ls` and `cache prune`. */
export const registerCacheCommands: CommandRegistration = (program, io, setExit) => {
    const cache = program
        .command("cache")
        .description("List or prune the cache (artifacts, disks, local VM state; $UNIKERNEL_CACHE_DIR).");
    cache
        .command("ls")
        .description("List the cache's entries with their size and age.")
        .option(
            "--json",
            "print one JSON object: {root, entries: [{kind, name, sizeBytes, modified, keep?}], totalBytes}",
        )
        .action(async (options: { json?: boolean }) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                    const { listCache } = await import("../../hosts/cacheEntries");
                    const entries = await listCache();
                    const totalBytes = entries.reduce((sum, e) => sum + e.sizeBytes, 0);
                    const text = entries.length
                        ? [
                              ...entries.map(line),
                              `${size(totalBytes)} in ${entries.length} entries under ${cacheRoot()}`,
                          ].join("\n")
                        : `the cache ${cacheRoot()} is empty`;
                    printResult(io, Boolean(options.json), { root: cacheRoot(), entries, totalBytes }, text);
                    return ExitCode.Ok;
                }),
            );
        });
    cache
        .command("prune")
        .description(
            "Remove artifacts, disks, stopped VMs' state and leftovers by age, or all; tools and running VMs stay.",
        )
        .option("--older-than <days>", "remove what was not modified for this many days", (v) =>
            parseWholeNumber(v, 0, 100_000),
        )
        .option("--all", "remove every entry that may go")
        .option("--dry-run", "say what would go, remove nothing")
        .option("--json", "print one JSON object: {removed: [...], kept: [...], freedBytes, dryRun}")
        .action(async (options: { olderThan?: number; all?: boolean; dryRun?: boolean; json?: boolean }) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    if ((options.olderThan === undefined) === !options.all) {
                        throw new UsageError("give exactly one of --older-than <days> and --all");
                    }
                    const { pruneCache } = await import("../../hosts/cacheEntries");
                    const result = await pruneCache({
                        olderThanDays: options.olderThan,
                        all: options.all,
                        dryRun: options.dryRun,
                    });
                    const verb = result.dryRun ? "would remove" : "removed";
                    const kept = result.kept
                        .filter((e) => e.keep !== undefined)
                        .map((e) => `kept ${e.name}: ${e.keep}`);
                    const text = [
                        ...result.removed.map((e) => `${verb} ${e.name} (${size(e.sizeBytes)})`),
                        ...kept,
                        `${verb} ${result.removed.length} entries, ${size(result.freedBytes)}`,
                    ].join("\n");
                    printResult(io, Boolean(options.json), result, text);
                    return ExitCode.Ok;
                }),
            );
        });
};

function line(e: CacheEntry): string {
    const days = Math.floor((Date.now() - Date.parse(e.modified)) / 86_400_000);
    return `${e.kind.padEnd(8)} ${size(e.sizeBytes).padStart(9)}  ${String(days).padStart(4)} d  ${e.name}${e.keep ? `  (kept by prune: ${e.keep})` : ""}`;
}

function size(bytes: number): string {
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
