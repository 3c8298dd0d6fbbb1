import * as pulumi from "@pulumi/pulumi";
import { BootMode, DiskFormat, Engine, KernelFamily } from "./enums";
import { ApplicationArgs, SyscallCheckArgs, TargetArgs } from "./types";

/** Inputs of {@link UnikernelImage}. */
export interface UnikernelImageArgs {
    /**
     * The application directory: its sources and its Kraftfile, ops `config.json` or Makefile. Its
     * files (minus .gitignore/.dockerignore/.kraftignore entries) decide the content hash.
     * Required unless `fromPackage` is given.
     */
    directory?: pulumi.Input<string>;
    /**
     * Take a build made elsewhere by its package (`<registry>/<repository>@sha256:<digest>`, what
     * `build --registry` pushed): no sources, no engine; the package says what the build is (engine,
     * target, kernel family, cmdline) and its files are pulled and checked by digest. This is how a
     * production stack deploys exactly what dev tested. Not with `directory` or any build input;
     * `registryInsecure` applies to this registry.
     */
    fromPackage?: pulumi.Input<string>;
    /**
     * The engine that builds it.
     * @default - `kraft` for a Kraftfile, `ops` for config.json, `make` for a Makefile, `prebuilt` when a prebuilt file is given.
     */
    engine?: pulumi.Input<Engine>;
    /**
     * The application as program input. When set, it is rendered to a Kraftfile (kraft) or
     * config.json (ops) instead of reading the directory's own.
     * @default - read from the directory.
     */
    application?: pulumi.Input<ApplicationArgs>;
    /**
     * The target to build.
     * @default - the application's first target; qemu/x86_64 for make and prebuilt.
     */
    target?: pulumi.Input<TargetArgs>;
    /**
     * What kind of kernel the result is; decides boot protocols, drivers and where it can run.
     * @default - unikraft for kraft, make and prebuilt; nanos for ops.
     */
    kernelFamily?: pulumi.Input<KernelFamily>;
    /** make engine: the kernel the Makefile produces, relative to `directory`. Required with `make`. */
    makeKernelPath?: pulumi.Input<string>;
    /** make engine: the make target. */
    makeGoal?: pulumi.Input<string>;
    /**
     * make engine: variables passed as `NAME=value`. Names are make variable names (letters, digits,
     * `_`); values are passed literally (a `$` is written `$$`, so make does not expand it).
     */
    makeVariables?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** prebuilt engine: a kernel file. Mutually exclusive with `prebuiltDisk`. */
    prebuiltKernel?: pulumi.Input<string>;
    /** prebuilt engine: an initrd for `prebuiltKernel`. */
    prebuiltInitrd?: pulumi.Input<string>;
    /** prebuilt engine: a finished disk image. Mutually exclusive with `prebuiltKernel`. */
    prebuiltDisk?: pulumi.Input<string>;
    /**
     * Firmware the disk boots with. arm64 is UEFI only.
     * @default - uefi for arm64, bios otherwise.
     */
    bootMode?: pulumi.Input<BootMode>;
    /**
     * Disk size in GiB.
     * @default - the smallest size that fits (formats for GCE round up to whole GiB themselves).
     */
    diskSizeGiB?: pulumi.Input<number>;
    /**
     * The kernel command line.
     * @default - derived from the application's `cmd` and `env`.
     */
    cmdline?: pulumi.Input<string>;
    /**
     * Extra disk formats to produce from the raw disk (for uploads elsewhere).
     * @default []
     */
    formats?: pulumi.Input<pulumi.Input<DiskFormat>[]>;
    /**
     * Let the rootfs, ROMs, make outputs and symbolic links in `directory` reach outside it. Off,
     * such a path is refused, since the content hash covers only the directory: a change outside
     * would rebuild nothing. On, what they resolve to is hashed too.
     * @default false
     */
    allowOutsideDirectory?: pulumi.Input<boolean>;
    /**
     * A build cache in an OCI registry, `<registry>/<repository>` (no tag): before building, the build
     * with this content digest is looked up there (tag `build-<digest>`) and pulled, each file checked
     * against its SHA-256, instead of built; what is built is pushed there. A second machine or stack
     * with the same inputs builds nothing. Credentials come from skopeo's auth file
     * (`skopeo login`, `REGISTRY_AUTH_FILE`). Anyone who can push to the repository can put a kernel
     * under a digest: use a repository only your builders can write to.
     * @default - no registry: the local cache only.
     */
    registry?: pulumi.Input<string>;
    /**
     * Talk to `registry` over plain HTTP without certificate checks: for a registry on loopback or a
     * trusted network only.
     * @default false
     */
    registryInsecure?: pulumi.Input<boolean>;
    /**
     * Look builds up in `registry` but never push: for stacks of pull requests (review
     * environments), whose unreviewed code must not be able to fill the cache other stacks deploy from.
     * @default false
     */
    registryPullOnly?: pulumi.Input<boolean>;
    /**
     * Run the application on this machine under strace before the image is used (`unikernel
     * syscalls`), and compare its system calls with its kernel family's table: for ops/elfloader
     * images, whose program is a Linux binary. With `onMissing: fail` (the default) a call the
     * kernel lacks fails the image's outputs, so nothing that uses them (a disk upload, a service)
     * is made; `warn` says so on the component. The program runs in `directory` with your user's
     * rights: give only a command you would run yourself.
     */
    syscallCheck?: SyscallCheckArgs;
}
