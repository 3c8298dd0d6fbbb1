/**
 * The seam between the components and the CLI: what a component runs is a command line the CLI
 * accepts (every flag an option of that command, every value one argv word), and what the CLI
 * prints is what a component's parser takes, or a clear failure.
 */
import { strict as assert } from "assert";
import { Command } from "commander";
import * as fc from "fast-check";
import { createProgram } from "../../../src/cli/program";
import { deleteSnapshotArgv, roleArgv, uploadSnapshotArgv } from "../../../src/contract/awsSnapshot";
import { buildArgv, parseBuildResult } from "../../../src/contract/build";
import { argvOfCommand, unikernelCommand } from "../../../src/contract/command";
import { convertArgv, parseConvertResult } from "../../../src/contract/convert";
import { diskArgv, parseDiskResult } from "../../../src/contract/disk";
import { pullArgv, pushArgv } from "../../../src/contract/registry";
import { parseRunDetachedResult, runDetachedArgv, stopArgv } from "../../../src/contract/run";
import { StepFailure } from "../../../src/model";

const target = { platform: "qemu", architecture: "x86_64" } as const;

/** One argv of every builder, with every optional part present. */
const SAMPLES: string[][] = [
    buildArgv({
        dir: "/app",
        engine: "make",
        target,
        family: "bare",
        make: { kernel: "k.elf", goal: "all", variables: { A: "1 2" } },
        allowOutsideDirectory: true,
        registry: "127.0.0.1:5000/ci/app",
        registryInsecure: true,
        registryPullOnly: true,
    }),
    pushArgv({
        file: "/k",
        to: "127.0.0.1:5000/ci/app:v1",
        role: "kernel",
        annotations: { "org.example.note": "a b" },
        insecure: true,
    }),
    pullArgv({ from: `127.0.0.1:5000/ci/app@sha256:${"a".repeat(64)}`, out: "/o", role: "kernel", insecure: true }),
    buildArgv({ dir: "/app", engine: "prebuilt", target, family: "unikraft", prebuilt: { kernel: "k", initrd: "i" } }),
    buildArgv({
        dir: "/app",
        engine: "kraft",
        target,
        family: "unikraft",
        application: { name: "a", libraries: [], targets: [target], cmd: [], env: {}, kconfig: {} },
    }),
    diskArgv({
        kernel: "k",
        initrd: "i",
        cmdline: "a b",
        boot: "uefi",
        architecture: "x86_64",
        sizeGiB: 2,
        target,
        family: "unikraft",
        out: "/o.img",
    }),
    convertArgv({ disk: "/d.img", format: "gce", out: "/o.tar.gz" }),
    runDetachedArgv({
        disk: "/d.img",
        architecture: "x86_64",
        boot: "bios",
        memoryMiB: 64,
        ports: [{ protocol: "tcp", host: 8080, guest: 80 }],
        expect: "ready",
        readyPort: 8080,
        timeoutSeconds: 60,
        pidfile: "/p",
        console: "/c",
    }),
    runDetachedArgv({
        kernel: "/k",
        cmdline: "x",
        architecture: "arm64",
        memoryMiB: 64,
        ports: [],
        timeoutSeconds: 60,
        pidfile: "/p",
        console: "/c",
    }),
    stopArgv("/p"),
    uploadSnapshotArgv({
        disk: "/d",
        region: "us-east-1",
        description: "d",
        tags: { a: "b" },
        kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/x",
        roles: [{ roleArn: "arn:aws:iam::111122223333:role/a", externalId: "e", sessionName: "s1" }],
    }),
    deleteSnapshotArgv("us-east-1", [{ roleArn: "arn:aws:iam::111122223333:role/a" }]),
];

/** The CLI command an argv runs (`aws upload-snapshot` is two words). */
function commandOf(program: Command, argv: string[]): { command: Command; rest: string[] } {
    let command = program;
    let rest = argv;
    for (;;) {
        const sub = command.commands.find((c) => c.name() === rest[0]);
        if (!sub) return { command, rest };
        command = sub;
        rest = rest.slice(1);
    }
}

describe("the CLI contract", () => {
    it("every flag a component passes is an option of that very command, and every value is one word after its flag", () => {
        const program = createProgram({ out: () => undefined, err: () => undefined }, () => undefined);
        for (const argv of SAMPLES) {
            const { command, rest } = commandOf(program, argv);
            assert.notEqual(command, program, `no command for ${argv.join(" ")}`);
            for (let k = 0; k < rest.length; k++) {
                if (!rest[k].startsWith("--")) continue;
                const option = command.options.find((o) => o.long === rest[k]);
                assert.ok(option, `\`${command.name()}\` has no option ${rest[k]} (from ${JSON.stringify(argv)})`);
                if (option.required || option.optional) k++; // its value
            }
        }
    });

    it("reads back from a command line exactly the argv it was made of, whatever the words hold", () => {
        fc.assert(
            fc.property(fc.array(fc.string({ unit: "binary" }), { maxLength: 6 }), (argv) => {
                assert.deepEqual(argvOfCommand(unikernelCommand(argv)), argv);
            }),
            { numRuns: 500 },
        );
    });

    it("parses what each verb prints, and fails clearly on output that lacks what a component reads", () => {
        assert.equal(
            parseBuildResult(JSON.stringify({ path: "/k", kernel: "/k", sha256: "a", sizeBytes: 1, cmdline: "" }))
                .kernel,
            "/k",
        );
        assert.equal(
            parseDiskResult(`progress\n${JSON.stringify({ path: "/d", sha256: "c", sizeBytes: 2, loader: "grub" })}`)
                .path,
            "/d",
            "the last line is the result",
        );
        assert.equal(parseConvertResult(JSON.stringify({ path: "/o", sha256: "d", sizeBytes: 3 })).sizeBytes, 3);
        assert.equal(
            parseRunDetachedResult(JSON.stringify({ matched: true, consoleLog: "/c", pidfile: "/p", accel: "tcg" }))
                .bootMs,
            undefined,
        );
        for (const [parse, stdout, message] of [
            [parseBuildResult, "", /`unikernel build` printed no JSON result/],
            [parseDiskResult, "[1]", /`unikernel disk` printed "\[1\]", not a JSON object/],
            [
                parseConvertResult,
                JSON.stringify({ path: "/o", sizeBytes: "3" }),
                /`unikernel convert` printed a result without sha256 \(string\), sizeBytes \(number\)/,
            ],
            [
                parseRunDetachedResult,
                JSON.stringify({ matched: true, consoleLog: "/c", pidfile: "/p", accel: "tcg", bootMs: "fast" }),
                /without bootMs \(number\)/,
            ],
        ] as const) {
            assert.throws(
                () => (parse as (s: string) => unknown)(stdout),
                (e: Error) => e instanceof StepFailure && message.test(e.message),
            );
        }
    });

    it("passes every role of a chain, with external ids and session names paired by position", () => {
        assert.deepEqual(
            roleArgv([
                { roleArn: "arn:aws:iam::111122223333:role/a" },
                { roleArn: "arn:aws:iam::444455556666:role/b", externalId: "x" },
            ]),
            [
                "--role-arn",
                "arn:aws:iam::111122223333:role/a",
                "--role-arn",
                "arn:aws:iam::444455556666:role/b",
                "--role-external-id",
                "",
                "--role-external-id",
                "x",
            ],
        );
        assert.deepEqual(roleArgv([{ roleArn: "arn:aws:iam::111122223333:role/a", sessionName: "ci" }]), [
            "--role-arn",
            "arn:aws:iam::111122223333:role/a",
            "--role-session-name",
            "ci",
        ]);
        assert.deepEqual(roleArgv([]), []);
    });
});
