/** The inputs that let an image component reuse another stack's image of the same disk. */
import * as pulumi from "@pulumi/pulumi";
import { Problem, describeValue } from "../model";

/** `organization/project/stack`, as Pulumi names each part. */
const STACK_NAME = /^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/;

/**
 * `diskDigest` must be a SHA-256 in hex (UnikernelImage.diskDigest), and `reuseFrom` needs it: the
 * build digest alone is shared by disks made from one build with another cmdline, size or boot
 * mode, and reusing one of those would boot the wrong disk. `reuseFrom` names whole stacks
 * (`organization/project/stack`): reuse is trust in that stack's images, so it is never implied.
 */
export function checkReuse(diskDigest: unknown, reuseFrom: unknown, source: string, what: string): Problem[] {
    const problems: Problem[] = [];
    if (diskDigest !== undefined && (typeof diskDigest !== "string" || !/^[0-9a-f]{64}$/.test(diskDigest))) {
        problems.push({
            path: "diskDigest",
            message: `got ${describeValue(diskDigest)}; expected 64 lower-case hex digits (${source})`,
        });
    }
    if (reuseFrom === undefined) return problems;
    if (!Array.isArray(reuseFrom) || reuseFrom.length === 0) {
        problems.push({
            path: "reuseFrom",
            message: `got ${describeValue(reuseFrom)}; expected a list of stacks such as ["acme/web/dev"]`,
        });
        return problems;
    }
    reuseFrom.forEach((stack: unknown, i) => {
        if (typeof stack !== "string" || !STACK_NAME.test(stack)) {
            problems.push({
                path: `reuseFrom[${i}]`,
                message: `got ${describeValue(stack)}; expected <organization>/<project>/<stack> (\`pulumi stack ls --all\` shows them; "organization" on a self-managed backend)`,
            });
        }
    });
    if (diskDigest === undefined) {
        problems.push({
            path: "diskDigest",
            message: `missing; reuseFrom needs it (${source}) so that only ${what} of this very disk is reused`,
        });
    }
    return problems;
}

/**
 * This stack's own image, or the one `lookup` found: the lookup decides which children exist, so
 * they are made once it answers. The digests it looks up are known when the program runs
 * (UnikernelImage computes them before any step), so a preview shows the children an update makes.
 */
export function ownOrReused<Found, Choice extends { [K in keyof Choice]: pulumi.Output<unknown> }>(
    keys: readonly (keyof Choice & string)[],
    lookup: pulumi.Output<Found | undefined>,
    own: () => Choice,
    reused: (found: Found) => Choice,
): Choice {
    const chosen = lookup.apply((found) => pulumi.output(found ? reused(found) : own())) as pulumi.Output<
        Record<string, unknown>
    >;
    return Object.fromEntries(keys.map((key) => [key, chosen.apply((c) => c[key])])) as unknown as Choice;
}
