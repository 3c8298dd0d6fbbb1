/**
 * The checks every cloud service component makes before creating anything: is the kernel family
 * known, does the machine type run the image's architecture, and does the kernel boot there with
 * the drivers that machine needs (the compatibility table), with the alternatives when it does not.
 */
import { MachineArchitecture } from "./bootMode";
import { VENUE_REQUIREMENTS, Venue, assessVenue } from "./compatibility";
import { parseKernelFamily } from "./engine";
import { Platform } from "./platform";
import { Problem } from "./problem";
import { ENVIRONMENTS } from "./service";

/** Where an image is to run, as the service component sees it. */
export interface Placement {
    kernelFamily: string;
    platform?: Platform;
    architecture?: MachineArchitecture;
    /** The Args property naming the machine (`instanceType`, `machineType`). */
    machineKey: string;
    machineType: string;
    /** The venue of `machineType`, or undefined when it is not a valid type. */
    venue: Venue | undefined;
    /** The architecture `machineType` runs. */
    machineArchitecture: MachineArchitecture;
    /** An example machine type for the "expected" message. */
    example: string;
}

/** Pushes every placement problem. */
export function checkPlacement(p: Placement, problems: Problem[]): void {
    if (!p.venue) {
        problems.push({
            path: p.machineKey,
            message: `got "${p.machineType}"; expected a machine type such as "${p.example}"`,
        });
    }
    const architecture = p.architecture ?? "x86_64";
    if (p.venue && p.machineArchitecture !== architecture) {
        problems.push({
            path: p.machineKey,
            message: `"${p.machineType}" runs ${p.machineArchitecture}, but the image is ${architecture}; pick a ${architecture} machine type`,
        });
    }
    const family = parseKernelFamily(p.kernelFamily, "kernelFamily");
    problems.push(...family.problems);
    if (!family.value || !p.venue) {
        return;
    }
    const answer = assessVenue({ family: family.value, platform: p.platform ?? "qemu", architecture }, p.venue);
    if (!answer.bootable) {
        problems.push({
            path: p.machineKey,
            message:
                `"${p.machineType}" is one of ${VENUE_REQUIREMENTS[p.venue].title}: ${answer.reasons.join("; ")}` +
                (answer.missingDrivers.length ? ` (missing: ${answer.missingDrivers.join(", ")})` : "") +
                `. Alternatives: ${answer.alternatives.join("; ") || "none"}`,
        });
    }
}

/** Reads `environment` (default public) and `replicas` (default 1). */
export function checkEnvironmentAndReplicas(
    environment: string | undefined,
    replicas: number | undefined,
    problems: Problem[],
): { public: boolean; replicas: number } {
    const env = environment ?? "public";
    if (!ENVIRONMENTS.some((e) => e === env)) {
        problems.push({ path: "environment", message: `got "${env}"; expected ${ENVIRONMENTS.join(" or ")}` });
    }
    const count = replicas ?? 1;
    if (!Number.isInteger(count) || count < 1)
        problems.push({ path: "replicas", message: `got ${count}; expected a whole number, at least 1` });
    return { public: env === "public", replicas: count };
}
