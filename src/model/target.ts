/**
 * Targets in the Unikraft sense only: a platform plus an architecture (`qemu/x86_64`).
 * A cloud is never a target.
 */
import { Architecture, parseArchitecture } from "./architecture";
import { KConfig, isEmptyKConfig, parseKConfig } from "./kconfig";
import { Platform, parsePlatform } from "./platform";
import { Parsed, Problem, describeValue, fail, joinPath, ok } from "./problem";
import { checkSafeText } from "./safeText";
import { isMap, parseText, unknownKeys } from "./scalars";

/** One build target: where the kernel will run. */
export interface Target {
    /** Canonical Unikraft platform. */
    platform: Platform;
    /** Canonical Unikraft architecture. */
    architecture: Architecture;
    /** Optional target name (kraft `--target`), for Kraftfiles with several targets per plat/arch. */
    name?: string;
    /** Target-specific Kconfig options. */
    kconfig?: KConfig;
    /** Where kraft writes this target's kernel, when the Kraftfile says (`output`, KraftKit 2026). */
    output?: string;
}

/** The `plat/arch` identifier of a target, e.g. `qemu/x86_64`. */
export function targetId(target: Pick<Target, "platform" | "architecture">): string {
    return `${target.platform}/${target.architecture}`;
}

const TARGET_KEYS = ["plat", "platform", "arch", "architecture", "name", "kconfig"];

/**
 * Reads a target: the short form `"plat/arch"` or a map with `plat|platform`, `arch|architecture`,
 * and optional `name` and `kconfig` (kraftkit schema v0.6, definitions.target).
 */
export function parseTarget(value: unknown, path: string, warnings?: Problem[]): Parsed<Target> {
    const parsed = parseTargetValue(value, path, warnings);
    if (parsed.value?.platform === "fc" && parsed.value.architecture === "arm") {
        return fail({
            path,
            message: "is fc/arm, but Firecracker runs x86_64 and arm64 guests only; use fc/arm64, or qemu/arm",
        });
    }
    return parsed;
}

function parseTargetValue(value: unknown, path: string, warnings?: Problem[]): Parsed<Target> {
    if (typeof value === "string") {
        return parseTargetString(value, path);
    }
    if (!isMap(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected "plat/arch" such as "qemu/x86_64", or a map with platform and architecture`,
        });
    }
    const problems: Problem[] = [...unknownKeys(value, TARGET_KEYS, path)];
    const platform = pickOne(value, ["plat", "platform"], path, problems);
    const architecture = pickOne(value, ["arch", "architecture"], path, problems);
    const plat = platform && parsePlatform(platform.value, joinPath(path, platform.key));
    const arch = architecture && parseArchitecture(architecture.value, joinPath(path, architecture.key));
    const name = value.name === undefined ? undefined : parseText(value.name, joinPath(path, "name"));
    const unsafeName =
        name?.value === undefined
            ? undefined
            : checkSafeText(name.value, joinPath(path, "name"), "a kraft command line");
    if (unsafeName) problems.push(unsafeName);
    const kconfig =
        value.kconfig === undefined ? undefined : parseKConfig(value.kconfig, joinPath(path, "kconfig"), warnings);
    problems.push(
        ...(plat?.problems ?? []),
        ...(arch?.problems ?? []),
        ...(name?.problems ?? []),
        ...(kconfig?.problems ?? []),
    );
    if (problems.length || !plat?.value || !arch?.value) {
        return fail(...problems);
    }
    const target: Target = { platform: plat.value, architecture: arch.value };
    if (name?.value !== undefined) {
        target.name = name.value;
    }
    if (kconfig?.value && !isEmptyKConfig(kconfig.value)) {
        target.kconfig = kconfig.value;
    }
    return ok(target);
}

/** Reads the short form `"plat/arch"`. */
export function parseTargetString(value: string, path: string): Parsed<Target> {
    const parts = value.split("/");
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
        return fail({ path, message: `got "${value}"; expected "plat/arch" such as "qemu/x86_64" or "fc/arm64"` });
    }
    const plat = parsePlatform(parts[0], joinPath(path, "platform"));
    const arch = parseArchitecture(parts[1], joinPath(path, "architecture"));
    if (plat.value === undefined || arch.value === undefined) {
        return fail(...plat.problems, ...arch.problems);
    }
    return ok({ platform: plat.value, architecture: arch.value });
}

/** Reads a key that has two spellings (`plat`/`platform`): exactly one must be present. */
function pickOne(
    map: Record<string, unknown>,
    keys: [string, string],
    path: string,
    problems: Problem[],
): { key: string; value: unknown } | undefined {
    const present = keys.filter((k) => map[k] !== undefined);
    if (present.length === 2) {
        problems.push({
            path: joinPath(path, keys[1]),
            message: `both "${keys[0]}" and "${keys[1]}" are set; keep only one of them`,
        });
        return undefined;
    }
    if (present.length === 0) {
        problems.push({ path: joinPath(path, keys[1]), message: `missing; set "${keys[0]}" or "${keys[1]}"` });
        return undefined;
    }
    return { key: present[0], value: map[present[0]] };
}

/** Reads a list of targets (strings or maps). */
export function parseTargets(value: unknown, path: string): Parsed<Target[]> {
    if (!Array.isArray(value)) {
        return fail({
            path,
            message: `got ${describeValue(value)}; expected a list of targets such as ["qemu/x86_64"]`,
        });
    }
    const parsed = value.map((entry, i) => parseTarget(entry, `${path}[${i}]`));
    const problems = parsed.flatMap((p) => p.problems);
    return problems.length ? fail(...problems) : ok(parsed.map((p) => p.value as Target));
}
