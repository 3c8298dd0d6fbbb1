/** The make engine: any Makefile that yields a kernel (a Unikraft make build, or the demo kernel). */
import * as path from "path";
import { GNU_MAKE } from "../internal/tools";
import { findUnsafeCharacter } from "../model";
import { BuildInputError, Engine, EnginePlan, MakeOptions, ResolvedBuild } from "./engine";

export const makeEngine: Engine = {
    name: "make",
    plan(build: ResolvedBuild): EnginePlan {
        const options = build.request.make;
        if (!options?.kernel) {
            throw new BuildInputError(
                "the make engine needs the path of the kernel the Makefile produces (`--kernel-path`, `make.kernel`)",
            );
        }
        const problems = makeArgumentProblems(options);
        if (problems.length) {
            throw new BuildInputError(problems.join("; "));
        }
        const variables = Object.entries(options.variables ?? {})
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([k, v]) => makeAssignment(k, v));
        const args = [
            ...(options.jobs ? [`-j${options.jobs}`] : []),
            ...(options.goal ? [options.goal] : []),
            ...variables,
        ];
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
    const dirs = outputs
        .map((o) => path.posix.dirname(o.split(path.sep).join("/")))
        .filter((d) => d !== "." && !d.startsWith(".."));
    return [...outputs, ...dirs.map((d) => `${d}/`), "*.o", "*.d"];
}

/** Make variable names on a command line: a name, never an option (`--eval=...`) or a second `=`. */
export const MAKE_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Variables that change how make itself runs or which files it reads, from outside the application
 * directory and its content hash (`MAKEFILES=/tmp/evil.mk` makes make read that file, `SHELL`
 * picks the program every recipe runs with): refused as make variables.
 */
export const RESERVED_MAKE_VARIABLES: ReadonlySet<string> = new Set([
    "MAKEFILES",
    "MAKEFLAGS",
    "MFLAGS",
    "GNUMAKEFLAGS",
    "MAKEOVERRIDES",
    "SHELL",
    "MAKESHELL",
    "MAKE",
    "MAKELEVEL",
    "MAKE_RESTARTS",
    "MAKECMDGOALS",
    "CURDIR",
    "VPATH",
    "SUFFIXES",
    "MAKEFILE_LIST",
    "MAKE_HOST",
    "MAKE_VERSION",
    "MAKE_TERMOUT",
    "MAKE_TERMERR",
]);

/** Make goals: a target name, never an option or an assignment. */
export const MAKE_GOAL = /^[A-Za-z0-9_./][^\s=$]*$/;

/**
 * `NAME=value` for make's command line, with the value literal: make expands `$` in variable values
 * (`$(shell ...)` runs a command), so each `$` is written `$$`.
 */
export function makeAssignment(name: string, value: string): string {
    return `${name}=${value.replace(/\$/g, "$$$$")}`;
}

/** Problems with make arguments: names, goal and values that make would read as something else. */
export function makeArgumentProblems(options: MakeOptions): string[] {
    const problems: string[] = [];
    for (const [name, value] of Object.entries(options.variables ?? {})) {
        if (!MAKE_VARIABLE_NAME.test(name)) {
            problems.push(
                `make variable name ${JSON.stringify(name)} is not valid; expected letters, digits and "_", not starting with a digit (an option such as --eval is refused)`,
            );
        } else if (RESERVED_MAKE_VARIABLES.has(name)) {
            problems.push(
                `make variable ${name} changes how make runs or which files it reads (from outside the application directory); it cannot be set here`,
            );
        }
        const unsafe = findUnsafeCharacter(value);
        if (unsafe)
            problems.push(`make variable ${name} holds ${unsafe.description}, which a make command line cannot carry`);
    }
    if (options.goal !== undefined && !MAKE_GOAL.test(options.goal)) {
        problems.push(
            `make goal ${JSON.stringify(options.goal)} is not a target name; it must not start with "-" or hold spaces, "=" or "$"`,
        );
    }
    return problems;
}
