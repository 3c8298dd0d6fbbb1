/**
 * Option values, checked while commander parses them: a bad value is a usage error (exit 2) with
 * the option, what was given and what is allowed, before the verb does anything.
 */
import { InvalidArgumentError } from "commander";
import { Target, findUnsafeCharacter, parseMemory, parseTargetString } from "../model";

/** A whole number from `min` to `max`. */
export function parseWholeNumber(value: string, min: number, max: number): number {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
        throw new InvalidArgumentError(`"${value}" is not a whole number from ${min} to ${max}`);
    }
    return n;
}

/** A whole number above 0 (counts, seconds). */
export function parsePositiveInt(value: string): number {
    return parseWholeNumber(value, 1, 1_000_000);
}

/** A whole number, 0 or more (seconds where 0 means "skip"). */
export function parseNonNegativeInt(value: string): number {
    return parseWholeNumber(value, 0, 1_000_000);
}

/** Seconds to wait for something, 1 s to a day. */
export function parseTimeoutSeconds(value: string): number {
    return parseWholeNumber(value, 1, 86_400);
}

/** A TCP or UDP port, 1-65535. */
export function parsePort(value: string): number {
    return parseWholeNumber(value, 1, 65535);
}

/** `key=value` with a non-empty key. */
export function parseKeyValue(value: string, option: string): [string, string] {
    const eq = value.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`${option} "${value}" is not key=value`);
    return [value.slice(0, eq), safeText(value.slice(eq + 1))];
}

/** Text that goes on into a command line, a script or a file: no line breaks or control characters. */
export function safeText(value: string): string {
    const unsafe = findUnsafeCharacter(value);
    if (unsafe)
        throw new InvalidArgumentError(
            `the value holds ${unsafe.description} at position ${unsafe.index + 1}; remove control characters and line breaks`,
        );
    return value;
}

/**
 * An initrd path: QEMU's -initrd reads "file args,file args", so a comma starts another module
 * and a blank its arguments. Such a path cannot be passed through and is refused here.
 */
export function initrdPath(value: string): string {
    safeText(value);
    if (/[,\s]/.test(value))
        throw new InvalidArgumentError(
            `the path ${JSON.stringify(value)} holds a comma or a blank, which QEMU's -initrd reads as a list of modules with arguments; rename the file`,
        );
    return value;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** The largest disk made: 2 TiB. */
const MAX_DISK_BYTES = 2 * 1024 * GIB;

/** Disk sizes: `1` -> 1 GiB; `64M`, `64MiB`, `2G` with units. Always a whole number of MiB, at most 2 TiB. */
export function parseSize(value: string): number {
    const m = /^(\d{1,9})\s*(M|MiB|G|GiB)?$/i.exec(value.trim());
    const bytes = m ? Number(m[1]) * ((m[2] ?? "G").toUpperCase().startsWith("M") ? MIB : GIB) : NaN;
    if (!m || bytes < MIB || bytes > MAX_DISK_BYTES) {
        throw new InvalidArgumentError(
            `"${value}" is not a disk size from 1M to 2048G; use GiB as a number (1) or a unit (64M, 2G)`,
        );
    }
    return bytes;
}

/** Guest memory as the model reads it (`64M`, `1G`, `512` MiB), from 8 MiB (less boots nothing) to 1 TiB. */
export function parseMemoryMiB(value: string): number {
    const mib = parseMemory(value, "--memory").value;
    if (mib === undefined || mib < 8) {
        throw new InvalidArgumentError(`"${value}" is not a memory size from 8M to 1024G, such as 64M or 1G`);
    }
    return mib;
}

/** A target such as qemu/x86_64 (aliases resolved). */
export function parseTargetOption(value: string): Target {
    const parsed = parseTargetString(value, "--target");
    if (!parsed.value) {
        throw new InvalidArgumentError(parsed.problems.map((p) => p.message).join("; "));
    }
    return parsed.value;
}
