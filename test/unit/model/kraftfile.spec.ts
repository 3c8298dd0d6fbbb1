import { strict as assert } from "assert";
import {
    Application,
    Kraftfile,
    emitKraftfile,
    parseKraftfile,
    pickKraftfileName,
    readKraftfile,
    ValidationError,
} from "../../../src/model";

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
    {
        title: "minimal v0.6 with a string target",
        yaml: y(...base, "targets: [qemu/x86_64]"),
        expect: {
            spec: "v0.6",
            name: "app",
            targets: [{ platform: "qemu", architecture: "x86_64" }],
            libraries: [],
            cmd: [],
            env: {},
            kconfig: {},
        },
    },
    {
        title: "spec as a semantic version with a patch part",
        yaml: y("spec: '0.12.0'", "name: app", "targets: [qemu/x86_64]"),
        expect: { spec: "v0.12.0" },
    },
    {
        title: 'spec as the string "0.6"',
        yaml: y('spec: "0.6"', "name: app", "targets: [qemu/x86_64]"),
        expect: { spec: "v0.6" },
    },
    {
        title: "`specification` instead of `spec`",
        yaml: y("specification: v0.6", "name: app", "targets: [qemu/x86_64]"),
        expect: { spec: "v0.6" },
    },
    {
        title: "v0.5 with long target maps (architecture/platform)",
        yaml: y("specification: '0.5'", "name: app", "targets:", "  - architecture: x86_64", "    platform: kvm"),
        expect: { spec: "v0.5", targets: [{ platform: "qemu", architecture: "x86_64" }] },
    },
    {
        title: "kvm alias in the short form",
        yaml: y(...base, "targets: [kvm/x86_64]"),
        expect: { targets: [{ platform: "qemu", architecture: "x86_64" }] },
    },
    {
        title: "firecracker alias",
        yaml: y(...base, "targets: [firecracker/x86_64]"),
        expect: { targets: [{ platform: "fc", architecture: "x86_64" }] },
    },
    {
        title: "fc/arm64",
        yaml: y(...base, "targets: [fc/arm64]"),
        expect: { targets: [{ platform: "fc", architecture: "arm64" }] },
    },
    {
        title: "xen/x86_64 and qemu/arm",
        yaml: y(...base, "targets: [xen/x86_64, qemu/arm]"),
        expect: {
            targets: [
                { platform: "xen", architecture: "x86_64" },
                { platform: "qemu", architecture: "arm" },
            ],
        },
    },
    {
        title: "aarch64 and amd64 aliases",
        yaml: y(...base, "targets: [qemu/aarch64, qemu/amd64]"),
        expect: {
            targets: [
                { platform: "qemu", architecture: "arm64" },
                { platform: "qemu", architecture: "x86_64" },
            ],
        },
    },
    {
        title: "target map with plat/arch short keys",
        yaml: y(...base, "targets:", "  - plat: qemu", "    arch: x86_64"),
        expect: { targets: [{ platform: "qemu", architecture: "x86_64" }] },
    },
    {
        title: "target map with name and kconfig map",
        yaml: y(
            ...base,
            "targets:",
            "  - name: debug",
            "    platform: qemu",
            "    architecture: x86_64",
            "    kconfig:",
            "      CONFIG_LIBUKDEBUG_PRINTD: y",
        ),
        expect: {
            targets: [
                { platform: "qemu", architecture: "x86_64", name: "debug", kconfig: { CONFIG_LIBUKDEBUG_PRINTD: "y" } },
            ],
        },
    },
    {
        title: "target kconfig as a KEY=VALUE list",
        yaml: y(...base, "targets:", "  - plat: fc", "    arch: x86_64", "    kconfig: [CONFIG_KVM_VMM_FIRECRACKER=y]"),
        expect: { targets: [{ platform: "fc", architecture: "x86_64", kconfig: { CONFIG_KVM_VMM_FIRECRACKER: "y" } }] },
    },
    {
        title: "two targets on one plat/arch with different names",
        yaml: y(
            ...base,
            "targets:",
            "  - {name: a, plat: qemu, arch: x86_64}",
            "  - {name: b, plat: qemu, arch: x86_64}",
        ),
        expect: {
            targets: [
                { name: "a", platform: "qemu", architecture: "x86_64" },
                { name: "b", platform: "qemu", architecture: "x86_64" },
            ],
        },
    },
    {
        title: "library short version",
        yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  musl: stable"),
        expect: { libraries: [{ name: "musl", version: "stable" }] },
    },
    {
        title: "library numeric version keeps its digits",
        yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  musl: 0.10"),
        expect: { libraries: [{ name: "musl", version: "0.10" }] },
    },
    {
        title: "library short source URL",
        yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  musl: https://github.com/unikraft/lib-musl.git"),
        expect: { libraries: [{ name: "musl", source: "https://github.com/unikraft/lib-musl.git" }] },
    },
    {
        title: "library long form with source, version and kconfig",
        yaml: y(
            ...base,
            "targets: [qemu/x86_64]",
            "libraries:",
            "  lwip:",
            "    source: ../lib-lwip",
            "    version: staging",
            "    kconfig:",
            "      CONFIG_LWIP_IPV6: y",
        ),
        expect: {
            libraries: [
                { name: "lwip", source: "../lib-lwip", version: "staging", kconfig: { CONFIG_LWIP_IPV6: "y" } },
            ],
        },
    },
    {
        title: "library as an empty map (default version)",
        yaml: y(...base, "targets: [qemu/x86_64]", "libraries:", "  pthread-embedded: {}"),
        expect: { libraries: [{ name: "pthread-embedded" }] },
    },
    {
        title: "library as name@version",
        yaml: y(...base, "template: app-elfloader@staging", "targets: [qemu/x86_64]"),
        expect: { template: { source: "app-elfloader", version: "staging" } },
    },
    {
        title: "library kconfig as a list",
        yaml: y(
            ...base,
            "targets: [qemu/x86_64]",
            "libraries:",
            "  lwip:",
            "    kconfig: [CONFIG_LWIP_TCP=y, CONFIG_LWIP_UDP=n]",
        ),
        expect: { libraries: [{ name: "lwip", kconfig: { CONFIG_LWIP_TCP: "y", CONFIG_LWIP_UDP: "n" } }] },
    },
    {
        title: "unikraft short version",
        yaml: y(...base, "unikraft: stable", "targets: [qemu/x86_64]"),
        expect: { unikraft: { version: "stable" } },
    },
    {
        title: "unikraft long form; its kconfig becomes the application kconfig",
        yaml: y(
            ...base,
            "unikraft:",
            "  version: v0.17.0",
            "  kconfig:",
            "    CONFIG_LIBPOSIX_ENVIRON: y",
            "targets: [qemu/x86_64]",
        ),
        expect: { unikraft: { version: "v0.17.0" }, kconfig: { CONFIG_LIBPOSIX_ENVIRON: "y" } },
    },
    {
        title: "unikraft kconfig booleans and numbers become Kconfig text",
        yaml: y(
            ...base,
            "unikraft:",
            "  kconfig:",
            "    CONFIG_A: true",
            "    CONFIG_B: false",
            "    CONFIG_STACK_SIZE: 4096",
            "targets: [qemu/x86_64]",
        ),
        expect: { kconfig: { CONFIG_A: "y", CONFIG_B: "n", CONFIG_STACK_SIZE: "4096" } },
    },
    {
        title: "unikraft source as a short string",
        yaml: y(...base, "unikraft: ./unikraft", "targets: [qemu/x86_64]"),
        expect: { unikraft: { source: "./unikraft" } },
    },
    {
        title: "cmd string split like a shell",
        yaml: y(...base, "targets: [qemu/x86_64]", "cmd: \"/bin/app --name 'hello world' -v\""),
        expect: { cmd: ["/bin/app", "--name", "hello world", "-v"] },
    },
    {
        title: "cmd list",
        yaml: y(...base, "targets: [qemu/x86_64]", "cmd: [/usr/bin/nginx, -c, /etc/nginx/nginx.conf]"),
        expect: { cmd: ["/usr/bin/nginx", "-c", "/etc/nginx/nginx.conf"] },
    },
    {
        title: "cmd keeps $$VARS as a literal $VARS",
        yaml: y(...base, "targets: [qemu/x86_64]", "cmd: echo $$HOME"),
        expect: { cmd: ["echo", "$HOME"] },
    },
    {
        title: "env with ${VAR:-default} takes the default (kraft interpolates)",
        yaml: y(...base, "targets: [qemu/x86_64]", "env:", "  PORT: ${PORT:-8080}"),
        expect: { env: { PORT: "8080" } },
    },
    {
        title: "env map with a number",
        yaml: y(...base, "targets: [qemu/x86_64]", "env:", "  PORT: 8080", "  MODE: prod"),
        expect: { env: { PORT: "8080", MODE: "prod" } },
    },
    {
        title: "env KEY=VALUE list, value with =",
        yaml: y(...base, "targets: [qemu/x86_64]", "env: [A=1, B=x=y]"),
        expect: { env: { A: "1", B: "x=y" } },
    },
    {
        title: "rootfs as a path",
        yaml: y(...base, "targets: [qemu/x86_64]", "rootfs: ./Dockerfile"),
        expect: { rootfs: { source: "./Dockerfile" } },
    },
    {
        title: "v0.7 long-form rootfs",
        yaml: y(
            "spec: v0.7",
            "name: app",
            "targets: [qemu/x86_64]",
            "rootfs:",
            "  source: ./rootfs",
            "  format: erofs",
            "  type: initrd",
        ),
        expect: { spec: "v0.7", rootfs: { source: "./rootfs", format: "erofs", type: "initrd" } },
    },
    {
        title: "v0.7 roms as strings and maps",
        yaml: y(
            "spec: v0.7",
            "name: app",
            "targets: [qemu/x86_64]",
            "roms:",
            "  - ./rom0",
            "  - {source: ./rom1, format: cpio}",
        ),
        expect: { roms: [{ source: "./rom0" }, { source: "./rom1", format: "cpio" }] },
    },
    {
        title: "volumes as strings and maps",
        yaml: y(
            ...base,
            "targets: [qemu/x86_64]",
            "volumes:",
            "  - ./fs0:/",
            "  - ./data",
            "  - {source: ./logs, destination: /logs, driver: 9pfs, readonly: true, mode: ro}",
        ),
        expect: {
            volumes: [
                { source: "./fs0", destination: "/" },
                { source: "./data", destination: "/" },
                { source: "./logs", destination: "/logs", driver: "9pfs", readonly: true, mode: "ro" },
            ],
        },
    },
    {
        title: "labels",
        yaml: y(...base, "targets: [qemu/x86_64]", "labels:", "  org.example/team: edge"),
        expect: { labels: { "org.example/team": "edge" } },
    },
    {
        title: "runtime only, no targets",
        yaml: y(...base, "runtime: unikraft.org/nginx:1.25", "rootfs: ./rootfs"),
        expect: { runtime: "unikraft.org/nginx:1.25", targets: [] },
    },
    {
        title: "name taken from the directory when missing",
        yaml: y("spec: v0.6", "targets: [qemu/x86_64]"),
        expect: { name: "from-dir" },
    },
    {
        title: "memory in our x-unikernel extension",
        yaml: y(...base, "targets: [qemu/x86_64]", "x-unikernel:", "  memory: 64M"),
        expect: { memory: 64 },
    },
    {
        title: "other x- extensions are kept",
        yaml: y(...base, "targets: [qemu/x86_64]", "x-ci:", "  cache: true"),
        expect: { extensions: { "x-ci": { cache: true } } },
    },
    {
        title: "template",
        yaml: y(...base, "template: https://github.com/unikraft/app-helloworld.git", "targets: [qemu/x86_64]"),
        expect: { template: { source: "https://github.com/unikraft/app-helloworld.git" } },
    },
    { title: "outdir", yaml: y(...base, "outdir: build", "targets: [qemu/x86_64]"), expect: { outdir: "build" } },
    {
        title: "YAML anchors and aliases",
        yaml: y(
            ...base,
            "x-kc: &kc",
            "  CONFIG_LIBUKNETDEV: y",
            "unikraft:",
            "  kconfig: *kc",
            "targets: [qemu/x86_64]",
        ),
        expect: { kconfig: { CONFIG_LIBUKNETDEV: "y" } },
    },
    {
        title: "comments, empty env and cmd lists",
        yaml: y("# app", ...base, "targets: [qemu/x86_64] # one", "cmd: []", "env: {}"),
        expect: { cmd: [], env: {} },
    },
    {
        title: "a full nginx-style Kraftfile",
        yaml: y(
            "spec: v0.6",
            "name: nginx",
            "runtime: base:latest",
            "rootfs: ./Dockerfile",
            'cmd: ["/usr/bin/nginx", "-c", "/etc/nginx/nginx.conf"]',
            "unikraft:",
            "  version: stable",
            "  kconfig:",
            "    CONFIG_LIBPOSIX_ENVIRON: y",
            "libraries:",
            "  musl: stable",
            "  lwip: stable",
            "targets:",
            "  - qemu/x86_64",
            "  - fc/x86_64",
        ),
        expect: {
            name: "nginx",
            libraries: [
                { name: "musl", version: "stable" },
                { name: "lwip", version: "stable" },
            ],
            targets: [
                { platform: "qemu", architecture: "x86_64" },
                { platform: "fc", architecture: "x86_64" },
            ],
        },
    },
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
    {
        title: "a list instead of a map",
        yaml: y("- spec: v0.6"),
        path: "",
        fragment: "the Kraftfile is a list; expected a map",
    },
    { title: "a scalar document", yaml: y("hello"), path: "", fragment: "the Kraftfile is a string; expected a map" },
    { title: "missing spec", yaml: y("name: app", t), path: "spec", fragment: "missing; add `spec: v0.6`" },
    {
        title: "spec that is not a version",
        yaml: y("spec: latest", "name: app", t),
        path: "spec",
        fragment: 'got "latest"; expected a version such as v0.6',
        line: 1,
    },
    {
        title: "spec as an unquoted number (a YAML float to kraft)",
        yaml: y("spec: 0.6", "name: app", t),
        path: "spec",
        fragment: "kraft reads the spec only as text (a YAML number is no spec to it): write `spec: v0.6`",
        line: 1,
    },
    {
        title: "spec and specification saying different versions",
        yaml: y("spec: v0.6", "specification: v0.5", "name: app", t),
        path: "spec",
        fragment: '`specification` says "v0.5" and `spec` says "v0.6"',
    },
    { title: "boolean spec", yaml: y("spec: true", "name: app", t), path: "spec", fragment: "got boolean true" },
    {
        title: "name that kraft normalizes to nothing",
        yaml: y("spec: v0.6", 'name: "!!!"', t),
        path: "name",
        fragment: "which kraft normalizes to nothing",
        line: 2,
    },
    {
        title: "name as a number",
        yaml: y("spec: v0.6", "name: 123", t),
        path: "name",
        fragment: "got the number 123; kraft needs a string",
    },
    { title: "name as a list", yaml: y("spec: v0.6", "name: [a]", t), path: "name", fragment: "got a list" },
    {
        title: "targets as a map",
        yaml: y(...base, "targets: {qemu: x86_64}"),
        path: "targets",
        fragment: "expected a list of targets",
    },
    {
        title: "unknown platform",
        yaml: y(...base, "targets: [qemu/x86_64, vmware/x86_64]"),
        path: "targets[1].platform",
        fragment: 'got "vmware"; expected one of qemu, fc, xen',
    },
    {
        title: "only a linuxu target",
        yaml: y(...base, "targets: [linuxu/x86_64]"),
        path: "targets",
        fragment: "has no target left that this package can build",
    },
    {
        title: "only an fc/arm target",
        yaml: y(...base, "targets: [fc/arm]"),
        path: "targets",
        fragment: "has no target left",
    },
    {
        title: "unknown architecture",
        yaml: y(...base, "targets: [qemu/riscv64]"),
        path: "targets[0].architecture",
        fragment: 'got "riscv64"; expected one of x86_64, arm64, arm',
    },
    {
        title: "target without a slash",
        yaml: y(...base, "targets: [qemu]"),
        path: "targets[0]",
        fragment: 'got "qemu"; expected "plat/arch"',
    },
    {
        title: "target with three parts",
        yaml: y(...base, "targets: [qemu/x86_64/extra]"),
        path: "targets[0]",
        fragment: 'expected "plat/arch"',
    },
    {
        title: "target map without an architecture",
        yaml: y(...base, "targets:", "  - plat: qemu"),
        path: "targets[0].architecture",
        fragment: 'missing; set "arch" or "architecture"',
        line: 4,
    },
    {
        title: "target map with plat and platform",
        yaml: y(...base, "targets:", "  - plat: qemu", "    platform: kvm", "    arch: x86_64"),
        path: "targets[0].platform",
        fragment: 'both "plat" and "platform" are set',
        line: 5,
    },
    {
        title: "target as a number",
        yaml: y(...base, "targets: [5]"),
        path: "targets[0]",
        fragment: 'got "5"; expected "plat/arch"',
    },
    {
        title: "target as a boolean",
        yaml: y(...base, "targets: [true]"),
        path: "targets[0]",
        fragment: "got boolean true",
    },
    {
        title: "the same target twice",
        yaml: y(...base, "targets: [qemu/x86_64, kvm/x86_64]"),
        path: "targets[1]",
        fragment: 'repeats targets[0] ("qemu/x86_64")',
    },
    {
        title: "no targets and no runtime",
        yaml: y(...base),
        path: "targets",
        fragment: "is empty; declare at least one target",
    },
    { title: "an empty target list", yaml: y(...base, "targets: []"), path: "targets", fragment: "is empty" },
    {
        title: "libraries as a list",
        yaml: y(...base, t, "libraries: [musl]"),
        path: "libraries",
        fragment: "expected a map of library name to version",
    },
    {
        title: "library as a boolean",
        yaml: y(...base, t, "libraries:", "  musl: true"),
        path: "libraries.musl",
        fragment: "got boolean true",
        line: 5,
    },
    {
        title: "library name with a space",
        yaml: y(...base, t, "libraries:", '  "lib musl": stable'),
        path: 'libraries["lib musl"]',
        fragment: 'library name "lib musl" is not valid',
    },
    {
        title: "library with an unknown key",
        yaml: y(...base, t, "libraries:", "  musl:", "    branch: main"),
        path: "libraries.musl.branch",
        fragment: 'unknown key "branch"',
    },
    {
        title: "library kconfig key without CONFIG_",
        yaml: y(...base, t, "libraries:", "  lwip:", "    kconfig:", "      LWIP_IPV6: y"),
        path: "libraries.lwip.kconfig.LWIP_IPV6",
        fragment: 'key "LWIP_IPV6" is not valid; expected a Kconfig symbol',
    },
    {
        title: "library kconfig list entry without =",
        yaml: y(...base, t, "libraries:", "  lwip:", "    kconfig: [CONFIG_LWIP_IPV6]"),
        path: "libraries.lwip.kconfig[0]",
        fragment: 'expected "KEY=VALUE"',
    },
    {
        title: "library version as a list",
        yaml: y(...base, t, "libraries:", "  musl:", "    version: [1]"),
        path: "libraries.musl.version",
        fragment: "got a list; expected a non-empty string",
    },
    {
        title: "unikraft as a boolean",
        yaml: y(...base, t, "unikraft: true"),
        path: "unikraft",
        fragment: "got boolean true",
    },
    {
        title: "unikraft kconfig list entry without a value",
        yaml: y(...base, t, "unikraft:", "  kconfig: [CONFIG_A=]"),
        path: "unikraft.kconfig[0]",
        fragment: "and a value",
    },
    {
        title: "unikraft kconfig map entry without a value",
        yaml: y(...base, t, "unikraft:", "  kconfig:", "    CONFIG_A:"),
        path: "unikraft.kconfig.CONFIG_A",
        fragment: "has no value; kraft requires one",
    },
    {
        title: "a library without a value",
        yaml: y(...base, t, "libraries:", "  musl:"),
        path: "libraries.musl",
        fragment: "has no value, which kraft refuses",
    },
    { title: "cmd as a number", yaml: y(...base, t, "cmd: 42"), path: "cmd", fragment: "got the number 42" },
    {
        title: "a number in the cmd list",
        yaml: y(...base, t, "cmd: [app, 8080]"),
        path: "cmd[1]",
        fragment: "is a number; kraft reads cmd as strings only",
    },
    {
        title: "a non-string key (YAML 1.1 on)",
        yaml: y(...base, t, "env:", "  on: 1"),
        path: "env",
        fragment: "is not a string; kraft refuses non-string keys",
    },
    {
        title: "a required variable that is not set",
        yaml: y(...base, t, "env:", "  TOKEN: ${TOKEN:?set TOKEN}"),
        path: "env.TOKEN",
        fragment: "required variable TOKEN is not set",
    },
    {
        title: "targets as null",
        yaml: y(...base, "targets:"),
        path: "targets",
        fragment: "targets section must be a list",
    },
    {
        title: "kconfig value as a map",
        yaml: y(...base, t, "unikraft:", "  kconfig:", "    CONFIG_A: {x: 1}"),
        path: "unikraft.kconfig.CONFIG_A",
        fragment: "got a map; expected a string, number or boolean",
    },
    {
        title: "kconfig as a string",
        yaml: y(...base, t, "unikraft:", "  kconfig: CONFIG_A=y"),
        path: "unikraft.kconfig",
        fragment: 'expected a map, or a list of "KEY=VALUE" strings',
    },
    {
        title: "cmd as a map",
        yaml: y(...base, t, "cmd: {a: b}"),
        path: "cmd",
        fragment: "expected a command string or a list of arguments",
    },
    {
        title: "cmd with a pipe",
        yaml: y(...base, t, 'cmd: "app | tee log"'),
        path: "cmd",
        fragment: 'shell syntax "|" has no shell to run it in a unikernel',
    },
    {
        title: "cmd with a glob",
        yaml: y(...base, t, 'cmd: "app *.conf"'),
        path: "cmd",
        fragment: 'shell syntax "*.conf"',
    },
    {
        title: "cmd list with a map element",
        yaml: y(...base, t, "cmd: [app, {a: b}]"),
        path: "cmd[1]",
        fragment: "got a map; expected a string",
    },
    {
        title: "env key starting with a digit",
        yaml: y(...base, t, "env:", "  1X: a"),
        path: 'env["1X"]',
        fragment: 'key "1X" is not valid; expected an environment variable name',
    },
    {
        title: "env list entry without =",
        yaml: y(...base, t, "env: [DEBUG]"),
        path: "env[0]",
        fragment: 'expected "KEY=VALUE"',
    },
    {
        title: "env value as a list",
        yaml: y(...base, t, "env:", "  A: [1]"),
        path: "env.A",
        fragment: "got a list; expected a string, number or boolean",
    },
    {
        title: "rootfs format unknown",
        yaml: y("spec: v0.7", "name: app", t, "rootfs: {source: ./fs, format: ext4}"),
        path: "rootfs.format",
        fragment: 'got "ext4"; expected one of cpio, erofs',
    },
    {
        title: "rootfs map without source",
        yaml: y("spec: v0.7", "name: app", t, "rootfs: {format: cpio}"),
        path: "rootfs.source",
        fragment: "expected a path to a directory, Dockerfile or archive",
    },
    {
        title: "rootfs empty string",
        yaml: y(...base, t, 'rootfs: ""'),
        path: "rootfs",
        fragment: "got an empty string",
    },
    {
        title: "volume string with three parts",
        yaml: y(...base, t, "volumes: [./fs0:/data:ro]"),
        path: "volumes[0]",
        fragment: "use the map form {source, destination, readonly: true}",
    },
    {
        title: "volume map without destination",
        yaml: y(...base, t, "volumes:", "  - source: ./fs0"),
        path: "volumes[0].destination",
        fragment: "expected an absolute mount point",
    },
    {
        title: "memory not a size",
        yaml: y(...base, t, "x-unikernel:", "  memory: lots"),
        path: "x-unikernel.memory",
        fragment: 'got "lots"; expected a whole number of MiB',
    },
    {
        title: "unknown key in our extension",
        yaml: y(...base, t, "x-unikernel:", "  cpus: 2"),
        path: "x-unikernel.cpus",
        fragment: 'unknown key "cpus"; expected memory',
    },
    { title: "YAML syntax error", yaml: y(...base, "targets: [qemu/x86_64"), path: "", fragment: "YAML syntax error" },
    {
        title: "template with kconfig",
        yaml: y(...base, t, "template:", "  version: stable", "  kconfig: {CONFIG_A: y}"),
        path: "template.kconfig",
        fragment: "is not applied by kraft",
    },
    {
        title: "labels value as a map",
        yaml: y(...base, t, "labels:", "  team: {a: b}"),
        path: "labels.team",
        fragment: "got a map",
    },
    {
        title: "runtime as a list",
        yaml: y(...base, t, "runtime: [base]"),
        path: "runtime",
        fragment: "expected a runtime reference",
    },
    {
        title: "outdir as a map",
        yaml: y(...base, t, "outdir: {}"),
        path: "outdir",
        fragment: "expected a directory path",
    },
];

interface WarnCase {
    title: string;
    yaml: string;
    /** Each expected warning: its path and a fragment of its message. */
    warnings: [string, string][];
    /** Checks on the parsed application. */
    expect?: Partial<Application>;
}

/** Files kraft loads, but where something deviates: valid, with warnings. */
const WITH_WARNINGS: WarnCase[] = [
    {
        title: "a name kraft normalizes",
        yaml: y("spec: v0.6", "name: helloworld-g++13.2", t),
        warnings: [["name", 'kraft normalizes to "helloworld-g132"']],
        expect: { name: "helloworld-g132" },
    },
    {
        title: "an upper-case name",
        yaml: y("spec: v0.6", "name: MyApp", t),
        warnings: [["name", 'normalizes to "myapp"']],
        expect: { name: "myapp" },
    },
    {
        title: "a repeated top-level key (the last wins)",
        yaml: y(...base, t, "name: other"),
        warnings: [["name", "is set twice in this map; kraft (non-strict YAML) keeps the last value"]],
        expect: { name: "other" },
    },
    {
        title: "a kconfig key repeated in list form",
        yaml: y(...base, t, "unikraft:", "  kconfig: [CONFIG_A=y, CONFIG_A=n]"),
        warnings: [["unikraft.kconfig[1]", 'kraft keeps this last value, "n"']],
        expect: { kconfig: { CONFIG_A: "n" } },
    },
    {
        title: "a kconfig key repeated in map form",
        yaml: y(...base, t, "unikraft:", "  kconfig:", "    CONFIG_A: y", "    CONFIG_A: n"),
        warnings: [["unikraft.kconfig.CONFIG_A", "is set twice"]],
        expect: { kconfig: { CONFIG_A: "n" } },
    },
    {
        title: "an unknown key (with a hint)",
        yaml: y(...base, t, "librarys: {}"),
        warnings: [["librarys", "kraft ignores it (did you mean `libraries`?)"]],
    },
    {
        title: "a v0.5 networks key",
        yaml: y("specification: '0.5'", "name: app", t, "networks:", "  default: {}"),
        warnings: [
            ["specification", "older than v0.6"],
            ["networks", "a v0.5 key that kraft no longer reads"],
        ],
    },
    {
        title: "v0.5 volumes as a map",
        yaml: y("spec: '0.5'", "name: app", t, "volumes:", "  data:", "    destination: /data"),
        warnings: [
            ["spec", "older than v0.6"],
            ["volumes", "the v0.5 layout"],
        ],
        expect: { volumes: [{ source: "data", destination: "/data" }] },
    },
    {
        title: "volumes as a single string",
        yaml: y(...base, t, "volumes: ./fs0:/"),
        warnings: [["volumes", "a single string"]],
        expect: { volumes: [{ source: "./fs0", destination: "/" }] },
    },
    {
        title: "a newer spec read by the v0.6 rules",
        yaml: y("spec: '0.12.0'", "name: app", t),
        warnings: [["spec", "reads by the v0.6 rules"]],
    },
    {
        title: "a linuxu target beside a usable one",
        yaml: y(...base, "targets: [linuxu/x86_64, qemu/x86_64]"),
        warnings: [["targets[0]", "linuxu runs the kernel as a Linux process"]],
        expect: { targets: [{ platform: "qemu", architecture: "x86_64" }] },
    },
    {
        title: "a linuxu target with the core pinned to a version that has it",
        yaml: y(...base, "unikraft: v0.16.3", "targets: [qemu/x86_64, {plat: linuxu, arch: x86_64}]"),
        warnings: [["targets[1]", "the core is pinned to v0.16.3, which still has it"]],
    },
    {
        title: "an fc/arm target beside a usable one",
        yaml: y(...base, "targets: [fc/arm, fc/x86_64]"),
        warnings: [["targets[0]", "Firecracker runs x86_64 and arm64 guests only"]],
    },
    {
        title: "an unknown target key",
        yaml: y(...base, "targets:", "  - {plat: qemu, arch: x86_64, cpu: 2}"),
        warnings: [["targets[0].cpu", "is not a target key"]],
    },
    {
        title: "long-form rootfs under v0.6",
        yaml: y(...base, t, "rootfs: {source: ./fs}"),
        warnings: [["rootfs", "came with spec v0.7"]],
        expect: { rootfs: { source: "./fs" } },
    },
    { title: "roms under v0.6", yaml: y(...base, t, "roms: [./rom]"), warnings: [["roms", "came with spec v0.7"]] },
    {
        title: "an unset variable",
        yaml: y(...base, t, "cmd: [/app, $MODE]"),
        warnings: [["cmd[1]", 'the variable MODE is not set, so kraft reads it as ""']],
        expect: { cmd: ["/app", ""] },
    },
    {
        title: "spec and specification saying the same",
        yaml: y("spec: v0.6", "specification: v0.6", "name: app", t),
        warnings: [["spec", "is set as both `spec` and `specification`"]],
    },
    {
        title: "a target with kraft's output key",
        yaml: y(...base, "targets:", "  - {plat: qemu, arch: x86_64, output: out/kernel}"),
        warnings: [],
        expect: { targets: [{ platform: "qemu", architecture: "x86_64", output: "out/kernel" }] },
    },
    {
        title: "YAML 1.1 booleans in env (yes reads as true, as yaml.v2 does)",
        yaml: y(...base, t, "env:", "  DEBUG: yes"),
        warnings: [],
        expect: { env: { DEBUG: "true" } },
    },
    {
        title: "a merge key",
        yaml: y(...base, t, 'x-base: &b {A: "1"}', "env:", "  <<: *b", '  B: "2"'),
        warnings: [],
        expect: { env: { A: "1", B: "2" } },
    },
];

describe("parseKraftfile", () => {
    context("with files that load with warnings", () => {
        for (const c of WITH_WARNINGS) {
            it(`reads ${c.title}: valid, with exactly these warnings, and round-trips`, () => {
                const parsed = parseKraftfile(c.yaml, { file: "Kraftfile" });
                assert.deepEqual(parsed.problems, [], c.yaml);
                assert.deepEqual(
                    parsed.warnings.map((w) => w.path),
                    c.warnings.map(([path]) => path),
                    JSON.stringify(parsed.warnings, null, 2),
                );
                c.warnings.forEach(([, fragment], i) =>
                    assert.ok(
                        parsed.warnings[i].message.includes(fragment),
                        `${parsed.warnings[i].message}\nlacks: ${fragment}`,
                    ),
                );
                for (const w of parsed.warnings) assert.equal(w.file, "Kraftfile");
                for (const [key, value] of Object.entries(c.expect ?? {})) {
                    assert.deepEqual(parsed.value!.application[key as keyof Application], value, `application.${key}`);
                }
                assert.deepEqual(parseKraftfile(emitKraftfile(parsed.value!)).value, parsed.value, "round trip");
            });
        }
    });

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
                assert.ok(
                    match,
                    `no problem at "${c.path}" containing ${JSON.stringify(c.fragment)}; got:\n${JSON.stringify(parsed.problems, null, 2)}`,
                );
                assert.equal(match.file, "bad/Kraftfile");
                if (c.line !== undefined) assert.equal(match.line, c.line);
            });
        }
    });

    context("with several problems in one file", () => {
        it("reports all of them at once, in line order, each with its line", () => {
            const parsed = parseKraftfile(
                y(
                    "spec: v0.6",
                    "name: 7",
                    "targets:",
                    "  - vmware/x86_64",
                    "  - qemu/sparc",
                    "libraries:",
                    "  musl: true",
                    'cmd: "a | b"',
                ),
                { file: "Kraftfile" },
            );
            assert.deepEqual(
                parsed.problems.map((p) => [p.path, p.line]),
                [
                    ["name", 2],
                    ["targets[0].platform", 4],
                    ["targets[1].architecture", 5],
                    ["libraries.musl", 7],
                    ["cmd", 8],
                ],
            );
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
        assert.throws(
            () => readKraftfile(y("spec: latest", 'name: "!!!"'), { file: "K" }),
            (e: unknown) => {
                assert.ok(e instanceof ValidationError);
                assert.equal(e.problems.length, 3);
                assert.match(e.message, /K has 3 problems/);
                assert.match(e.message, /K:1: `spec`: got "latest"/);
                return true;
            },
        );
    });
});

describe("emitKraftfile", () => {
    it("writes canonical names, short forms and a fixed key order", () => {
        const text = emitKraftfile(
            readKraftfile(
                y(
                    "specification: '0.6'",
                    "targets:",
                    "  - platform: kvm",
                    "    architecture: x86_64",
                    "libraries:",
                    "  musl:",
                    "    version: stable",
                    "name: app",
                ),
            ),
        );
        assert.equal(text, y("spec: v0.6", "name: app", "libraries:", "  musl: stable", "targets:", "  - qemu/x86_64"));
    });

    it("upgrades the spec only when asked: to v0.7 when the application uses long-form rootfs", () => {
        const app: Application = {
            name: "a",
            libraries: [],
            targets: [{ platform: "qemu", architecture: "x86_64" }],
            cmd: [],
            env: {},
            kconfig: {},
            rootfs: { source: "./fs", format: "erofs" },
        };
        assert.match(emitKraftfile(app), /^spec: v0\.6$/m);
        const text = emitKraftfile(app, { upgrade: true });
        assert.match(text, /^spec: v0\.7$/m);
        assert.equal(readKraftfile(text).spec, "v0.7");
    });

    it("writes the version it read, the name as written, skipped targets and ignored keys back", () => {
        const source = y(
            "specification: '0.5'",
            "name: helloworld-g++13.2",
            "targets: [qemu/x86_64, linuxu/x86_64]",
            "networks: {default: {}}",
            "unikraft: v0.16.1",
        );
        const parsed = parseKraftfile(source);
        const again = parseKraftfile(emitKraftfile(parsed.value!));
        assert.deepEqual(again.value, parsed.value);
        // The same findings (the spec is written back as `spec`, so its warning moves to that key).
        assert.deepEqual(
            again.warnings.map((w) => w.path.replace("specification", "spec")),
            parsed.warnings.map((w) => w.path.replace("specification", "spec")),
        );
        assert.match(emitKraftfile(parsed.value!), /^spec: v0\.5\nname: helloworld-g\+\+13\.2\n/);
    });

    it("writes every $ as $$, so kraft's interpolation gives the value back", () => {
        const app: Application = {
            name: "a",
            libraries: [],
            targets: [{ platform: "qemu", architecture: "x86_64" }],
            cmd: ["echo", "$HOME", "${X:-y}"],
            env: { P: "a$b" },
            kconfig: {},
        };
        assert.deepEqual(readKraftfile(emitKraftfile(app)).application, app);
    });

    it("writes a version that looks like a path in the long form so it reads back as a version", () => {
        const app: Application = {
            name: "a",
            libraries: [{ name: "musl", version: "./weird" }],
            targets: [{ platform: "qemu", architecture: "x86_64" }],
            cmd: [],
            env: {},
            kconfig: {},
        };
        assert.deepEqual(readKraftfile(emitKraftfile(app)).application.libraries, [
            { name: "musl", version: "./weird" },
        ]);
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
        it(`picks ${expected ?? "nothing"} from ${names.join(", ")}`, () =>
            assert.equal(pickKraftfileName(names), expected));
    }
});
