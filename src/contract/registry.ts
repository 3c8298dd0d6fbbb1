/** `unikernel push` and `pull`: a file to an OCI registry as a package, and back by digest. */
import { parseResult } from "./command";

/** What `push` is asked for. */
export interface PushCommand {
    file: string;
    /** `<registry>/<repository>[:<tag>]`. */
    to: string;
    role?: "kernel" | "initrd" | "disk" | "file";
    annotations?: Record<string, string>;
    insecure?: boolean;
}

/** The argv of `unikernel push`, ending in `--json`. */
export function pushArgv(c: PushCommand): string[] {
    return [
        "push",
        c.file,
        "--to",
        c.to,
        ...(c.role ? ["--role", c.role] : []),
        ...Object.entries(c.annotations ?? {}).flatMap(([k, v]) => ["--annotation", `${k}=${v}`]),
        ...(c.insecure ? ["--insecure"] : []),
        "--json",
    ];
}

/** What `push --json` prints: the fixed contract pipelines depend on. */
export interface PushCommandResult {
    /** `<registry>/<repository>@sha256:<manifest digest>`. */
    reference: string;
    /** `sha256:<manifest digest>`. */
    digest: string;
    /** Hex SHA-256 of the file pushed. */
    artifactSha256: string;
}

export function parsePushResult(stdout: string): PushCommandResult {
    return parseResult<PushCommandResult>("push", stdout, {
        reference: "string",
        digest: "string",
        artifactSha256: "string",
    });
}

/** What `pull` is asked for. */
export interface PullCommand {
    /** `<registry>/<repository>@sha256:<digest>`. */
    from: string;
    out: string;
    role?: "kernel" | "initrd" | "disk" | "file";
    insecure?: boolean;
}

/** The argv of `unikernel pull`, ending in `--json`. */
export function pullArgv(c: PullCommand): string[] {
    return [
        "pull",
        c.from,
        "--out",
        c.out,
        ...(c.role ? ["--role", c.role] : []),
        ...(c.insecure ? ["--insecure"] : []),
        "--json",
    ];
}

/** What `pull --json` prints: the fixed contract pipelines depend on. */
export interface PullCommandResult {
    path: string;
    sha256: string;
    sizeBytes: number;
}

export function parsePullResult(stdout: string): PullCommandResult {
    return parseResult<PullCommandResult>("pull", stdout, { path: "string", sha256: "string", sizeBytes: "number" });
}
