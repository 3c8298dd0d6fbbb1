import { strict as assert } from "assert";
import { checkSafeText, findUnsafeCharacter, parseKraftfile } from "../../../src/model";

describe("findUnsafeCharacter", () => {
    const unsafe: [string, string, number][] = [
        ["a\nb", "a line feed (U+000A)", 1],
        ["\rx", "a carriage return (U+000D)", 0],
        ["tab\there", "a tab (U+0009)", 3],
        ["nul\u0000", "a NUL byte (U+0000)", 3],
        ["esc\u001b[31m", "an escape character (U+001B)", 3],
        ["del\u007f", "a DEL character (U+007F)", 3],
        ["nel\u0085", "a next-line character (U+0085)", 3],
        ["ls\u2028", "a line separator (U+2028)", 2],
        ["ps\u2029", "a paragraph separator (U+2029)", 2],
        ["bell\u0007", "a control character (U+0007)", 4],
    ];
    for (const [value, description, index] of unsafe) {
        it(`finds ${description} in ${JSON.stringify(value)}`, () =>
            assert.deepEqual(findUnsafeCharacter(value), { index, description }));
    }
    for (const value of ["", "plain", "$(touch x) `y` 'q' \"d\" ; | & %n ,, -e \\", "ünïcödé ✓ 日本"]) {
        it(`accepts ${JSON.stringify(value)}: quoting, not refusal, handles it`, () =>
            assert.equal(findUnsafeCharacter(value), undefined));
    }
    it("says where the value was going and how to fix it", () => {
        assert.deepEqual(checkSafeText("a\nb", "cmdline", "a kernel command line"), {
            path: "cmdline",
            message:
                'got "a\\nb", which holds a line feed (U+000A) at position 2; it cannot be passed safely into a kernel command line: remove control characters and line breaks',
        });
    });
});

describe("parseKraftfile limits", () => {
    it("stops expanding nested aliases (billion laughs) at a fixed count, with one problem", () => {
        const lines = ["spec: v0.6", "name: app", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
        for (let i = 1; i < 10; i++)
            lines.push(
                `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
                    .fill(`*${String.fromCharCode(96 + i)}`)
                    .join(", ")}]`,
            );
        const started = Date.now();
        const parsed = parseKraftfile(`${lines.join("\n")}\ntargets: [qemu/x86_64]\n`);
        assert.ok(Date.now() - started < 2000, "does not expand 10^10 values");
        assert.equal(parsed.value, undefined);
        assert.equal(parsed.problems.length, 1);
        assert.match(parsed.problems[0].message, /expands to more than 10000 values or uses more than 100 aliases/);
    });

    it("still reads a Kraftfile that uses a few aliases", () => {
        const parsed = parseKraftfile("spec: v0.6\nname: app\ntargets:\n  - &t qemu/x86_64\nx-copy: *t\n");
        assert.deepEqual(parsed.problems, []);
    });

    it("refuses text beyond 1 MiB without parsing it", () => {
        const parsed = parseKraftfile(`spec: v0.6\nname: app\nx-pad: "${"a".repeat(1024 * 1024)}"\n`);
        assert.match(parsed.problems[0].message, /more than 1048576 is not a Kraftfile/);
    });

    it("refuses line breaks and control characters in env, cmd, kconfig, labels and library versions, each with its path", () => {
        const parsed = parseKraftfile(
            [
                "spec: v0.6",
                "name: app",
                "targets: [qemu/x86_64]",
                'env: {A: "x\\ny"}',
                'cmd: ["/app", "a\\u2028b"]',
                'unikraft: {version: stable, kconfig: {CONFIG_X: "y\\nCONFIG_Y=y"}}',
                'labels: {team: "a\\tb"}',
                'libraries: {musl: "stable\\rx"}',
                "",
            ].join("\n"),
        );
        assert.deepEqual(parsed.problems.map((p) => p.path).sort(), [
            "cmd[1]",
            "env.A",
            "labels.team",
            "libraries.musl",
            "unikraft.kconfig.CONFIG_X",
        ]);
    });
});
