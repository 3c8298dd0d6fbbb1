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

/** Enough AMIs to look at: a digest made by more stacks than this is reused from one of the newest. */
const MAX_CANDIDATES = 10;

/** An AMI of another stack that this stack may use. */
export interface ReusableAmi {
    imageId: string;
    snapshotId: string;
    /** The stack whose AMI it is: destroying that stack deregisters it. */
    ownerStack: string;
}

/** What the AMI must be. */
export interface AmiQuery {
    digest: string;
    diskDigest: string;
    kernelFamily: string;
    settings: AmiSettings;
    /** This stack (`organization/project/stack`). */
    stack: string;
}

/**
 * The newest matching AMI of another stack, or undefined when none matches or when this stack has
 * one itself: a stack that made its own AMI keeps it, so it never swaps images back and forth as
 * other stacks come and go.
 */
export async function findReusableAmi(query: AmiQuery, parent: pulumi.Resource): Promise<ReusableAmi | undefined> {
    const filters = [
        { name: "tag:unikernel:digest", values: [query.digest] },
        { name: `tag:${DISK_DIGEST_TAG}`, values: [query.diskDigest] },
        { name: "state", values: ["available"] },
    ];
    const lookup = (extra: typeof filters) =>
        aws.ec2.getAmiIds({ owners: ["self"], sortAscending: false, filters: [...filters, ...extra] }, { parent });
    const own = await lookup([{ name: `tag:${STACK_TAG}`, values: [query.stack] }]);
    if (own.ids.length > 0) return undefined;
    const { ids } = await lookup([]);
    for (const id of ids.slice(0, MAX_CANDIDATES)) {
        const ami = await aws.ec2.getAmi(
            { owners: ["self"], filters: [{ name: "image-id", values: [id] }] },
            { parent },
        );
        const tags = ami.tags ?? {};
        const snapshotId = ami.blockDeviceMappings.find((m) => m.deviceName === "/dev/xvda")?.ebs?.snapshot_id;
        const matches =
            ami.state === "available" &&
            tags["unikernel:kernel-family"] === query.kernelFamily &&
            ami.architecture === query.settings.architecture &&
            ami.bootMode === query.settings.bootMode &&
            ami.enaSupport === query.settings.enaSupport &&
            typeof snapshotId === "string" &&
            snapshotId.length > 0;
        if (matches) return { imageId: ami.id, snapshotId, ownerStack: tags[STACK_TAG] ?? "" };
    }
    return undefined;
}
