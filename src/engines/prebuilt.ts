/**
 * The prebuilt engine: a kernel (with an optional initrd) or a finished disk image built elsewhere,
 * promoted by digest. Nothing runs; the digest is the files' bytes, so the same kernel promoted on
 * another machine has the same digest.
 */
import { BuildInputError, Engine, EnginePlan, ResolvedBuild } from "./engine";

export const prebuiltEngine: Engine = {
    name: "prebuilt",
    plan(build: ResolvedBuild): EnginePlan {
        const options = build.request.prebuilt ?? {};
        if (Boolean(options.kernel) === Boolean(options.disk)) {
            throw new BuildInputError(
                "the prebuilt engine needs exactly one of a kernel file (`--kernel`) or a disk image (`--disk`); keep one",
            );
        }
        if (options.disk && options.initrd) {
            throw new BuildInputError(
                "an initrd goes with a prebuilt kernel, not with a prebuilt disk image; remove the initrd or give the kernel instead",
            );
        }
        const files = [options.kernel, options.initrd, options.disk].filter((f): f is string => Boolean(f));
        return {
            files: {},
            steps: [],
            outputs: options.disk
                ? { disk: [options.disk] }
                : { kernel: [options.kernel!], ...(options.initrd ? { initrd: [options.initrd] } : {}) },
            ignore: [],
            hashFiles: files,
            hashTree: false,
            settings: { kind: options.disk ? "disk" : "kernel", initrd: Boolean(options.initrd) },
        };
    },
};
