/**
 * The CLI against malformed and hostile input, through the built binary: every bad option value is
 * a usage error (exit 2), every expected failure is exit 1 with one clear line, nothing ends in a
 * stack trace, and a refused command leaves nothing at its output path.
 */
import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { BIN, CliRun } from "../../helpers/cli";
import { DEMO_DIR, demoKernel, tempDir } from "../../helpers/demoKernel";

interface Case {
    /** What is wrong, as the test title says it. */
    title: string;
    args: (f: Fixtures) => string[];
    code: 0 | 1 | 2;
    /** A fragment of the one-line message. */
    message: RegExp;
    /** An output path that must not exist afterwards. */
    out?: (f: Fixtures) => string;
    env?: NodeJS.ProcessEnv;
}

interface Fixtures {
    dir: string;
    kernel: string;
    disk: string;
    [name: string]: string;
}

const KRAFTFILE = (extra: string) => `spec: v0.6\nname: app\nunikraft: stable\ntargets:\n  - qemu/x86_64\n${extra}`;

/** Builds every file the cases refer to, once. */
function fixtures(): Fixtures {
    const dir = tempDir("unikernel-malformed-");
    const f: Fixtures = { dir, kernel: demoKernel(), disk: path.join(dir, "disk.img") };
    const file = (name: string, content: string | Buffer) => {
        const p = path.join(dir, name);
        mkdirSync(path.dirname(p), { recursive: true });
        writeFileSync(p, content);
        return p;
    };
    execFileSync(process.execPath, [BIN, "disk", "--kernel", f.kernel, "--boot", "bios", "--out", f.disk], {
        stdio: "ignore",
        env: { ...process.env, UNIKERNEL_CACHE_DIR: path.join(dir, "cache") },
    });
    f.empty = file("empty.bin", "");
    f.random = file("random.bin", Buffer.alloc(64 * 1024, 0x5a));
    f.truncatedElf = file("truncated.elf", readFileSync(f.kernel).subarray(0, 200));
    f.fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [f.fifo]);
    f.aDirectory = path.join(dir, "a-directory");
    mkdirSync(f.aDirectory);
    f.aFile = file("a-file", "x");
    f.gzip = file("disk.tar.gz", Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]));
    f.backed = path.join(dir, "backed.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", f.backed, "1M"]);
    f.descriptor = file(
        "descriptor.vmdk",
        '# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType="monolithicFlat"\nRW 2048 FLAT "/etc/hostname" 0\n',
    );
    f.qcow2 = path.join(dir, "whole.qcow2");
    execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", f.disk, f.qcow2]);
    f.truncatedQcow2 = file("cut.qcow2", readFileSync(f.qcow2).subarray(0, 300 * 1024));
    f.ragged = file("ragged.img", Buffer.alloc(1000, 1));
    f.dynamicVhd = path.join(dir, "dynamic.vhd");
    execFileSync("qemu-img", ["create", "-q", "-f", "vpc", "-o", "subformat=dynamic", f.dynamicVhd, "8M"]);
    // Project files.
    f.fifoProject = path.join(dir, "fifo-project");
    mkdirSync(f.fifoProject);
    execFileSync("mkfifo", [path.join(f.fifoProject, "Kraftfile")]);
    f.dirProject = path.join(dir, "dir-project");
    mkdirSync(path.join(f.dirProject, "Kraftfile"), { recursive: true });
    f.loopProject = path.join(dir, "loop-project");
    mkdirSync(f.loopProject);
    symlinkSync("Kraftfile", path.join(f.loopProject, "Kraftfile"));
    const bomb = ["spec: v0.6", "name: app", "a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
        bomb.push(
            `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
                .fill(`*${String.fromCharCode(96 + i)}`)
                .join(", ")}]`,
        );
    f.bomb = file("bomb/Kraftfile", `${bomb.join("\n")}\ntargets: [*i]\n`);
    f.huge = file("huge/Kraftfile", KRAFTFILE(`x-pad: "${"a".repeat(2 * 1024 * 1024)}"\n`));
    f.envNewline = file("env-newline/Kraftfile", KRAFTFILE('env:\n  GREETING: "hello\\nworld"\n'));
    // An unknown key holding terminal escapes (clear screen, set the window title): printed, they would act on the terminal.
    f.escapes = file("escapes/Kraftfile", KRAFTFILE('"\\e[2J\\e]0;pwned\\a": 1\n'));
    f.cmdTab = file("cmd-tab/Kraftfile", KRAFTFILE('cmd: ["/app", "a\\tb"]\n'));
    f.rootfsOutside = file("rootfs-outside/Kraftfile", KRAFTFILE("rootfs: ../secrets\n"));
    f.rootfsAbsolute = file("rootfs-absolute/Kraftfile", KRAFTFILE("rootfs: /etc\n"));
    // A make application, and one with a symbolic link out of it.
    f.app = path.join(dir, "app");
    mkdirSync(f.app);
    for (const name of ["Makefile", "boot.S", "main.c", "linker.ld"])
        copyFileSync(path.join(DEMO_DIR, name), path.join(f.app, name));
    f.linkedApp = path.join(dir, "linked-app");
    mkdirSync(f.linkedApp);
    for (const name of ["Makefile", "boot.S", "main.c", "linker.ld"])
        copyFileSync(path.join(DEMO_DIR, name), path.join(f.linkedApp, name));
    symlinkSync("/etc/hostname", path.join(f.linkedApp, "config.txt"));
    return f;
}

const build =
    (app: (f: Fixtures) => string, ...extra: string[]) =>
    (f: Fixtures) => [
        "build",
        app(f),
        "--engine",
        "make",
        "--kernel-path",
        "build/hello.elf",
        "--family",
        "bare",
        ...extra,
    ];
const diskTo = (f: Fixtures, ...extra: string[]) => [
    "disk",
    "--kernel",
    f.kernel,
    "--boot",
    "bios",
    "--out",
    path.join(f.dir, "out", "d.img"),
    ...extra,
];
const outDisk = (f: Fixtures) => path.join(f.dir, "out", "d.img");
const convertTo =
    (input: (f: Fixtures) => string, format = "qcow2") =>
    (f: Fixtures) => ["convert", input(f), "--format", format, "--out", path.join(f.dir, "out", `c.${format}`)];
const outConverted =
    (format = "qcow2") =>
    (f: Fixtures) =>
        path.join(f.dir, "out", `c.${format}`);
const upload =
    (...extra: string[]) =>
    (f: Fixtures) => ["aws", "upload-snapshot", "--disk", f.disk, "--region", "us-east-1", ...extra];
const noCredentials = {
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_SESSION_TOKEN: "",
    AWS_PROFILE: "",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent",
};

const CASES: Case[] = [
    // The command line itself
    { title: "an unknown verb", args: () => ["bogus"], code: 2, message: /unknown command 'bogus'/ },
    { title: "an unknown option", args: () => ["validate", "--bogus"], code: 2, message: /unknown option '--bogus'/ },
    { title: "no verb", args: () => [], code: 2, message: /Usage: unikernel/ },
    { title: "an aws verb without its sub-verb", args: () => ["aws"], code: 2, message: /Usage: unikernel aws/ },
    // validate / kraftfile
    {
        title: "validate on a missing path",
        args: (f) => ["validate", path.join(f.dir, "nope")],
        code: 1,
        message: /no such file or directory/,
    },
    {
        title: "validate on a FIFO named Kraftfile (must not hang)",
        args: (f) => ["validate", f.fifoProject],
        code: 1,
        message: /a named pipe \(FIFO\), not a regular file/,
    },
    {
        title: "validate on a Kraftfile that is a directory",
        args: (f) => ["validate", f.dirProject],
        code: 1,
        message: /Kraftfile: a directory, not a regular file/,
    },
    {
        title: "validate on a Kraftfile that is a symlink loop",
        args: (f) => ["validate", f.loopProject],
        code: 1,
        message: /a symbolic link loop/,
    },
    {
        title: "validate on a FIFO given as the file",
        args: (f) => ["validate", f.fifo],
        code: 1,
        message: /a named pipe \(FIFO\), not a Kraftfile/,
    },
    {
        title: "validate on a YAML alias bomb",
        args: (f) => ["validate", f.bomb],
        code: 1,
        message: /expands to more than 10000 values or uses more than 100 aliases/,
    },
    {
        title: "validate on a 2 MiB Kraftfile",
        args: (f) => ["validate", f.huge],
        code: 1,
        message: /more than the 1048576 a project file may have/,
    },
    {
        title: "validate on a key holding terminal escapes (shown escaped, never raw)",
        args: (f) => ["validate", f.escapes],
        code: 0,
        message: /`\\u001b\[2J\\u001b\]0;pwned\\u0007`: is not a Kraftfile key/,
    },
    {
        title: "validate on an env value with a line break",
        args: (f) => ["validate", f.envNewline],
        code: 1,
        message: /`env\.GREETING`: got "hello\\nworld", which holds a line feed \(U\+000A\)/,
    },
    {
        title: "validate on a cmd word with a tab",
        args: (f) => ["validate", f.cmdTab],
        code: 1,
        message: /`cmd\[1\]`: .* holds a tab \(U\+0009\)/,
    },
    { title: "kraftfile on a FIFO project", args: (f) => ["kraftfile", f.fifoProject], code: 1, message: /named pipe/ },
    {
        title: "kraftfile --json on an alias bomb",
        args: (f) => ["kraftfile", "--json", f.bomb],
        code: 1,
        message: /expands to more than/,
    },
    // build
    {
        title: "build of a missing directory",
        args: (f) => ["build", path.join(f.dir, "nope"), "--engine", "make", "--kernel-path", "k"],
        code: 1,
        message: /does not exist/,
    },
    {
        title: "build with an unknown engine",
        args: build((f) => f.app, "--engine", "bogus"),
        code: 2,
        message: /argument 'bogus' is invalid. Allowed choices are kraft, ops, make, prebuilt/,
    },
    {
        title: "build --jobs 0",
        args: build((f) => f.app, "--jobs", "0"),
        code: 2,
        message: /"0" is not a whole number from 1 to 1024/,
    },
    {
        title: "build --jobs abc",
        args: build((f) => f.app, "--jobs", "abc"),
        code: 2,
        message: /"abc" is not a whole number/,
    },
    { title: "build --jobs 99999", args: build((f) => f.app, "--jobs", "99999"), code: 2, message: /from 1 to 1024/ },
    {
        title: "build --jobs -1",
        args: build((f) => f.app, "--jobs=-1"),
        code: 2,
        message: /"-1" is not a whole number/,
    },
    {
        title: "build --make-var that is an option",
        args: build((f) => f.app, "--make-var", "--eval=$(shell touch /tmp/pwned)"),
        code: 2,
        message: /is not a make variable name/,
    },
    {
        title: "build --make-var without =",
        args: build((f) => f.app, "--make-var", "NOEQUALS"),
        code: 2,
        message: /is not key=value/,
    },
    {
        title: "build --make-var with a line break",
        args: build((f) => f.app, "--make-var", "A=b\nc"),
        code: 2,
        message: /line feed/,
    },
    {
        title: "build --goal that is an option",
        args: build((f) => f.app, "--goal", "-n"),
        code: 2,
        message: /is not a make target name/,
    },
    {
        title: "build --goal with a space",
        args: build((f) => f.app, "--goal", "a b"),
        code: 2,
        message: /is not a make target name/,
    },
    {
        title: "build --goal with an assignment",
        args: build((f) => f.app, "--goal", "X=1"),
        code: 2,
        message: /is not a make target name/,
    },
    {
        title: "build --target with an unknown platform",
        args: build((f) => f.app, "--target", "vmware/x86_64"),
        code: 2,
        message: /expected one of qemu, fc, xen/,
    },
    {
        title: "build --target without an architecture",
        args: build((f) => f.app, "--target", "qemu"),
        code: 2,
        message: /expected "plat\/arch"/,
    },
    {
        title: "build --family linux",
        args: build((f) => f.app, "--family", "linux"),
        code: 2,
        message: /Allowed choices are/,
    },
    {
        title: "build --application-json that is not JSON",
        args: build((f) => f.app, "--application-json", "{"),
        code: 2,
        message: /--application-json is not JSON/,
    },
    {
        title: "build --application-json with a bad name",
        args: build((f) => f.app, "--application-json", '{"name":"bad name"}'),
        code: 2,
        message: /`application\.name`: got "bad name"/,
    },
    {
        title: "build --application-json with a newline in cmd",
        args: build((f) => f.app, "--application-json", '{"name":"a","cmd":["x\\ny"]}'),
        code: 2,
        message: /line feed/,
    },
    {
        title: "build --kernel-path outside the directory (absolute)",
        args: (f) => ["build", f.app, "--engine", "make", "--kernel-path", "/etc/passwd"],
        code: 2,
        message: /--kernel-path "\/etc\/passwd" is an absolute path/,
    },
    {
        title: "build --kernel-path climbing out",
        args: (f) => ["build", f.app, "--engine", "make", "--kernel-path", "../../etc/passwd"],
        code: 2,
        message: /climbs out of the application directory/,
    },
    {
        title: "build --kernel-path with a line break",
        args: (f) => ["build", f.app, "--engine", "make", "--kernel-path", "a\nb"],
        code: 2,
        message: /line feed/,
    },
    {
        title: "build of a directory with a symlink out of it",
        args: build((f) => f.linkedApp),
        code: 1,
        message: /config\.txt is a symbolic link to \/etc\/hostname, outside the application directory/,
    },
    {
        title: "build of a Kraftfile whose rootfs climbs out",
        args: (f) => ["build", path.dirname(f.rootfsOutside), "--engine", "kraft"],
        code: 1,
        message: /`rootfs`: got "\.\.\/secrets", which climbs out/,
    },
    {
        title: "build of a Kraftfile whose rootfs is /etc",
        args: (f) => ["build", path.dirname(f.rootfsAbsolute), "--engine", "kraft"],
        code: 1,
        message: /`rootfs`: got "\/etc", which is an absolute path/,
    },
    {
        title: "build prebuilt with neither kernel nor disk",
        args: (f) => ["build", f.dir, "--engine", "prebuilt"],
        code: 1,
        message: /needs exactly one of a kernel file/,
    },
    {
        title: "build prebuilt of a missing kernel",
        args: (f) => ["build", f.dir, "--engine", "prebuilt", "--kernel", path.join(f.dir, "nope")],
        code: 1,
        message: /does not exist/,
    },
    {
        title: "build prebuilt of a qcow2 with a backing file",
        args: (f) => ["build", f.dir, "--engine", "prebuilt", "--disk", f.backed],
        code: 1,
        message: /backing file \(\/etc\/hostname\)/,
    },
    {
        title: "build prebuilt of a VMDK descriptor",
        args: (f) => ["build", f.dir, "--engine", "prebuilt", "--disk", f.descriptor],
        code: 1,
        message: /VMDK descriptor/,
    },
    {
        title: "build prebuilt of an empty kernel",
        args: (f) => ["build", f.dir, "--engine", "prebuilt", "--kernel", f.empty],
        code: 1,
        message: /is empty/,
    },
    {
        title: "build prebuilt of a FIFO kernel",
        args: (f) => ["build", f.dir, "--engine", "prebuilt", "--kernel", f.fifo],
        code: 1,
        message: /not a regular file|does not exist/,
    },
    // disk
    {
        title: "disk without --kernel",
        args: (f) => ["disk", "--boot", "bios", "--out", outDisk(f)],
        code: 2,
        message: /required option '--kernel <file>' not specified/,
        out: outDisk,
    },
    {
        title: "disk --boot floppy",
        args: (f) => diskTo(f).map((a) => (a === "bios" ? "floppy" : a)),
        code: 2,
        message: /Allowed choices are bios, uefi/,
        out: outDisk,
    },
    {
        title: "disk --arch mips",
        args: (f) => diskTo(f, "--arch", "mips"),
        code: 2,
        message: /Allowed choices are x86_64, arm64/,
        out: outDisk,
    },
    {
        title: "disk --size 0",
        args: (f) => diskTo(f, "--size", "0"),
        code: 2,
        message: /not a disk size from 1M to 2048G/,
        out: outDisk,
    },
    {
        title: "disk --size 999999999",
        args: (f) => diskTo(f, "--size", "999999999"),
        code: 2,
        message: /not a disk size from 1M to 2048G/,
        out: outDisk,
    },
    {
        title: "disk --size 1.5",
        args: (f) => diskTo(f, "--size", "1.5"),
        code: 2,
        message: /not a disk size/,
        out: outDisk,
    },
    { title: "disk --size -1", args: (f) => diskTo(f, "--size=-1"), code: 2, message: /not a disk size/, out: outDisk },
    {
        title: "disk --size 3000G",
        args: (f) => diskTo(f, "--size", "3000G"),
        code: 2,
        message: /not a disk size from 1M to 2048G/,
        out: outDisk,
    },
    {
        title: "disk --size 1M (too small for the payload)",
        args: (f) => diskTo(f, "--size", "1M"),
        code: 1,
        message: /too small for the payload/,
        out: outDisk,
    },
    {
        title: "disk of a missing kernel",
        args: (f) => diskTo(f).map((a) => (a === f.kernel ? path.join(f.dir, "nope") : a)),
        code: 1,
        message: /does not exist or cannot be read \(ENOENT\)/,
        out: outDisk,
    },
    {
        title: "disk of a kernel that is a directory",
        args: (f) => diskTo(f).map((a) => (a === f.kernel ? f.aDirectory : a)),
        code: 1,
        message: /is not a regular file/,
        out: outDisk,
    },
    {
        title: "disk of a kernel that is a FIFO",
        args: (f) => diskTo(f).map((a) => (a === f.kernel ? f.fifo : a)),
        code: 1,
        message: /is not a regular file/,
        out: outDisk,
    },
    {
        title: "disk of an empty kernel",
        args: (f) => diskTo(f).map((a) => (a === f.kernel ? f.empty : a)),
        code: 1,
        message: /is 0 bytes; expected 1 byte to 512 MiB/,
        out: outDisk,
    },
    {
        title: "disk of random bytes",
        args: (f) => diskTo(f).map((a) => (a === f.kernel ? f.random : a)),
        code: 1,
        message: /not a kernel \(no ELF, PE or arm64 Image header\)/,
        out: outDisk,
    },
    {
        title: "disk of an ELF cut short",
        args: (f) => diskTo(f).map((a) => (a === f.kernel ? f.truncatedElf : a)),
        code: 1,
        message: /not a whole ELF kernel: .*cut short/,
        out: outDisk,
    },
    {
        title: "disk of an x86 kernel as arm64",
        args: (f) => diskTo(f, "--arch", "arm64").map((a) => (a === "bios" ? "uefi" : a)),
        code: 1,
        message: /not an arm64 kernel with an EFI stub/,
        out: outDisk,
    },
    {
        title: "disk arm64 on BIOS",
        args: (f) => diskTo(f, "--arch", "arm64"),
        code: 1,
        message: /arm64 boots by UEFI only/,
        out: outDisk,
    },
    {
        title: "disk of an fc kernel on BIOS",
        args: (f) => diskTo(f, "--target", "fc/x86_64"),
        code: 1,
        message: /boots only by lxboot/,
        out: outDisk,
    },
    {
        title: "disk --out that is a directory",
        args: (f) => ["disk", "--kernel", f.kernel, "--boot", "bios", "--out", f.aDirectory],
        code: 1,
        message: /--out .* is a directory/,
    },
    {
        title: "disk --out below a file",
        args: (f) => ["disk", "--kernel", f.kernel, "--boot", "bios", "--out", path.join(f.aFile, "d.img")],
        code: 1,
        message: /which is not a directory/,
    },
    {
        title: "disk --out with @@",
        args: (f) => ["disk", "--kernel", f.kernel, "--boot", "bios", "--out", path.join(f.dir, "out", "a@@1.img")],
        code: 2,
        message: /holds "@@"/,
        out: (f) => path.join(f.dir, "out", "a@@1.img"),
    },
    {
        title: "disk --cmdline with a line break",
        args: (f) => diskTo(f, "--cmdline", "console=ttyS0\ninit=/bin/sh"),
        code: 2,
        message: /line feed/,
        out: outDisk,
    },
    {
        title: "disk --cmdline with an escape character",
        args: (f) => diskTo(f, "--cmdline", "a\u001bb"),
        code: 2,
        message: /escape character/,
        out: outDisk,
    },
    {
        title: "disk --initrd missing",
        args: (f) => diskTo(f, "--initrd", path.join(f.dir, "nope")),
        code: 1,
        message: /initrd file .* does not exist/,
        out: outDisk,
    },
    {
        title: "disk --out with a line break",
        args: (f) => ["disk", "--kernel", f.kernel, "--boot", "bios", "--out", path.join(f.dir, "out", "a\nb.img")],
        code: 2,
        message: /line feed/,
    },
    // convert
    {
        title: "convert of a missing disk",
        args: convertTo((f) => path.join(f.dir, "nope")),
        code: 1,
        message: /cannot be read: no such file/,
        out: outConverted(),
    },
    {
        title: "convert to an unknown format",
        args: convertTo((f) => f.disk, "iso"),
        code: 2,
        message: /unknown disk format "iso"/,
        out: outConverted("iso"),
    },
    {
        title: "convert without --out",
        args: (f) => ["convert", f.disk, "--format", "raw"],
        code: 2,
        message: /required option '--out <file>'/,
    },
    {
        title: "convert of a gzip archive",
        args: convertTo((f) => f.gzip),
        code: 1,
        message: /is a gzip archive/,
        out: outConverted(),
    },
    {
        title: "convert of a qcow2 with a backing host file",
        args: convertTo((f) => f.backed, "gce"),
        code: 1,
        message: /backing file \(\/etc\/hostname\)/,
        out: outConverted("gce"),
    },
    {
        title: "convert of a VMDK descriptor naming a host file",
        args: convertTo((f) => f.descriptor, "raw"),
        code: 1,
        message: /VMDK descriptor/,
        out: outConverted("raw"),
    },
    {
        title: "convert of a qcow2 cut short",
        args: convertTo((f) => f.truncatedQcow2, "raw"),
        code: 1,
        message: /fails `qemu-img check`/,
        out: outConverted("raw"),
    },
    {
        title: "convert of a directory",
        args: convertTo((f) => f.aDirectory),
        code: 1,
        message: /not a regular file \(a directory\)/,
        out: outConverted(),
    },
    {
        title: "convert of a FIFO",
        args: convertTo((f) => f.fifo),
        code: 1,
        message: /not a regular file \(a device, socket or pipe\)/,
        out: outConverted(),
    },
    {
        title: "convert of a ragged file",
        args: convertTo((f) => f.ragged),
        code: 1,
        message: /not a whole number of 512-byte sectors/,
        out: outConverted(),
    },
    {
        title: "convert of an empty file",
        args: convertTo((f) => f.empty),
        code: 1,
        message: /is empty/,
        out: outConverted(),
    },
    {
        title: "convert of a dynamic VHD",
        args: convertTo((f) => f.dynamicVhd),
        code: 1,
        message: /dynamic VHD/,
        out: outConverted(),
    },
    {
        title: "convert --out that is a directory",
        args: (f) => ["convert", f.disk, "--format", "raw", "--out", f.aDirectory],
        code: 1,
        message: /is a directory/,
    },
    {
        title: "convert --out below a file",
        args: (f) => ["convert", f.disk, "--format", "raw", "--out", path.join(f.aFile, "x.raw")],
        code: 1,
        message: /which is not a directory/,
    },
    // run
    {
        title: "run with neither kernel nor disk",
        args: () => ["run"],
        code: 2,
        message: /give exactly one of --kernel or --disk/,
    },
    {
        title: "run with both kernel and disk",
        args: (f) => ["run", "--kernel", f.kernel, "--disk", f.disk],
        code: 2,
        message: /give exactly one of --kernel or --disk/,
    },
    {
        title: "run --memory 0",
        args: (f) => ["run", "--disk", f.disk, "--memory", "0"],
        code: 2,
        message: /not a memory size from 8M to 1024G/,
    },
    {
        title: "run --memory lots",
        args: (f) => ["run", "--disk", f.disk, "--memory", "lots"],
        code: 2,
        message: /not a memory size/,
    },
    {
        title: "run --memory 4M",
        args: (f) => ["run", "--disk", f.disk, "--memory", "4M"],
        code: 2,
        message: /not a memory size from 8M/,
    },
    {
        title: "run --timeout -3",
        args: (f) => ["run", "--disk", f.disk, "--timeout=-3"],
        code: 2,
        message: /"-3" is not a whole number/,
    },
    {
        title: "run --timeout 0",
        args: (f) => ["run", "--disk", f.disk, "--timeout", "0"],
        code: 2,
        message: /"0" is not a whole number from 1/,
    },
    {
        title: "run --timeout abc",
        args: (f) => ["run", "--disk", f.disk, "--timeout", "abc"],
        code: 2,
        message: /"abc" is not a whole number/,
    },
    {
        title: "run --port 70000",
        args: (f) => ["run", "--disk", f.disk, "--port", "70000"],
        code: 2,
        message: /port "70000" is not valid/,
    },
    {
        title: "run --port a:b",
        args: (f) => ["run", "--disk", f.disk, "--port", "a:b"],
        code: 2,
        message: /port "a:b" is not valid/,
    },
    {
        title: "run --expect that is not a regex",
        args: (f) => ["run", "--disk", f.disk, "--expect", "("],
        code: 2,
        message: /is not a valid regular expression/,
    },
    {
        title: "run --arch mips",
        args: (f) => ["run", "--disk", f.disk, "--arch", "mips"],
        code: 2,
        message: /Allowed choices are x86_64, arm64/,
    },
    {
        title: "run --boot floppy",
        args: (f) => ["run", "--disk", f.disk, "--boot", "floppy"],
        code: 2,
        message: /Allowed choices are bios, uefi/,
    },
    {
        title: "run --accel xen",
        args: (f) => ["run", "--disk", f.disk, "--accel", "xen"],
        code: 2,
        message: /Allowed choices are kvm, tcg/,
    },
    {
        title: "run --ready-port 0",
        args: (f) => ["run", "--disk", f.disk, "--ready-port", "0"],
        code: 2,
        message: /"0" is not a whole number from 1 to 65535/,
    },
    {
        title: "run of random bytes as a kernel (at once, not after the timeout)",
        args: (f) => ["run", "--kernel", f.random, "--timeout", "300"],
        code: 1,
        message: /cannot boot .* with QEMU's -kernel: it is not a kernel/,
    },
    {
        title: "run of random bytes as a raw disk (at once, not after the timeout)",
        args: (f) => ["run", "--disk", f.random, "--timeout", "300"],
        code: 1,
        message: /cannot boot .*: it has no partition table/,
    },
    {
        title: "run of an ELF cut short",
        args: (f) => ["run", "--kernel", f.truncatedElf],
        code: 1,
        message: /not a whole ELF kernel/,
    },
    {
        title: "run of a missing kernel",
        args: (f) => ["run", "--kernel", path.join(f.dir, "nope")],
        code: 1,
        message: /cannot be read: no such file/,
    },
    { title: "run of an empty kernel", args: (f) => ["run", "--kernel", f.empty], code: 1, message: /is 0 bytes/ },
    {
        title: "run of a missing disk",
        args: (f) => ["run", "--disk", path.join(f.dir, "nope")],
        code: 1,
        message: /cannot be read: no such file/,
    },
    {
        title: "run of a qcow2 with a backing host file",
        args: (f) => ["run", "--disk", f.backed],
        code: 1,
        message: /backing file/,
    },
    {
        title: "run of a VMDK descriptor",
        args: (f) => ["run", "--disk", f.descriptor],
        code: 1,
        message: /VMDK descriptor/,
    },
    {
        title: "run --detach without --pidfile",
        args: (f) => ["run", "--disk", f.disk, "--detach"],
        code: 2,
        message: /--detach needs --pidfile/,
    },
    {
        title: "run --detach --ready-port that is not forwarded",
        args: (f) => [
            "run",
            "--disk",
            f.disk,
            "--detach",
            "--pidfile",
            path.join(f.dir, "p.pid"),
            "--ready-port",
            "8080",
        ],
        code: 2,
        message: /is not a forwarded TCP host port/,
    },
    {
        title: "run --initrd with a comma",
        args: (f) => ["run", "--kernel", f.kernel, "--initrd", path.join(f.dir, "a,b")],
        code: 2,
        message: /holds a comma or a blank/,
    },
    {
        title: "run --initrd with a blank",
        args: (f) => ["run", "--kernel", f.kernel, "--initrd", path.join(f.dir, "a b")],
        code: 2,
        message: /holds a comma or a blank/,
    },
    {
        title: "bench --initrd with a comma",
        args: (f) => ["bench", "--kernel", f.kernel, "--initrd", "x,y", "--expect", "x"],
        code: 2,
        message: /holds a comma or a blank/,
    },
    {
        title: "bench --kernel with a line break",
        args: (f) => ["bench", "--kernel", `${f.kernel}\nx`, "--expect", "x"],
        code: 2,
        message: /line break/,
    },
    {
        title: "bench --timeout above a day",
        args: (f) => ["bench", "--disk", f.disk, "--expect", "x", "--timeout", "86401"],
        code: 2,
        message: /from 1 to 86400/,
    },
    {
        title: "bench --svg into a directory",
        args: (f) => ["bench", "--disk", f.disk, "--expect", "x", "--svg", f.dir],
        code: 1,
        message: /--svg .* is a directory/,
    },
    {
        title: "aws upload-snapshot --role-external-id without a matching --role-arn",
        args: (f) => [
            "aws",
            "upload-snapshot",
            "--disk",
            f.disk,
            "--region",
            "us-east-1",
            "--role-arn",
            "arn:aws:iam::111122223333:role/a",
            "--role-external-id",
            "x",
            "--role-external-id",
            "y",
        ],
        code: 2,
        message: /--role-external-id was given 2 time\(s\) for 1 --role-arn/,
    },
    {
        title: "aws upload-snapshot --role-arn not an ARN",
        args: (f) => ["aws", "upload-snapshot", "--disk", f.disk, "--region", "us-east-1", "--role-arn", "uploader"],
        code: 2,
        message: /is not an IAM role ARN/,
    },
    {
        title: "run --cmdline with a line break",
        args: (f) => ["run", "--kernel", f.kernel, "--cmdline", "a\nb"],
        code: 2,
        message: /line feed/,
    },
    {
        title: "run --console with a line break",
        args: (f) => ["run", "--kernel", f.kernel, "--console", "/tmp/a\nb"],
        code: 2,
        message: /line feed/,
    },
    // stop
    { title: "stop without --pidfile", args: () => ["stop"], code: 2, message: /required option '--pidfile <file>'/ },
    {
        title: "stop --pidfile with a line break",
        args: () => ["stop", "--pidfile", "/tmp/a\nb"],
        code: 2,
        message: /line feed/,
    },
    // aws
    {
        title: "upload-snapshot without --disk",
        args: () => ["aws", "upload-snapshot", "--region", "us-east-1"],
        code: 2,
        message: /required option '--disk <file>'/,
    },
    {
        title: "upload-snapshot --region that is not a region",
        args: (f) => ["aws", "upload-snapshot", "--disk", f.disk, "--region", "mars"],
        code: 2,
        message: /"mars" is not an AWS region/,
    },
    {
        title: "upload-snapshot --concurrency 0",
        args: upload("--concurrency", "0"),
        code: 2,
        message: /"0" is not a whole number from 1 to 64/,
    },
    {
        title: "upload-snapshot --concurrency abc",
        args: upload("--concurrency", "abc"),
        code: 2,
        message: /"abc" is not a whole number/,
    },
    {
        title: "upload-snapshot --concurrency 1000",
        args: upload("--concurrency", "1000"),
        code: 2,
        message: /from 1 to 64/,
    },
    {
        title: "upload-snapshot --tag without =",
        args: upload("--tag", "noequals"),
        code: 2,
        message: /--tag "noequals" is not key=value/,
    },
    {
        title: "upload-snapshot --endpoint that is not http",
        args: upload("--endpoint", "ftp://127.0.0.1/"),
        code: 2,
        message: /not an http or https URL/,
    },
    {
        title: "upload-snapshot of a qcow2",
        args: (f) => upload()(f).map((a) => (a === f.disk ? f.qcow2 : a)),
        code: 1,
        message: /is a qcow2 image; the EBS direct upload sends a raw disk's blocks/,
    },
    {
        title: "upload-snapshot of a missing disk",
        args: (f) => upload()(f).map((a) => (a === f.disk ? path.join(f.dir, "nope") : a)),
        code: 1,
        message: /cannot be read: no such file/,
    },
    {
        title: "upload-snapshot without AWS credentials",
        args: upload("--endpoint", "http://127.0.0.1:9"),
        code: 1,
        message: /Could not load credentials|credential/i,
        env: noCredentials,
    },
    {
        title: "delete-snapshot --snapshot-id that is not one",
        args: () => ["aws", "delete-snapshot", "--region", "us-east-1", "--snapshot-id", "vol-1"],
        code: 2,
        message: /is not a snapshot id/,
    },
    {
        title: "delete-snapshot without --region",
        args: () => ["aws", "delete-snapshot", "--snapshot-id", "snap-0123456789abcdef0"],
        code: 2,
        message: /required option '--region <region>'/,
    },
    // bench
    {
        title: "bench without --expect",
        args: (f) => ["bench", "--disk", f.disk],
        code: 2,
        message: /required option '--expect <regex>'/,
    },
    {
        title: "bench --runs 0",
        args: (f) => ["bench", "--disk", f.disk, "--expect", "x", "--runs", "0"],
        code: 2,
        message: /"0" is not a whole number from 1 to 1000000/,
    },
    {
        title: "bench of a missing kernel",
        args: (f) => ["bench", "--kernel", path.join(f.dir, "nope"), "--expect", "x"],
        code: 1,
        message: /does not exist/,
    },
    {
        title: "bench --cmdline with a line break",
        args: (f) => ["bench", "--kernel", f.kernel, "--expect", "x", "--cmdline", "a\nb"],
        code: 2,
        message: /line feed/,
    },
];

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun & { ms: number }> {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr, ms: Date.now() - started });
        });
    });
}

describe("unikernel with malformed and hostile input", function () {
    this.timeout(120_000);
    let f: Fixtures;
    before(() => {
        f = fixtures();
    });
    after(() => rmSync(f.dir, { recursive: true, force: true }));

    it("has at least 100 cases", () => assert.ok(CASES.length >= 100, `${CASES.length} cases`));

    for (const c of CASES) {
        it(`${c.title}: exit ${c.code}, one clear line, no stack trace, no partial output`, async () => {
            const env = { UNIKERNEL_CACHE_DIR: path.join(f.dir, "cache"), ...c.env };
            const run = await runCli(c.args(f), env);
            assert.equal(run.code, c.code, `exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
            // validate is a linter: its findings are its output (stdout); every other message is on stderr.
            const messages = c.args(f)[0] === "validate" && c.code !== 2 ? run.stdout + run.stderr : run.stderr;
            assert.match(messages, c.message);
            assert.doesNotMatch(
                messages,
                /internal error|\n\s+at .*:\d+:\d+\)?\n|TypeError|ReferenceError/,
                "no stack trace",
            );
            assert.doesNotMatch(
                run.stderr + run.stdout,
                /[\u0000-\u0008\u000b-\u001f\u007f]/,
                "no raw control characters reach the terminal",
            );
            if (c.code === 1) {
                const lines = messages
                    .split("\n")
                    .filter((l) => l.startsWith("unikernel: ") || /^\//.test(l) || /^error:/.test(l));
                assert.ok(lines.length >= 1, `a message line in:\n${messages}`);
            }
            if (c.out) {
                const out = c.out(f);
                assert.ok(!existsSync(out), `nothing at ${out}`);
                const parent = path.dirname(out);
                assert.deepEqual(
                    existsSync(parent) ? readdirSync(parent).filter((n) => n.endsWith(".tmp")) : [],
                    [],
                    "no temporary file left",
                );
            }
            if (c.title.includes("at once")) assert.ok(run.ms < 20_000, `took ${run.ms} ms`);
        });
    }

    it("prints {error} on stdout with --json for expected failures, and nothing on stdout for usage errors", async () => {
        const failed = await runCli(
            ["convert", f.descriptor, "--format", "raw", "--out", path.join(f.dir, "out", "j.raw"), "--json"],
            { UNIKERNEL_CACHE_DIR: path.join(f.dir, "cache") },
        );
        assert.equal(failed.code, 1);
        assert.match(JSON.parse(failed.stdout).error as string, /VMDK descriptor/);
        const usage = await runCli(["run", "--disk", f.disk, "--memory", "0", "--json"]);
        assert.equal(usage.code, 2);
        assert.equal(usage.stdout, "");
    });
});
