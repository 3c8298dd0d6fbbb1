import { strict as assert } from "assert";
import { Application, Kraftfile, emitKraftfile, parseKraftfile, pickKraftfileName, readKraftfile, ValidationError } from "../../../src/model";

/** Joins lines so YAML in the tables keeps its indentation readable. */
const y = (...lines: string[]) => `${lines.join("\n")}\n`;

interface GoodCase {
    title: string;
    yaml: string;
    /** Checks on the parsed file; `application` fields given here must deep-equal the parsed ones. */
    expect: Partial<Application> & { spec?: Kraftfile["spec"]; outdir?: string; extensions?: Record<string, unknown> };
}

const base = ["spec: v0.6", "name: app"];

const WELL_FORMED: GoodCase[] = [
    { title: "minimal v0.6 with a string target", yaml: y(...base, "targets: [qemu/x86_64]"),
        expect: { spec: "v0.6", name: "app", targets: [{ platform: "qemu", architecture: "x86_64" }], libraries: [], cmd: [], env: {}, kconfig: {} } },
    { title: "spec as the bare number 0.6", yaml: y("spec: 0.6", "name: app", "targets: [qemu/x86_64]"), expect: { spec: "v0.6" } },
    { title: "spec as the string \"0.6\"", yaml: y("spec: \"0.6\"", "name: app", "targets: [qemu/x86_64]"), expect: { spec: "v0.6" } },
    { title: "`specification` instead of `spec`", yaml: y("specification: v0.6", "name: app", "targets: [qemu/x86_64]"), expect: { spec: "v0.6" } },
    { title: "v0.5 with long target maps (architecture/platform)", yaml: y("specification: '0.5'", "name: app", "targets:", "  - architecture: x86_64", "    platform: kvm"),
        expect: { spec: "v0.5", targets: [{ platform: "qemu", architecture: "x86_64" }] } },
    { title: "kvm alias in the short form", yaml: y(...base, "targets: [kvm/x86_64]"), expect: { targets: [{ platform: "qemu", architecture: "x86_64" }] } },
    { title: "firecracker alias", yaml: y(...base, "targets: [firecracker/x86_64]"), expect: { targets: [{ platform: "fc", architecture: "x86_64" }] } },
    { title: "fc/arm64", yaml: y(...base, "targets: [fc/arm64]"), expect: { targets: [{ platform: "fc", architecture: "arm64" }] } },
    { title: "xen/x86_64 and qemu/arm", yaml: y(...base, "targets: [xen/x86_64, qemu/arm]"),
        expect: { targets: [{ platform: "xen", architecture: "x86_64" }, { platform: "qemu", architecture: "arm" }] } },
    { title: "aarch64 and amd64 aliases", yaml: y(...base, "targets: [qemu/aarch64, qemu/amd64]"),
        expect: { targets: [{ platform: "qemu", architecture: "arm64" }, { platform: "qemu", architecture: "x86_64" }] } },
    { title: "target map with plat/arch short keys", yaml: y(...base, "targets:", "  - plat: qemu", "    arch: x86_64"), expect: { targets: [{ platform: "qemu", architecture: "x86_64" }] } },
    { title: "target map with name and kconfig map", yaml: y(...base, "targets:", "  - name: debug", "    platform: qemu", "    architecture: x86_64", "    kconfig:", "      CONFIG_LIBUKDEBUG_PRINTD: y"),
        expect: { targets: [{ platform: "qemu", architecture: "x86_64", name: "debug", kconfig: { CONFIG_LIBUKDEBUG_PRINTD: "y" } }] } },
    { title: "target kconfig as a KEY=VALUE list", yaml: y(...base, "targets:", "  - plat: fc", "    arch: x86_64", "    kconfig: [CONFIG_KVM_VMM_FIRECRACKER=y]"),
        expect: { targets: [{ platform: "fc", architecture: "x86_64", kconfig: { CONFIG_KVM_VMM_FIRECRACKER: "y" } }] } },
    { title: "two targets on one plat/arch with different names", yaml: y(...base, "targets:", "  - {name: a, plat: qemu, arch: x86_64}", "  - {name: b, plat: qemu, arch: x86_64}"),
        expect: { targets: [{ name: "a", platform: "qemu", architecture: "x86_64" }, { name: "b", platform: "qemu", architecture: "x86_64" }] } },
    { title: "library short version", yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  musl: stable"), expect: { libraries: [{ name: "musl", version: "stable" }] } },
    { title: "library numeric version keeps its digits", yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  musl: 0.10"), expect: { libraries: [{ name: "musl", version: "0.10" }] } },
    { title: "library short source URL", yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  musl: https://github.com/unikraft/lib-musl.git"),
        expect: { libraries: [{ name: "musl", source: "https://github.com/unikraft/lib-musl.git" }] } },
    { title: "library long form with source, version and kconfig", yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  lwip:", "    source: ../lib-lwip", "    version: staging", "    kconfig:", "      CONFIG_LWIP_IPV6: y"),
        expect: { libraries: [{ name: "lwip", source: "../lib-lwip", version: "staging", kconfig: { CONFIG_LWIP_IPV6: "y" } }] } },
    { title: "library with no value (default version)", yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  pthread-embedded:"), expect: { libraries: [{ name: "pthread-embedded" }] } },
    { title: "library kconfig as a list", yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  lwip:", "    kconfig: [CONFIG_LWIP_TCP=y, CONFIG_LWIP_UDP=n]"),
        expect: { libraries: [{ name: "lwip", kconfig: { CONFIG_LWIP_TCP: "y", CONFIG_LWIP_UDP: "n" } }] } },
    { title: "unikraft short version", yaml: y(...base, "unikraft: stable", "targets: [qemu/x86_64]"), expect: { unikraft: { version: "stable" } } },
    { title: "unikraft long form; its kconfig becomes the application kconfig", yaml: y(...base, "unikraft:", "  version: v0.17.0", "  kconfig:", "    CONFIG_LIBPOSIX_ENVIRON: y", "targets: [qemu/x86_64]"),
        expect: { unikraft: { version: "v0.17.0" }, kconfig: { CONFIG_LIBPOSIX_ENVIRON: "y" } } },
    { title: "unikraft kconfig booleans and numbers become Kconfig text", yaml: y(...base, "unikraft:", "  kconfig:", "    CONFIG_A: true", "    CONFIG_B: false", "    CONFIG_STACK_SIZE: 4096", "targets: [qemu/x86_64]"),
        expect: { kconfig: { CONFIG_A: "y", CONFIG_B: "n", CONFIG_STACK_SIZE: "4096" } } },
    { title: "unikraft source as a short string", yaml: y(...base, "unikraft: ./unikraft", "targets: [qemu/x86_64]"), expect: { unikraft: { source: "./unikraft" } } },
    { title: "cmd string split like a shell", yaml: y(...base, "targets: [qemu/x86_64]", "cmd: \"/bin/app --name 'hello world' -v\""), expect: { cmd: ["/bin/app", "--name", "hello world", "-v"] } },
    { title: "cmd list", yaml: y(...base, "targets: [qemu/x86_64]", "cmd: [/usr/bin/nginx, -c, /etc/nginx/nginx.conf]"), expect: { cmd: ["/usr/bin/nginx", "-c", "/etc/nginx/nginx.conf"] } },
    { title: "cmd keeps $VARS literal", yaml: y(...base, "targets: [qemu/x86_64]", "cmd: echo $HOME"), expect: { cmd: ["echo", "$HOME"] } },
    { title: "env map with a number", yaml: y(...base, "targets: [qemu/x86_64]", "env:", "  PORT: 8080", "  MODE: prod"), expect: { env: { PORT: "8080", MODE: "prod" } } },
    { title: "env KEY=VALUE list, value with =", yaml: y(...base, "targets: [qemu/x86_64]", "env: [A=1, B=x=y]"), expect: { env: { A: "1", B: "x=y" } } },
    { title: "rootfs as a path", yaml: y(...base, "targets: [qemu/x86_64]", "rootfs: ./Dockerfile"), expect: { rootfs: { source: "./Dockerfile" } } },
    { title: "v0.7 long-form rootfs", yaml: y("spec: v0.7", "name: app", "targets: [qemu/x86_64]", "rootfs:", "  source: ./rootfs", "  format: erofs", "  type: initrd"),
        expect: { spec: "v0.7", rootfs: { source: "./rootfs", format: "erofs", type: "initrd" } } },
    { title: "v0.7 roms as strings and maps", yaml: y("spec: v0.7", "name: app", "targets: [qemu/x86_64]", "roms:", "  - ./rom0", "  - {source: ./rom1, format: cpio}"),
        expect: { roms: [{ source: "./rom0" }, { source: "./rom1", format: "cpio" }] } },
    { title: "volumes as strings and maps", yaml: y(...base, "targets: [qemu/x86_64]", "volumes:", "  - ./fs0:/", "  - ./data:/data:ro", "  - {source: ./logs, destination: /logs, driver: 9pfs}"),
        expect: { volumes: [{ source: "./fs0", destination: "/" }, { source: "./data", destination: "/data", readonly: true }, { source: "./logs", destination: "/logs", driver: "9pfs" }] } },
    { title: "labels", yaml: y(...base, "targets: [qemu/x86_64]", "labels:", "  org.example/team: edge"), expect: { labels: { "org.example/team": "edge" } } },
    { title: "runtime only, no targets", yaml: y(...base, "runtime: unikraft.org/nginx:1.25", "rootfs: ./rootfs"), expect: { runtime: "unikraft.org/nginx:1.25", targets: [] } },
    { title: "name taken from the directory when missing", yaml: y("spec: v0.6", "targets: [qemu/x86_64]"), expect: { name: "from-dir" } },
    { title: "memory in our x-unikernel extension", yaml: y(...base, "targets: [qemu/x86_64]", "x-unikernel:", "  memory: 64M"), expect: { memory: 64 } },
    { title: "other x- extensions are kept", yaml: y(...base, "targets: [qemu/x86_64]", "x-ci:", "  cache: true"), expect: { extensions: { "x-ci": { cache: true } } } },
    { title: "template", yaml: y(...base, "template: https://github.com/unikraft/app-helloworld.git", "targets: [qemu/x86_64]"), expect: { template: { source: "https://github.com/unikraft/app-helloworld.git" } } },
    { title: "outdir", yaml: y(...base, "outdir: build", "targets: [qemu/x86_64]"), expect: { outdir: "build" } },
    { title: "YAML anchors and aliases", yaml: y(...base, "x-kc: &kc", "  CONFIG_LIBUKNETDEV: y", "unikraft:", "  kconfig: *kc", "targets: [qemu/x86_64]"),
        expect: { kconfig: { CONFIG_LIBUKNETDEV: "y" } } },
    { title: "comments, empty env and cmd lists", yaml: y("# app", ...base, "targets: [qemu/x86_64] # one", "cmd: []", "env: {}"), expect: { cmd: [], env: {} } },
    { title: "a full nginx-style Kraftfile", yaml: y("spec: v0.6", "name: nginx", "runtime: base:latest", "rootfs: ./Dockerfile", "cmd: [\"/usr/bin/nginx\", \"-c\", \"/etc/nginx/nginx.conf\"]",
        "unikraft:", "  version: stable", "  kconfig:", "    CONFIG_LIBPOSIX_ENVIRON: y", "libraries:", "  musl: stable", "  lwip: stable", "targets:", "  - qemu/x86_64", "  - fc/x86_64"),
        expect: { name: "nginx", libraries: [{ name: "musl", version: "stable" }, { name: "lwip", version: "stable" }], targets: [{ platform: "qemu", architecture: "x86_64" }, { platform: "fc", architecture: "x86_64" }] } },
];

interface BadCase {
    title: string;
    yaml: string;
    /** The property path of the expected problem. */
    path: string;
    /** A fragment the problem's message must contain. */
    fragment: string;
    /** The line the problem must point at, when the test pins it. */
    line?: number;
}

const t = "targets: [qemu/x86_64]";

const MALFORMED: BadCase[] = [
    { title: "empty file", yaml: "", path: "", fragment: "the Kraftfile is empty" },
    { title: "a list instead of a map", yaml: y("- spec: v0.6"), path: "", fragment: "the Kraftfile is a list; expected a map" },
    { title: "a scalar document", yaml: y("hello"), path: "", fragment: "the Kraftfile is \"hello\"" },
    { title: "missing spec", yaml: y("name: app", t), path: "spec", fragment: "missing; add `spec: v0.6`" },
    { title: "unknown spec version", yaml: y("spec: v0.9", "name: app", t), path: "spec", fragment: "got \"v0.9\"; expected one of v0.5, v0.6, v0.7", line: 1 },
    { title: "spec and specification together", yaml: y("spec: v0.6", "specification: v0.6", "name: app", t), path: "specification", fragment: "both `spec` and `specification` are set", line: 2 },
    { title: "boolean spec", yaml: y("spec: true", "name: app", t), path: "spec", fragment: "got boolean true" },
    { title: "name with a space", yaml: y("spec: v0.6", "name: my app", t), path: "name", fragment: "got \"my app\"; expected 1 to 63 letters", line: 2 },
    { title: "name as a list", yaml: y("spec: v0.6", "name: [a]", t), path: "name", fragment: "got a list" },
    { title: "unknown top-level key", yaml: y(...base, t, "librarys: {}"), path: "librarys", fragment: "unknown key \"librarys\"", line: 4 },
    { title: "targets as a map", yaml: y(...base, "targets: {qemu: x86_64}"), path: "targets", fragment: "expected a list of targets" },
    { title: "unknown platform", yaml: y(...base, "targets: [qemu/x86_64, vmware/x86_64]"), path: "targets[1].platform", fragment: "got \"vmware\"; expected one of qemu, fc, xen" },
    { title: "linuxu platform", yaml: y(...base, "targets: [linuxu/x86_64]"), path: "targets[0].platform", fragment: "linuxu was removed from Unikraft core in 0.17" },
    { title: "unknown architecture", yaml: y(...base, "targets: [qemu/riscv64]"), path: "targets[0].architecture", fragment: "got \"riscv64\"; expected one of x86_64, arm64, arm" },
    { title: "target without a slash", yaml: y(...base, "targets: [qemu]"), path: "targets[0]", fragment: "got \"qemu\"; expected \"plat/arch\"" },
    { title: "target with three parts", yaml: y(...base, "targets: [qemu/x86_64/extra]"), path: "targets[0]", fragment: "expected \"plat/arch\"" },
    { title: "target map without an architecture", yaml: y(...base, "targets:", "  - plat: qemu"), path: "targets[0].architecture", fragment: "missing; set \"arch\" or \"architecture\"", line: 4 },
    { title: "target map with plat and platform", yaml: y(...base, "targets:", "  - plat: qemu", "    platform: kvm", "    arch: x86_64"), path: "targets[0].platform", fragment: "both \"plat\" and \"platform\" are set", line: 5 },
    { title: "target map with an unknown key", yaml: y(...base, "targets:", "  - {plat: qemu, arch: x86_64, cpu: 2}"), path: "targets[0].cpu", fragment: "unknown key \"cpu\"" },
    { title: "target as a number", yaml: y(...base, "targets: [5]"), path: "targets[0]", fragment: "got \"5\"; expected \"plat/arch\"" },
    { title: "target as a boolean", yaml: y(...base, "targets: [true]"), path: "targets[0]", fragment: "got boolean true" },
    { title: "the same target twice", yaml: y(...base, "targets: [qemu/x86_64, kvm/x86_64]"), path: "targets[1]", fragment: "repeats targets[0] (\"qemu/x86_64\")" },
    { title: "no targets and no runtime", yaml: y(...base), path: "targets", fragment: "is empty; declare at least one target" },
    { title: "an empty target list", yaml: y(...base, "targets: []"), path: "targets", fragment: "is empty" },
    { title: "libraries as a list", yaml: y(...base, t, "libraries: [musl]"), path: "libraries", fragment: "expected a map of library name to version" },
    { title: "library as a boolean", yaml: y(...base, t, "libraries:", "  musl: true"), path: "libraries.musl", fragment: "got boolean true", line: 5 },
    { title: "library name with a space", yaml: y(...base, t, "libraries:", "  \"lib musl\": stable"), path: "libraries[\"lib musl\"]", fragment: "library name \"lib musl\" is not valid" },
    { title: "library with an unknown key", yaml: y(...base, t, "libraries:", "  musl:", "    branch: main"), path: "libraries.musl.branch", fragment: "unknown key \"branch\"" },
    { title: "library kconfig key without CONFIG_", yaml: y(...base, t, "libraries:", "  lwip:", "    kconfig:", "      LWIP_IPV6: y"), path: "libraries.lwip.kconfig.LWIP_IPV6", fragment: "key \"LWIP_IPV6\" is not valid; expected a Kconfig symbol" },
    { title: "library kconfig list entry without =", yaml: y(...base, t, "libraries:", "  lwip:", "    kconfig: [CONFIG_LWIP_IPV6]"), path: "libraries.lwip.kconfig[0]", fragment: "expected \"KEY=VALUE\"" },
    { title: "library version as a list", yaml: y(...base, t, "libraries:", "  musl:", "    version: [1]"), path: "libraries.musl.version", fragment: "got a list; expected a non-empty string" },
    { title: "unikraft as a boolean", yaml: y(...base, t, "unikraft: true"), path: "unikraft", fragment: "got boolean true" },
    { title: "unikraft kconfig key set twice", yaml: y(...base, t, "unikraft:", "  kconfig: [CONFIG_A=y, CONFIG_A=n]"), path: "unikraft.kconfig[1]", fragment: "key \"CONFIG_A\" is set twice" },
    { title: "kconfig value as a map", yaml: y(...base, t, "unikraft:", "  kconfig:", "    CONFIG_A: {x: 1}"), path: "unikraft.kconfig.CONFIG_A", fragment: "got a map; expected a string, number or boolean" },
    { title: "kconfig as a string", yaml: y(...base, t, "unikraft:", "  kconfig: CONFIG_A=y"), path: "unikraft.kconfig", fragment: "expected a map, or a list of \"KEY=VALUE\" strings" },
    { title: "cmd as a map", yaml: y(...base, t, "cmd: {a: b}"), path: "cmd", fragment: "expected a command string or a list of arguments" },
    { title: "cmd with a pipe", yaml: y(...base, t, "cmd: \"app | tee log\""), path: "cmd", fragment: "shell syntax \"|\" has no shell to run it in a unikernel" },
    { title: "cmd with a glob", yaml: y(...base, t, "cmd: \"app *.conf\""), path: "cmd", fragment: "shell syntax \"*.conf\"" },
    { title: "cmd list with a map element", yaml: y(...base, t, "cmd: [app, {a: b}]"), path: "cmd[1]", fragment: "got a map; expected a non-empty string" },
    { title: "env key starting with a digit", yaml: y(...base, t, "env:", "  1X: a"), path: "env[\"1X\"]", fragment: "key \"1X\" is not valid; expected an environment variable name" },
    { title: "env list entry without =", yaml: y(...base, t, "env: [DEBUG]"), path: "env[0]", fragment: "expected \"KEY=VALUE\"" },
    { title: "env value as a list", yaml: y(...base, t, "env:", "  A: [1]"), path: "env.A", fragment: "got a list; expected a string, number or boolean" },
    { title: "long-form rootfs under v0.6", yaml: y(...base, t, "rootfs: {source: ./fs}"), path: "rootfs", fragment: "needs spec v0.7 (the file declares v0.6)" },
    { title: "rootfs format unknown", yaml: y("spec: v0.7", "name: app", t, "rootfs: {source: ./fs, format: ext4}"), path: "rootfs.format", fragment: "got \"ext4\"; expected one of cpio, erofs" },
    { title: "rootfs map without source", yaml: y("spec: v0.7", "name: app", t, "rootfs: {format: cpio}"), path: "rootfs.source", fragment: "expected a path to a directory, Dockerfile or archive" },
    { title: "rootfs empty string", yaml: y(...base, t, "rootfs: \"\""), path: "rootfs", fragment: "got an empty string" },
    { title: "roms under v0.6", yaml: y(...base, t, "roms: [./rom]"), path: "roms", fragment: "needs spec v0.7 (the file declares v0.6)" },
    { title: "volume string without a destination", yaml: y(...base, t, "volumes: [./fs0]"), path: "volumes[0]", fragment: "expected \"source:/destination\"" },
    { title: "volume map without destination", yaml: y(...base, t, "volumes:", "  - source: ./fs0"), path: "volumes[0].destination", fragment: "expected an absolute mount point" },
    { title: "memory not a size", yaml: y(...base, t, "x-unikernel:", "  memory: lots"), path: "x-unikernel.memory", fragment: "got \"lots\"; expected a whole number of MiB" },
    { title: "unknown key in our extension", yaml: y(...base, t, "x-unikernel:", "  cpus: 2"), path: "x-unikernel.cpus", fragment: "unknown key \"cpus\"; expected memory" },
    { title: "YAML syntax error", yaml: y(...base, "targets: [qemu/x86_64"), path: "", fragment: "YAML syntax error" },
    { title: "duplicate key", yaml: y(...base, t, "name: other"), path: "", fragment: "duplicate key", line: 4 },
    { title: "template with kconfig", yaml: y(...base, t, "template:", "  version: stable", "  kconfig: {CONFIG_A: y}"), path: "template.kconfig", fragment: "is not applied by kraft" },
    { title: "labels value as a map", yaml: y(...base, t, "labels:", "  team: {a: b}"), path: "labels.team", fragment: "got a map" },
    { title: "runtime as a list", yaml: y(...base, t, "runtime: [base]"), path: "runtime", fragment: "expected a runtime reference" },
    { title: "outdir as a map", yaml: y(...base, t, "outdir: {}"), path: "outdir", fragment: "expected a directory path" },
];

describe("parseKraftfile", () => {
    context("with well-formed Kraftfiles", () => {
        it("has at least 30 cases", () => assert.ok(WELL_FORMED.length >= 30, `${WELL_FORMED.length} cases`));
        for (const c of WELL_FORMED) {
            it(`reads ${c.title}, and round-trips through emitKraftfile`, () => {
                const parsed = parseKraftfile(c.yaml, { file: "Kraftfile", defaultName: "from-dir" });
                assert.deepEqual(parsed.problems, [], `unexpected problems for:\n${c.yaml}`);
                const file = parsed.value!;
                const { spec, outdir, extensions, ...appFields } = c.expect;
                if (spec) assert.equal(file.spec, spec);
                if (outdir) assert.equal(file.outdir, outdir);
                if (extensions) assert.deepEqual(file.extensions, extensions);
                for (const [key, value] of Object.entries(appFields)) {
                    assert.deepEqual(file.application[key as keyof Application], value, `application.${key}`);
                }
                const again = parseKraftfile(emitKraftfile(file), { file: "emitted" });
                assert.deepEqual(again.problems, [], `emitted Kraftfile does not parse:\n${emitKraftfile(file)}`);
                assert.deepEqual(again.value!.application, file.application);
                assert.deepEqual(again.value!.extensions, file.extensions);
                assert.equal(again.value!.outdir, file.outdir);
            });
        }
    });

    context("with malformed Kraftfiles", () => {
        it("has at least 40 cases", () => assert.ok(MALFORMED.length >= 40, `${MALFORMED.length} cases`));
        for (const c of MALFORMED) {
            it(`rejects ${c.title} at \`${c.path || "(document)"}\``, () => {
                const parsed = parseKraftfile(c.yaml, { file: "bad/Kraftfile" });
                assert.equal(parsed.value, undefined);
                const match = parsed.problems.find((p) => p.path === c.path && p.message.includes(c.fragment));
                assert.ok(match, `no problem at "${c.path}" containing ${JSON.stringify(c.fragment)}; got:\n${JSON.stringify(parsed.problems, null, 2)}`);
                assert.equal(match.file, "bad/Kraftfile");
                if (c.line !== undefined) assert.equal(match.line, c.line);
            });
        }
    });

    context("with several problems in one file", () => {
        it("reports all of them at once, in line order, each with its line", () => {
            const parsed = parseKraftfile(y("spec: v0.6", "name: bad app", "targets:", "  - vmware/x86_64", "  - qemu/sparc", "libraries:", "  musl: true", "cmd: \"a | b\""), { file: "Kraftfile" });
            assert.deepEqual(parsed.problems.map((p) => [p.path, p.line]), [
                ["name", 2], ["targets[0].platform", 4], ["targets[1].architecture", 5], ["libraries.musl", 7], ["cmd", 8],
            ]);
        });
    });

    context("with a missing key", () => {
        it("points at the map the key is missing from", () => {
            const parsed = parseKraftfile(y(...base, "targets:", "  - name: x", "    arch: x86_64"));
            assert.equal(parsed.problems[0].path, "targets[0].platform");
            assert.equal(parsed.problems[0].line, 4);
        });
    });
});

describe("readKraftfile", () => {
    it("throws a ValidationError that lists every problem", () => {
        assert.throws(() => readKraftfile(y("spec: v9", "name: a b"), { file: "K" }), (e: unknown) => {
            assert.ok(e instanceof ValidationError);
            assert.equal(e.problems.length, 3);
            assert.match(e.message, /K has 3 problems/);
            assert.match(e.message, /K:1: `spec`: got "v9"/);
            return true;
        });
    });
});

describe("emitKraftfile", () => {
    it("writes canonical names, short forms and a fixed key order", () => {
        const text = emitKraftfile(readKraftfile(y("specification: 0.6", "targets:", "  - platform: kvm", "    architecture: x86_64", "libraries:", "  musl:", "    version: stable", "name: app")));
        assert.equal(text, y("spec: v0.6", "name: app", "libraries:", "  musl: stable", "targets:", "  - qemu/x86_64"));
    });

    it("upgrades the spec to v0.7 when the application uses long-form rootfs", () => {
        const text = emitKraftfile({ name: "a", libraries: [], targets: [{ platform: "qemu", architecture: "x86_64" }], cmd: [], env: {}, kconfig: {}, rootfs: { source: "./fs", format: "erofs" } });
        assert.match(text, /^spec: v0\.7$/m);
        assert.equal(readKraftfile(text).spec, "v0.7");
    });

    it("writes a version that looks like a path in the long form so it reads back as a version", () => {
        const app: Application = { name: "a", libraries: [{ name: "musl", version: "./weird" }], targets: [{ platform: "qemu", architecture: "x86_64" }], cmd: [], env: {}, kconfig: {} };
        assert.deepEqual(readKraftfile(emitKraftfile(app)).application.libraries, [{ name: "musl", version: "./weird" }]);
    });
});

describe("pickKraftfileName", () => {
    const table: [string[], string | undefined][] = [
        [["Kraftfile"], "Kraftfile"],
        [["Kraftfile", "kraft.yaml"], "kraft.yaml"],
        [["Kraftfile.yaml", "Kraftfile.yml"], "Kraftfile.yml"],
        [["kraft.yml", "Kraftfile"], "kraft.yml"],
        [["README.md", "config.json"], undefined],
    ];
    for (const [names, expected] of table) {
        it(`picks ${expected ?? "nothing"} from ${names.join(", ")}`, () => assert.equal(pickKraftfileName(names), expected));
    }
});
