/**
 * The kraft engine: KraftKit builds a Unikraft application from its Kraftfile.
 *
 * Flags are kraft's own (`kraft build --help`): --plat, --arch, --target, --jobs, --no-cache,
 * --kraftfile. There is no --kconfig flag: Kconfig options travel in the Kraftfile, which is why an
 * application given as program input is rendered to a Kraftfile first. The kernel lands in
 * `.unikraft/build/<name>_<plat>-<arch>` (kvm written as qemu), the initramfs in
 * `.unikraft/build/initramfs-<arch>.cpio` (kraftkit:unikraft/target/target.go, initrd/).
 */
import * as path from "path";
import { emitKraftfile } from "../model";
import { KRAFT } from "../internal/tools";
import { Engine, EnginePlan, ResolvedBuild } from "./engine";

/** Where a rendered Kraftfile goes, inside the application directory. */
export const RENDERED_KRAFTFILE = path.join(".unikernel", "Kraftfile");

export const kraftEngine: Engine = {
    name: "kraft",
    plan(build: ResolvedBuild): EnginePlan {
        const { application: app, target } = build;
        const options = build.request.kraft ?? {};
        const rendered = build.request.application !== undefined || !build.projectFile;
        const kraftfile = rendered ? RENDERED_KRAFTFILE : build.projectFile!;
        const args = [
            "build",
            "--plat",
            target.platform,
            "--arch",
            target.architecture,
            // One word with "=": a target name is never read as a flag of its own.
            ...(target.name ? [`--target=${target.name}`] : []),
            ...(options.jobs ? ["--jobs", String(options.jobs)] : []),
            ...(options.noCache ? ["--no-cache"] : []),
            "--kraftfile",
            kraftfile,
        ];
        const buildDir = path.join(".unikraft", "build");
        return {
            tool: KRAFT,
            files: rendered ? { [RENDERED_KRAFTFILE]: emitKraftfile(app) } : {},
            steps: [
                {
                    command: "kraft",
                    args,
                    env: { KRAFTKIT_LOG_TYPE: "basic", KRAFTKIT_NO_CHECK_UPDATES: "true", KRAFTKIT_NO_PROMPT: "true" },
                },
            ],
            outputs: {
                // The target's own `output` when the Kraftfile sets one; else kraft's default name, from
                // the normalized project name (and, for older kraft, the name as written).
                kernel: [
                    ...(target.output ? [target.output] : []),
                    ...[app.name, ...(build.writtenName ? [build.writtenName] : [])].map((name) =>
                        path.join(buildDir, `${name}_${target.platform}-${target.architecture}`),
                    ),
                ],
                ...(app.rootfs ? { initrd: [path.join(buildDir, `initramfs-${target.architecture}.cpio`)] } : {}),
            },
            ignore: [".unikraft", ".unikernel"],
            hashTree: true,
            settings: { kraftfile: rendered ? emitKraftfile(app) : null, noCache: Boolean(options.noCache) },
        };
    },
};
