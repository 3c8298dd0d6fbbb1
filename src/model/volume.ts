/**
 * Volumes mounted into the unikernel (Kraftfile `volumes:`), read as kraft reads them.
 */
import { Parsed, Problem, describeValue, fail, joinPath, ok } from "./problem";
import { checkSafeText } from "./safeText";
import { isMap, parseText, unknownKeys } from "./scalars";

/** A volume mounted into the unikernel. */
export interface Volume {
    /** Host path or volume name. */
    source?: string;
    /** Mount point inside the unikernel. */
    destination: string;
    /** Volume driver, e.g. `9pfs`. */
    driver?: string;
    /** Mount read-only. */
    readonly?: boolean;
    /** Access mode, as written (Kraftfile v0.7 `mode`, e.g. "ro"). */
    mode?: string;
}

const VOLUME_KEYS = ["source", "destination", "driver", "mode", "readonly"];

/**
 * Reads `volumes`: a list of `source:destination` strings (a string without ":" mounts at "/", as
 * kraftkit:unikraft/volume TransformFromSchema reads it) or `{source, destination, driver,
 * readonly, mode}` maps.
 */
export function parseVolumes(value: unknown, path: string): Parsed<Volume[]> {
    if (!Array.isArray(value)) {
        return fail({ path, message: `got ${describeValue(value)}; expected a list of volumes such as "./fs0:/"` });
    }
    const problems: Problem[] = [];
    const volumes: Volume[] = [];
    value.forEach((entry, i) => {
        const at = `${path}[${i}]`;
        if (typeof entry === "string") {
            const unsafe = checkSafeText(entry, at, "a run command line");
            if (unsafe) {
                problems.push(unsafe);
                return;
            }
            const parts = entry.split(":");
            if (parts.length > 2 || !parts[0] || (parts.length === 2 && !parts[1].startsWith("/"))) {
                problems.push({
                    path: at,
                    message:
                        `got "${entry}"; kraft reads a volume string as "source:/destination" (or "source", mounted at "/")` +
                        `${parts.length > 2 ? `: for ${JSON.stringify(parts.slice(2).join(":"))} use the map form {source, destination, readonly: true}` : ""}`,
                });
                return;
            }
            volumes.push({ source: parts[0], destination: parts.length === 2 ? parts[1] : "/" });
            return;
        }
        if (!isMap(entry)) {
            problems.push({
                path: at,
                message: `got ${describeValue(entry)}; expected "source:/destination" or a map with source and destination`,
            });
            return;
        }
        const before = problems.length;
        problems.push(...unknownKeys(entry, VOLUME_KEYS, at));
        const destination = parseText(
            entry.destination,
            joinPath(at, "destination"),
            'an absolute mount point such as "/data"',
        );
        problems.push(...destination.problems);
        if (destination.value !== undefined && !destination.value.startsWith("/")) {
            problems.push({
                path: joinPath(at, "destination"),
                message: `got "${destination.value}"; expected an absolute mount point such as "/data"`,
            });
        }
        const volume: Volume = { destination: destination.value ?? "" };
        if (destination.value !== undefined) {
            const unsafe = checkSafeText(destination.value, joinPath(at, "destination"), "a run command line");
            if (unsafe) problems.push(unsafe);
        }
        for (const key of ["source", "driver"] as const) {
            if (entry[key] !== undefined) {
                const text = parseText(entry[key], joinPath(at, key));
                problems.push(...text.problems);
                const unsafe =
                    text.value === undefined
                        ? undefined
                        : checkSafeText(text.value, joinPath(at, key), "a run command line");
                if (unsafe) problems.push(unsafe);
                volume[key] = text.value;
            }
        }
        if (entry.readonly !== undefined) {
            if (typeof entry.readonly === "boolean") {
                volume.readonly = entry.readonly;
            } else {
                problems.push({
                    path: joinPath(at, "readonly"),
                    message: `got ${describeValue(entry.readonly)}; expected true or false`,
                });
            }
        }
        if (entry.mode !== undefined && entry.mode !== null) {
            const mode = parseText(entry.mode, joinPath(at, "mode"), 'an access mode such as "ro"');
            problems.push(...mode.problems);
            if (mode.value !== undefined) volume.mode = mode.value;
        }
        if (problems.length === before) {
            volumes.push(volume);
        }
    });
    return problems.length ? fail(...problems) : ok(volumes);
}
