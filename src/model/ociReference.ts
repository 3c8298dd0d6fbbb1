/**
 * OCI references (`<registry>/<repository>[:<tag>]` and `<registry>/<repository>@sha256:<hex>`) as
 * the distribution spec defines them, read strictly: a reference reaches skopeo as one argument
 * after `docker://`, so anything the grammar does not allow (a transport prefix, a second `@`, a
 * blank, a shell or URL character) is refused here rather than passed on.
 */

/** A parsed reference. Exactly one of `tag` and `digest` may be absent; both may be present. */
export interface OciReference {
    /** `host[:port]`: a registry always has a host here, never Docker Hub by default. */
    registry: string;
    /** `path/components`, lower case. */
    repository: string;
    tag?: string;
    /** `sha256:<64 hex>`. */
    digest?: string;
}

// The distribution spec's grammar (docker/distribution reference, OCI distribution-spec).
const HOST =
    /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]{1,5})?$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The longest reference accepted (the distribution spec caps repository names at 255). */
const MAX_REFERENCE = 512;

/**
 * What a reference must carry: a tag or nothing (a push), a digest (a pull), or neither (a
 * repository, such as a build cache, whose tags the package chooses: `build-<digest>`).
 */
export type ReferenceKind = "push" | "pull" | "repository";

/**
 * Parses `text`, or returns why it is not a reference of that kind (in words fit for an error after
 * the option's name). A push takes `<registry>/<repository>[:<tag>]`; a pull needs `@sha256:<hex>`.
 */
export function parseOciReference(text: string, kind: ReferenceKind): OciReference | string {
    const example =
        kind === "push"
            ? "e.g. 127.0.0.1:5000/apps/hello:v1"
            : kind === "pull"
              ? "e.g. 127.0.0.1:5000/apps/hello@sha256:<64 hex>"
              : "e.g. ghcr.io/acme/unikernels";
    if (text.length > MAX_REFERENCE)
        return `is ${text.length} characters long; a reference has at most ${MAX_REFERENCE}`;
    if (/^[a-z-]+:\/\//.test(text) || text.startsWith("docker:") || text.startsWith("oci:")) {
        return `must not name a transport or scheme (give registry/repository only, ${example})`;
    }
    const slash = text.indexOf("/");
    if (slash <= 0) return `has no registry host before a "/" (${example})`;
    const registry = text.slice(0, slash);
    if (!HOST.test(registry) || (!registry.includes(".") && !registry.includes(":") && registry !== "localhost")) {
        return `starts with "${registry}", which is not a registry host[:port] (${example})`;
    }
    let rest = text.slice(slash + 1);
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
        if (!DIGEST.test(digest)) return `has a digest "${digest}" that is not sha256:<64 lower-case hex>`;
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon >= 0) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag))
            return `has a tag "${tag}" that is not 1-128 of A-Z a-z 0-9 _ . - (not starting with . or -)`;
    }
    if (!REPOSITORY.test(rest)) {
        return `has a repository "${rest}" that is not lower-case path components of a-z 0-9 separated by . _ __ - (${example})`;
    }
    if (kind === "pull" && !digest) return `must name a digest to pull by (${example}); a tag can move`;
    if (kind === "push" && digest) return `names a digest; a push gets its digest from what it pushes (${example})`;
    if (kind === "repository" && (tag || digest)) {
        return `names a ${tag ? `tag (:${tag})` : "digest"}; give <registry>/<repository>: builds are tagged build-<digest> (${example})`;
    }
    return { registry, repository: rest, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The reference as text: `registry/repository[:tag][@digest]`. */
export function formatOciReference(ref: OciReference): string {
    return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}
