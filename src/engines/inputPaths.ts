/**
 * Paths an application names that the engine will read: the rootfs and ROMs (kraft packs them),
 * and the kernel and initrd a Makefile produces. They must stay inside the application directory,
 * because the directory is what the content hash covers: `rootfs: ../secrets` would build from
 * files no digest sees (a change there would rebuild nothing), and `makeKernelPath: /etc/shadow`
 * would copy a host file into an image that is then uploaded. A path that leaves the directory,
 * directly or through a symbolic link, is refused unless the build allows it explicitly, in which
 * case what it resolves to is hashed too (src/engines/contentHash.ts).
 */
import { promises as fs } from "fs";
import * as path from "path";
import { Problem, ValidationError } from "../model";
import { ResolvedBuild } from "./engine";

/** The paths of a build that must stay inside its directory, with their property paths. */
export function pathsToCheck(build: ResolvedBuild): { path: string; property: string }[] {
    const app = build.application;
    const paths: { path: string; property: string }[] = [];
    if (app.rootfs) paths.push({ path: app.rootfs.source, property: "rootfs" });
    (app.roms ?? []).forEach((rom, i) => paths.push({ path: rom.source, property: `roms[${i}]` }));
    const make = build.request.make;
    if (make?.kernel) paths.push({ path: make.kernel, property: "make.kernel" });
    if (make?.initrd) paths.push({ path: make.initrd, property: "make.initrd" });
    return paths;
}

/**
 * Refuses paths that leave the application directory: absolute paths, `..` that climbs out, and
 * existing paths whose real location (symbolic links resolved) is outside. Returns every problem.
 */
export async function checkInputPaths(build: ResolvedBuild): Promise<void> {
    if (build.request.allowOutsideDirectory) return;
    const root = await fs.realpath(build.dir);
    const problems: Problem[] = [];
    for (const { path: given, property } of pathsToCheck(build)) {
        const outside = await outsideReason(root, build.dir, given);
        if (outside) {
            problems.push({
                path: property,
                message:
                    `got ${JSON.stringify(given)}, which ${outside}; files outside the application directory are not in the content hash, ` +
                    "so a change there would rebuild nothing: move them inside the directory, or allow it explicitly (`allowOutsideDirectory`, `--allow-outside`)",
            });
        }
    }
    if (problems.length) throw new ValidationError(problems, "application");
}

async function outsideReason(root: string, dir: string, given: string): Promise<string | undefined> {
    if (path.isAbsolute(given)) return "is an absolute path";
    const joined = path.resolve(dir, given);
    if (!isInside(path.resolve(dir), joined)) return "climbs out of the application directory";
    // An existing path (or its nearest existing parent) must really be inside: symlinks resolved.
    for (let probe = joined; ; probe = path.dirname(probe)) {
        const real = await fs.realpath(probe).catch(() => undefined);
        if (real !== undefined) {
            return isInside(root, real) ? undefined : `leads through a symbolic link to ${real}`;
        }
        if (probe === path.dirname(probe)) return undefined;
    }
}

/** True when `child` is `parent` or below it. */
export function isInside(parent: string, child: string): boolean {
    const relative = path.relative(parent, child);
    return (
        relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
    );
}
