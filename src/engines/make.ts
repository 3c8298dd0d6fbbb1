/** The make engine: any Makefile that yields a kernel (a Unikraft make build, or the demo kernel). */
import * as path from "path";
import { GNU_MAKE } from "../internal/tools";
import { BuildInputError, Engine, EnginePlan, ResolvedBuild } from "./engine";

export const makeEngine: Engine = {
    name: "make",
    plan(build: ResolvedBuild): EnginePlan {
        const options = build.request.make;
        if (!options?.kernel) {
            throw new BuildInputError("the make engine needs the path of the kernel the Makefile produces (`--kernel-path`, `make.kernel`)");
        }
        const variables = Object.entries(options.variables ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}=${v}`);
        const args = [...(options.jobs ? [`-j${options.jobs}`] : []), ...(options.goal ? [options.goal] : []), ...variables];
        return {
            tool: GNU_MAKE,
            files: {},
            steps: [{ command: "make", args }],
            outputs: { kernel: [options.kernel], ...(options.initrd ? { initrd: [options.initrd] } : {}) },
            ignore: buildOutputs([options.kernel, ...(options.initrd ? [options.initrd] : [])]),
            hashTree: true,
            settings: { goal: options.goal ?? null, variables, kernel: options.kernel, initrd: options.initrd ?? null },
        };
    },
};

/**
 * What a make build writes, kept out of the content hash so a build does not change its own inputs
 * (and rebuild on every `pulumi up`) when the directory has no .gitignore for them: the outputs, the
 * directories they are written to (other than the root: `build/`, `out/`), and object and
 * dependency files (`*.o`, `*.d`). A vendored object file linked into the kernel would be missed by
 * the hash: keep such blobs under another extension.
 */
function buildOutputs(outputs: string[]): string[] {
    const dirs = outputs.map((o) => path.posix.dirname(o.split(path.sep).join("/"))).filter((d) => d !== "." && !d.startsWith(".."));
    return [...outputs, ...dirs.map((d) => `${d}/`), "*.o", "*.d"];
}
