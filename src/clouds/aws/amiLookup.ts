/**
 * Finding an AMI another stack already made from the same disk, so a promoted image is not uploaded
 * again. Matching is by the package's own tags (build digest and disk digest) and by what the AMI
 * declares (architecture, boot mode, ENA), owner `self`, state `available`: a tag alone is not
 * trusted to say the AMI boots this kernel the way this stack would have registered it.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AmiSettings } from "./ami";

/** Tag naming the stack that made an AMI (`organization/project/stack`). */
export const STACK_TAG = "unikernel:stack";
/** Tag with the digest of the disk's inputs (UnikernelImage.diskDigest). */
export const DISK_DIGEST_TAG = "unikernel:disk-digest";

/** Enough AMIs to look at: a digest made more often than this by the stacks named is reused from one of the oldest. */
const MAX_CANDIDATES = 10;

/** An AMI of another stack that this stack may use. */
export interface ReusableAmi {
    imageId: string;
    snapshotId: string;
    /** The stack whose AMI it is: destroying that stack deregisters it. */
    ownerStack: string;
}

/** What the AMI must be, and whose it may be. */
export interface AmiQuery {
    digest: string;
    diskDigest: string;
    kernelFamily: string;
    settings: AmiSettings;
    /** This stack (`organization/project/stack`). */
    stack: string;
    /** The stacks whose AMIs may be used, in order of preference. */
    from: readonly string[];
}

/**
 * The AMI to use from the stacks in `from` (the first stack listed that has a match, and its oldest
 * match, so the choice stays put as more appear), or undefined when none matches or when this
 * stack has one itself: a stack that made its own AMI keeps it, and so never swaps images back and
 * forth as other stacks come and go.
 */
export async function findReusableAmi(query: AmiQuery, parent: pulumi.Resource): Promise<ReusableAmi | undefined> {
    const filters = [
        { name: "tag:unikernel:digest", values: [query.digest] },
        { name: `tag:${DISK_DIGEST_TAG}`, values: [query.diskDigest] },
        { name: "state", values: ["available"] },
    ];
    const lookup = (stacks: readonly string[]) =>
        aws.ec2.getAmiIds(
            {
                owners: ["self"],
                sortAscending: true,
                filters: [...filters, { name: `tag:${STACK_TAG}`, values: [...stacks] }],
            },
            { parent },
        );
    const own = await lookup([query.stack]);
    if (own.ids.length > 0) return undefined;
    const { ids } = await lookup(query.from);
    const found: (ReusableAmi & { rank: number })[] = [];
    for (const id of ids.slice(0, MAX_CANDIDATES)) {
        const ami = await aws.ec2.getAmi(
            { owners: ["self"], filters: [{ name: "image-id", values: [id] }] },
            { parent },
        );
        const tags = ami.tags ?? {};
        const rank = query.from.indexOf(tags[STACK_TAG] ?? "");
        const snapshotId = ami.blockDeviceMappings.find((m) => m.deviceName === "/dev/xvda")?.ebs?.snapshot_id;
        const matches =
            rank >= 0 &&
            ami.state === "available" &&
            !deprecated(ami.deprecationTime) &&
            tags["unikernel:kernel-family"] === query.kernelFamily &&
            ami.architecture === query.settings.architecture &&
            ami.bootMode === query.settings.bootMode &&
            Boolean(ami.enaSupport) === query.settings.enaSupport &&
            typeof snapshotId === "string" &&
            snapshotId.length > 0;
        if (matches) found.push({ imageId: ami.id, snapshotId, ownerStack: tags[STACK_TAG], rank });
    }
    // Oldest first from the lookup; a stable sort keeps that order within one stack.
    const best = found.sort((a, b) => a.rank - b.rank)[0];
    return best && { imageId: best.imageId, snapshotId: best.snapshotId, ownerStack: best.ownerStack };
}

/** An AMI past its deprecation time is not one to start new instances from. */
function deprecated(time: string | undefined): boolean {
    return Boolean(time) && Date.parse(time!) <= Date.now();
}
