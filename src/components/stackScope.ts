/**
 * Names that keep one stack's state apart from another's. A component name is unique only within
 * its parent in one stack: two stacks (or two parents) may both have a LocalService "web". Whatever
 * a component keeps outside Pulumi's state (a pidfile, a console log, a systemd unit on a host) is
 * named after its URN, which holds the project, the stack, the parent chain and the name.
 */
import * as pulumi from "@pulumi/pulumi";
import { sha256 } from "../internal/hashing";
import { safeFileName } from "../internal/naming";

/**
 * `<name, file-name-safe>-<8 hex of the URN's SHA-256>`: readable, and distinct per stack and parent.
 * The result carries no resource dependency: children use it in their inputs, and a child's input
 * that depended on its own parent component would wait for the component's children, itself
 * among them.
 */
export function stackScopedName(name: string, urn: pulumi.Output<string>): pulumi.Output<string> {
    const value = new Promise<string>((resolve) =>
        urn.apply((u) => {
            resolve(`${safeFileName(name)}-${sha256(u).slice(0, 8)}`);
            return u;
        }),
    );
    return pulumi.output(value);
}

/** Path segments `<project>/<stack>` for files a stack keeps on this machine, file-name-safe. */
export function stackDirectory(): string[] {
    return [safeFileName(pulumi.getProject()), safeFileName(pulumi.getStack())];
}

/**
 * A GCE network tag for a component: `<name>-<8 hex of the URN's SHA-256>`, in GCE's tag syntax
 * (lower-case letters, digits and "-", starting with a letter, at most 63 characters).
 */
export function gceNetworkTag(name: string, urn: pulumi.Output<string>): pulumi.Output<string> {
    const base =
        name
            .toLowerCase()
            .replace(/[^a-z0-9-]+/g, "-")
            .replace(/^[^a-z]+/, "")
            .slice(0, 50)
            .replace(/-+$/, "") || "unikernel";
    return stackScopedName(base, urn);
}

/** `organization/project/stack` of the running program: whose a cloud image is, in its tags. */
export function thisStack(): string {
    let organization: string;
    try {
        organization = pulumi.getOrganization();
    } catch {
        // Not set (unit tests' mocks, some engines): self-managed backends call it "organization".
        organization = "organization";
    }
    return `${organization}/${pulumi.getProject()}/${pulumi.getStack()}`;
}
