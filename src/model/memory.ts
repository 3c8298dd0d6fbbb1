/**
 * Guest memory sizes, in MiB, with the binary units QEMU's `-m` and ops's `Memory` read.
 */
import { Parsed, describeValue, fail, ok } from "./problem";

const MEMORY_UNITS: ReadonlyMap<string, number> = new Map([
    ["K", 1 / 1024],
    ["Ki", 1 / 1024],
    ["KiB", 1 / 1024],
    ["KB", 1 / 1024],
    ["M", 1],
    ["Mi", 1],
    ["MiB", 1],
    ["MB", 1],
    ["", 1],
    ["G", 1024],
    ["Gi", 1024],
    ["GiB", 1024],
    ["GB", 1024],
]);

/**
 * Reads a memory size into MiB: a number (MiB) or a string such as `64M`, `64Mi`, `1G`. Units are
 * binary, as QEMU's `-m` and ops's `Memory` read them.
 */
export function parseMemory(value: unknown, path: string): Parsed<number> {
    // Units in either case: QEMU's -m and ops read "2g" as "2G".
    const match = typeof value === "string" ? /^(\d+)\s*([KMG]i?B?)?$/i.exec(value.trim()) : null;
    const unit = match ? MEMORY_UNITS.get(normalizeUnit(match[2] ?? "")) : undefined;
    const mib = typeof value === "number" ? value : match && unit !== undefined ? Number(match[1]) * unit : NaN;
    if (Number.isInteger(mib) && mib >= 1 && mib <= 1024 * 1024) {
        return ok(mib);
    }
    return fail({
        path,
        message: `got ${describeValue(value)}; expected a whole number of MiB from 1 to 1048576, e.g. 64 or "64M" or "1G"`,
    });
}

/** `mib` -> `Mi`, `gb` -> `GB`: the unit letter upper case, the rest as the table spells it. */
function normalizeUnit(unit: string): string {
    return unit ? unit[0].toUpperCase() + unit.slice(1).replace(/b$/i, "B") : unit;
}

/** Writes MiB as the shortest unit string QEMU and ops read: `64M`, `2G`. */
export function formatMemory(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024}G` : `${mib}M`;
}
