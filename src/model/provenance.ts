/**
 * Provenance as cloud tags and labels: the same facts (source revision, dirty flag, build time,
 * engine, registry package) written within each cloud's key and value rules, so an AMI, a snapshot
 * or a GCE image says where it came from. A value a cloud cannot hold is left out, never cut (a
 * truncated reference would point somewhere else): the package reference fits no GCE label.
 */

/** Where an image came from (what UnikernelImage outputs), every field optional. */
export interface ImageProvenance {
    sourceRevision?: string;
    sourceDirty?: boolean;
    builtAt?: string;
    engine?: string;
    package?: string;
}

/** AWS tags: values of at most 256 characters; keys under the package's reserved `unikernel:` prefix. */
export function awsProvenanceTags(p: ImageProvenance): Record<string, string> {
    const tags: Record<string, string | undefined> = {
        "unikernel:source-revision": p.sourceRevision,
        "unikernel:source-dirty": p.sourceDirty === undefined ? undefined : String(p.sourceDirty),
        "unikernel:built-at": p.builtAt,
        "unikernel:engine": p.engine,
        "unikernel:package": p.package,
    };
    return Object.fromEntries(
        Object.entries(tags).filter(
            (e): e is [string, string] => typeof e[1] === "string" && e[1].length > 0 && e[1].length <= 256,
        ),
    );
}

/** A GCE label value: lower-case letters, digits, `_` and `-`, at most 63 characters; else nothing. */
function labelValue(text: string | undefined): string | undefined {
    if (!text) return undefined;
    const value = text.toLowerCase().replace(/[^a-z0-9_-]+/g, "-");
    return value.length <= 63 ? value : undefined;
}

/** GCE labels (the package reference does not fit a label: it goes in the description). */
export function gcpProvenanceLabels(p: ImageProvenance): Record<string, string> {
    const labels: Record<string, string | undefined> = {
        "unikernel-source-revision": labelValue(p.sourceRevision),
        "unikernel-source-dirty": p.sourceDirty === undefined ? undefined : String(p.sourceDirty),
        // 2026-11-30T10:20:30.123Z -> 2026-11-30t10-20-30z
        "unikernel-built-at": labelValue(p.builtAt?.replace(/\.\d+Z$/, "Z")),
        "unikernel-engine": labelValue(p.engine),
    };
    return Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => e[1] !== undefined));
}
