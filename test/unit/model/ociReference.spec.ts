/** OCI references as the distribution spec writes them, and everything else refused with why. */
import { strict as assert } from "assert";
import { formatOciReference, parseOciReference } from "../../../src/model";

const HEX = "a".repeat(64);

describe("parseOciReference", () => {
    it("reads registry, repository, tag and digest, and writes them back the same", () => {
        for (const [text, kind, expected] of [
            ["127.0.0.1:5000/apps/hello", "push", { registry: "127.0.0.1:5000", repository: "apps/hello" }],
            [
                "ghcr.io/acme/uni-kernels:v1.2_3",
                "push",
                { registry: "ghcr.io", repository: "acme/uni-kernels", tag: "v1.2_3" },
            ],
            ["localhost/a__b.c-d", "push", { registry: "localhost", repository: "a__b.c-d" }],
            ["ghcr.io/acme/unikernels", "repository", { registry: "ghcr.io", repository: "acme/unikernels" }],
            [
                `[::1]:5000/x@sha256:${HEX}`,
                "pull",
                { registry: "[::1]:5000", repository: "x", digest: `sha256:${HEX}` },
            ],
            [
                `reg.example.com/a/b:t@sha256:${HEX}`,
                "pull",
                { registry: "reg.example.com", repository: "a/b", tag: "t", digest: `sha256:${HEX}` },
            ],
        ] as const) {
            const parsed = parseOciReference(text, kind);
            assert.deepEqual(parsed, expected, text);
            assert.equal(formatOciReference(parsed as never), text);
        }
    });

    it("refuses what skopeo would read as something else, with the reason", () => {
        for (const [text, kind, reason] of [
            ["hello", "push", /no registry host/],
            ["library/hello", "push", /not a registry host/],
            ["docker://r.io/a", "push", /transport or scheme/],
            ["oci:/tmp/x", "push", /transport or scheme/],
            ["https://r.io/a", "push", /transport or scheme/],
            ["r.io/A", "push", /repository "A"/],
            ["r.io/a//b", "push", /repository/],
            ["r.io/a:-x", "push", /tag "-x"/],
            [`r.io/a:${"t".repeat(129)}`, "push", /tag/],
            ["r.io/a b", "push", /repository/],
            ["r.io/a;rm", "push", /repository/],
            [`r.io/a@sha256:${HEX}`, "push", /names a digest/],
            ["r.io/a:v1", "pull", /must name a digest/],
            ["r.io/a@sha256:abc", "pull", /not sha256:<64 lower-case hex>/],
            [`r.io/a@sha512:${HEX}`, "pull", /not sha256/],
            [`r.io/a@sha256:${HEX}@sha256:${HEX}`, "pull", /digest/],
            [`r.io/${"a/".repeat(300)}a`, "push", /characters long/],
            [
                "r.io/a:v1",
                "repository",
                /names a tag \(:v1\); give <registry>\/<repository>: builds are tagged build-<digest>/,
            ],
            [`r.io/a@sha256:${HEX}`, "repository", /names a digest/],
        ] as const) {
            const parsed = parseOciReference(text, kind);
            assert.equal(typeof parsed, "string", `${text} was accepted`);
            assert.match(parsed as string, reason, text);
        }
    });
});
