/**
 * What a traced program needs of a kernel family: the distinct calls it made, split into those the
 * family implements, stubs (present, but doing nothing useful) and lacks. A few calls that libc
 * tries and falls back from when the kernel answers ENOSYS are lacked harmlessly; they are named
 * as such rather than hidden.
 */
import { SyscallTable } from "./table";

/** One family's answer for one program. */
export interface KernelCoverage {
    family: SyscallTable["family"];
    version: string;
    /** Implemented distinct calls / distinct calls made (1 when it made none). */
    coverage: number;
    /** Calls made that the family does not have, by name. */
    missing: string[];
    /** Calls made that the family only stubs. */
    stubbed: string[];
    /** Of `missing`, those libc falls back from on ENOSYS, with why. */
    tolerated: Record<string, string>;
    verdict: "supported" | "stubs used" | "missing calls";
}

/**
 * Calls glibc tries and gives up on when the kernel says ENOSYS, so their absence alone does not
 * stop a program (glibc sources: sysdeps/unix/sysv/linux/rseq-internal.h, clone-internal.c,
 * faccessat.c).
 */
export const LIBC_FALLBACKS: Readonly<Record<string, string>> = {
    rseq: "glibc turns restartable sequences off when rseq fails",
    clone3: "glibc falls back to clone",
    faccessat2: "glibc falls back to faccessat",
};

/** Compares the calls a program made with one family's table (a call it answers with ENOSYS is missing). */
export function coverageOf(counts: Readonly<Record<string, number>>, table: SyscallTable): KernelCoverage {
    const made = Object.keys(counts).sort();
    const implemented = made.filter((name) => Object.hasOwn(table.implemented, name));
    const stubbed = made.filter((name) => Object.hasOwn(table.stubbed, name));
    const missing = made.filter(
        (name) => !Object.hasOwn(table.implemented, name) && !Object.hasOwn(table.stubbed, name),
    );
    const tolerated = Object.fromEntries(
        missing.filter((name) => Object.hasOwn(LIBC_FALLBACKS, name)).map((name) => [name, LIBC_FALLBACKS[name]]),
    );
    const blocking = missing.filter((name) => !Object.hasOwn(tolerated, name));
    return {
        family: table.family,
        version: table.version,
        coverage: made.length === 0 ? 1 : Math.round((implemented.length / made.length) * 1000) / 1000,
        missing,
        stubbed,
        tolerated,
        verdict: blocking.length ? "missing calls" : stubbed.length ? "stubs used" : "supported",
    };
}

/** Problems with a table as data: names outside the architecture's list, or in both maps. */
export function tableProblems(table: SyscallTable, known: readonly string[]): string[] {
    const all = new Set(known);
    const problems: string[] = [];
    for (const [kind, map] of [
        ["implemented", table.implemented],
        ["stubbed", table.stubbed],
        ["enosys", table.enosys ?? {}],
    ] as const) {
        for (const [name, file] of Object.entries(map)) {
            if (!all.has(name)) problems.push(`${table.family} ${kind} ${name}: not an x86_64 system call`);
            if (typeof file !== "string" || !file) problems.push(`${table.family} ${kind} ${name}: no source file`);
        }
    }
    for (const name of Object.keys(table.stubbed)) {
        if (Object.hasOwn(table.implemented, name))
            problems.push(`${table.family} ${name}: both implemented and stubbed`);
    }
    if (!table.version || !table.sources.length) problems.push(`${table.family}: no version or sources`);
    return problems;
}
