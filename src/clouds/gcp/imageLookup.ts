/**
 * Finding a GCE image another stack of this project already made from the same disk, so a promoted
 * image is not uploaded again. Matching is by the package's labels (build digest and disk digest),
 * status READY, in the provider's project. GCE label values cannot hold a stack name
 * (`organization/project/stack` has `/` and may pass 63 characters), so a stack is labelled with a
 * hash of its name.
 */
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "../../internal/hashing";

/** Label with the disk digest's first 32 hex digits (UnikernelImage.diskDigest; a label holds 63). */
export const DISK_DIGEST_LABEL = "unikernel-disk-digest";
/** Label with the first 16 hex digits of SHA-256(`organization/project/stack`) of the stack that made it. */
export const STACK_LABEL = "unikernel-stack";

/** The labels that say which disk an image is and which stack made it. */
export function reuseLabels(diskDigest: string | undefined, stack: string): Record<string, string> {
    return {
        ...(diskDigest ? { [DISK_DIGEST_LABEL]: diskDigest.slice(0, 32) } : {}),
        [STACK_LABEL]: sha256(stack).slice(0, 16),
    };
}

/** An image of another stack that this stack may use. */
export interface ReusableImage {
    name: string;
    selfLink: string;
}

/**
 * The READY image with these digests from the stacks in `from` (the first stack listed that has one,
 * and its oldest, so the choice stays put as more appear), or undefined when there is none or when
 * this stack has one itself (it keeps its own, so it never swaps images back and forth).
 */
export async function findReusableImage(
    query: { digest: string; diskDigest: string; stack: string; from: readonly string[] },
    parent: pulumi.Resource,
): Promise<ReusableImage | undefined> {
    // Label alphabet only (checked at input): nothing in a value can end the filter's quoted string.
    if (![query.digest, query.diskDigest].every((v) => /^[a-z0-9_-]+$/.test(v))) {
        throw new Error(
            `GcpImage: digests outside the label alphabet: ${JSON.stringify([query.digest, query.diskDigest])}`,
        );
    }
    const filter = [
        `(labels.unikernel-digest = "${query.digest.slice(0, 16)}")`,
        `(labels.${DISK_DIGEST_LABEL} = "${query.diskDigest.slice(0, 32)}")`,
        `(status = "READY")`,
    ].join(" AND ");
    const { images } = await gcp.compute.getImages({ filter }, { parent });
    const hash = (stack: string) => sha256(stack).slice(0, 16);
    if (images.some((i) => i.labels?.[STACK_LABEL] === hash(query.stack))) return undefined;
    const ranked = images
        .map((image) => ({ image, rank: query.from.map(hash).indexOf(image.labels?.[STACK_LABEL] ?? "") }))
        .filter((c) => c.rank >= 0)
        .sort(
            (a, b) => a.rank - b.rank || Date.parse(a.image.creationTimestamp) - Date.parse(b.image.creationTimestamp),
        );
    const best = ranked[0]?.image;
    return best ? { name: best.name, selfLink: best.selfLink } : undefined;
}
