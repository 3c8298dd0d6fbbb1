/** Engines: the tools that turn an application into an artifact. */
import { Parsed, describeValue, fail, ok, oneOf } from "./problem";

/**
 * An engine name. `kraft` is KraftKit (Unikraft), `ops` is NanoVMs ops (Nanos), `make` is any
 * Makefile that yields a kernel (including Unikraft's own make build), `prebuilt` is a kernel or
 * disk built elsewhere and promoted by digest.
 */
export type EngineName = "kraft" | "ops" | "make" | "prebuilt";

/** Every engine, in the order messages list them. */
export const ENGINES: readonly EngineName[] = ["kraft", "ops", "make", "prebuilt"];

/**
 * The kind of kernel an artifact holds, which decides how it boots and which drivers it has
 * (see compatibility.ts). `bare` is a kernel the package knows nothing about beyond its boot
 * protocol, such as the demo Multiboot kernel: no network or disk drivers are assumed.
 */
export type KernelFamily = "unikraft" | "nanos" | "bare";

/** Every kernel family, in the order messages list them. */
export const KERNEL_FAMILIES: readonly KernelFamily[] = ["unikraft", "nanos", "bare"];

/**
 * The kernel family each engine produces unless told otherwise. `make` and `prebuilt` default to
 * Unikraft because a Unikraft make build or a kernel from a Unikraft pipeline is their main use;
 * both let the user declare another family.
 */
export const ENGINE_KERNEL_FAMILY: Readonly<Record<EngineName, KernelFamily>> = {
    kraft: "unikraft",
    ops: "nanos",
    make: "unikraft",
    prebuilt: "unikraft",
};

/** Parses an engine name. */
export function parseEngine(value: unknown, path: string): Parsed<EngineName> {
    const found = ENGINES.find((e) => e === value);
    return found ? ok(found) : fail({ path, message: `got ${describeValue(value)}; expected ${oneOf(ENGINES)}` });
}

/** Parses a kernel family name. */
export function parseKernelFamily(value: unknown, path: string): Parsed<KernelFamily> {
    const found = KERNEL_FAMILIES.find((f) => f === value);
    return found
        ? ok(found)
        : fail({ path, message: `got ${describeValue(value)}; expected ${oneOf(KERNEL_FAMILIES)}` });
}
