/**
 * Root filesystems and ROMs (Kraftfile `rootfs:` and v0.7 `roms:`): a directory, Dockerfile or
 * archive, and how Unikraft receives it.
 */
import { Parsed, Problem, describeValue, fail, joinPath, ok, oneOf } from "./problem";
import { checkSafeText } from "./safeText";
import { isMap, parseText, unknownKeys } from "./scalars";

/** Root filesystem formats Unikraft can mount from an initrd or ROM. */
export type RootfsFormat = "cpio" | "erofs";

/** Every rootfs format, in the order messages list them. */
export const ROOTFS_FORMATS: readonly RootfsFormat[] = ["cpio", "erofs"];

/** A root filesystem or ROM: a directory, Dockerfile or archive, and how to pack it. */
export interface Rootfs {
    /** A directory, a Dockerfile, or a prebuilt cpio/erofs file, relative to the application. */
    source: string;
    /** How it is packed. Kraftfile v0.7 long form only. */
    format?: RootfsFormat;
    /** How the kernel receives it (for example `initrd`). Kraftfile v0.7 long form only. */
    type?: string;
}

const ROOTFS_KEYS = ["source", "format", "type"];

/**
 * Reads a rootfs or ROM: a path string, or (`longForm`) a map `{source, format, type}`.
 * Callers decide whether the long form is allowed (it needs Kraftfile spec v0.7).
 */
export function parseRootfs(value: unknown, path: string, longForm: boolean | string): Parsed<Rootfs> {
    if (typeof value === "string") {
        const unsafe = checkSafeText(value, path, "a build command line");
        if (unsafe) return fail(unsafe);
        return value
            ? ok({ source: value })
            : fail({ path, message: "got an empty string; expected a path to a directory, Dockerfile or archive" });
    }
    if (!isMap(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected a path string, or a map with source, format and type`,
        });
    }
    if (longForm !== true) {
        return fail({
            path,
            message: `the map form {source, format, type} ${typeof longForm === "string" ? longForm : "is not allowed here"}; write the path as a string`,
        });
    }
    const problems: Problem[] = [...unknownKeys(value, ROOTFS_KEYS, path)];
    const source = parseText(value.source, joinPath(path, "source"), "a path to a directory, Dockerfile or archive");
    problems.push(...source.problems);
    const unsafeSource =
        source.value === undefined
            ? undefined
            : checkSafeText(source.value, joinPath(path, "source"), "a build command line");
    if (unsafeSource) problems.push(unsafeSource);
    const rootfs: Rootfs = { source: source.value ?? "" };
    if (value.format !== undefined) {
        const format = ROOTFS_FORMATS.find((f) => f === value.format);
        if (format) {
            rootfs.format = format;
        } else {
            problems.push({
                path: joinPath(path, "format"),
                message: `got ${describeValue(value.format)}; expected ${oneOf(ROOTFS_FORMATS)}`,
            });
        }
    }
    if (value.type !== undefined) {
        const type = parseText(value.type, joinPath(path, "type"));
        problems.push(...type.problems);
        const unsafe =
            type.value === undefined
                ? undefined
                : checkSafeText(type.value, joinPath(path, "type"), "a build command line");
        if (unsafe) problems.push(unsafe);
        rootfs.type = type.value;
    }
    return problems.length ? fail(...problems) : ok(rootfs);
}

/** Reads a list of ROMs. */
export function parseRoms(value: unknown, path: string, longForm: boolean | string): Parsed<Rootfs[]> {
    if (!Array.isArray(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected a list of ROM paths or {source, format, type} maps`,
        });
    }
    const parsed = value.map((entry, i) => parseRootfs(entry, `${path}[${i}]`, longForm));
    const problems = parsed.flatMap((p) => p.problems);
    return problems.length ? fail(...problems) : ok(parsed.map((p) => p.value as Rootfs));
}
