/**
 * Property-based tests: random YAML text and random objects thrown at every parser and validator.
 * Each result must be a value or a list of well-formed problems, never an exception; and every
 * application the Kraftfile writer emits must read back equal.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { stringify } from "yaml";
import {
    Application,
    Problem,
    emitKraftfile,
    parseApplication,
    parseKraftfile,
    parseKraftfileValue,
    parseOpsConfig,
    parseOpsConfigValue,
} from "../../../src/model";

const RUNS = 400;

function assertParsed(result: { value?: unknown; problems: Problem[] }): void {
    assert.ok(Array.isArray(result.problems));
    assert.equal(result.value === undefined, result.problems.length > 0, "a value exactly when there are no problems");
    for (const p of result.problems) {
        assert.equal(typeof p.path, "string");
        assert.equal(typeof p.message, "string");
        assert.ok(p.message.length > 0);
        if (p.line !== undefined) assert.ok(Number.isInteger(p.line) && p.line >= 1);
    }
}

/** Keys and values drawn mostly from the Kraftfile vocabulary, so random documents get deep. */
const word = fc.constantFrom(
    "spec",
    "specification",
    "name",
    "targets",
    "libraries",
    "unikraft",
    "kconfig",
    "cmd",
    "env",
    "rootfs",
    "roms",
    "volumes",
    "plat",
    "platform",
    "arch",
    "architecture",
    "version",
    "source",
    "runtime",
    "x-unikernel",
    "memory",
    "__proto__",
    "constructor",
    "qemu/x86_64",
    "fc/arm64",
    "v0.6",
    "0.7",
    "CONFIG_A",
    "musl",
    "",
);
const scalar = fc.oneof(word, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const tree = fc.letrec((tie) => ({
    node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        scalar,
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(word, tie("node"), { maxKeys: 5 }),
    ),
})).node;

describe("parsers under random input", () => {
    it("parseKraftfile never throws on random text", () => {
        fc.assert(
            fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => assertParsed(parseKraftfile(text))),
            { numRuns: RUNS },
        );
    });

    it("parseKraftfile never throws on random YAML documents", () => {
        fc.assert(
            fc.property(tree, (doc) => assertParsed(parseKraftfile(stringify(doc), { file: "K" }))),
            { numRuns: RUNS },
        );
    });

    it("parseKraftfileValue never throws on random objects", () => {
        fc.assert(
            fc.property(tree, (doc) => assertParsed(parseKraftfileValue(doc))),
            { numRuns: RUNS },
        );
    });

    it("parseApplication never throws on random objects", () => {
        fc.assert(
            fc.property(tree, (doc) => assertParsed(parseApplication(doc))),
            { numRuns: RUNS },
        );
    });

    it("parseOpsConfig never throws on random JSON and objects", () => {
        fc.assert(
            fc.property(tree, (doc) => {
                assertParsed(parseOpsConfigValue(doc));
                assertParsed(parseOpsConfig(JSON.stringify(doc) ?? "null"));
            }),
            { numRuns: RUNS },
        );
    });
});

/** Random valid applications, in the canonical form the parser produces. */
const ident = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const kconfig = fc.dictionary(
    fc.stringMatching(/^CONFIG_[A-Z0-9_]{1,8}$/),
    fc.constantFrom("y", "n", "0x1000", "", "some text"),
    { maxKeys: 3, noNullPrototype: true },
);
const optionalKconfig = kconfig.map((k) => (Object.keys(k).length ? { kconfig: k } : {}));
const target = fc
    .record({
        platform: fc.constantFrom("qemu" as const, "fc" as const, "xen" as const),
        architecture: fc.constantFrom("x86_64" as const, "arm64" as const, "arm" as const),
    })
    .filter((t) => !(t.platform === "fc" && t.architecture === "arm")) // Firecracker has no 32-bit arm guests
    .chain((t) =>
        fc
            .tuple(fc.option(ident, { nil: undefined }), optionalKconfig)
            .map(([name, k]) => ({ ...t, ...(name ? { name } : {}), ...k })),
    );
const library = fc
    .tuple(
        ident,
        fc.option(fc.constantFrom("stable", "0.10", "v1.2.3", "./local-version"), { nil: undefined }),
        fc.option(fc.constantFrom("https://github.com/unikraft/lib-x.git", "../lib"), { nil: undefined }),
        optionalKconfig,
    )
    .map(([name, version, source, k]) => ({
        name,
        ...(version ? { version } : {}),
        ...(source ? { source } : {}),
        ...k,
    }));
const application: fc.Arbitrary<Application> = fc
    .record({
        name: ident,
        libraries: fc.uniqueArray(library, { selector: (l) => l.name, maxLength: 4 }),
        targets: fc.uniqueArray(target, {
            selector: (t) => `${t.platform}/${t.architecture}:${t.name ?? ""}`,
            minLength: 1,
            maxLength: 3,
        }),
        cmd: fc.array(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 4 }),
        env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,6}$/), fc.string({ maxLength: 10 }), {
            maxKeys: 3,
            noNullPrototype: true,
        }),
        kconfig,
        memory: fc.option(fc.integer({ min: 1, max: 8192 }), { nil: undefined }),
    })
    .map(({ memory, ...rest }) => ({ ...rest, ...(memory !== undefined ? { memory } : {}) }));

describe("emitKraftfile and parseKraftfile", () => {
    it("round-trip every generated application: parse(emit(m)) equals m", () => {
        fc.assert(
            fc.property(application, (app) => {
                const parsed = parseKraftfile(emitKraftfile(app));
                assert.deepEqual(parsed.problems, [], emitKraftfile(app));
                assert.deepEqual(parsed.value!.application, app);
            }),
            { numRuns: RUNS },
        );
    });
});
