/**
 * skopeo, the containers project's registry client (Debian's `skopeo`), copying between an OCI image
 * layout on disk and a registry. Digests are kept byte for byte (`--preserve-digests`), and what it
 * prints on failure is turned into one line that says what to do.
 */
import { promises as fs } from "fs";
import * as path from "path";
import { StepFailure } from "../model";
import { ToolFailure, runTool } from "../internal/exec";
import { checkTool } from "../internal/toolCheck";
import { SKOPEO } from "../internal/tools";

/**
 * One copy: `from` and `to` are skopeo transport references (`docker://<ref>`, and `oci:<dir>:<tag>`
 * with `<dir>` relative to `tmpdir`: skopeo splits `oci:` at the first colon, so an absolute path
 * holding one would name another directory).
 */
export interface SkopeoCopy {
    from: string;
    to: string;
    /** The registry's `host[:port]`, for messages. */
    registry: string;
    /** Plain HTTP and no certificate check on the registry side (a registry on loopback). */
    insecure: boolean;
    /** Where skopeo writes the manifest digest it pushed. */
    digestFile?: string;
    /** skopeo's scratch space (big blobs pass through it): the caller's work directory. */
    tmpdir: string;
    /**
     * Stop the copy when the work directory grows past this many bytes: what the manifest announced,
     * so a registry that sends more than it said cannot fill the disk before the digests are checked.
     */
    maxBytes?: number;
}

/** A registry that has no such manifest (or repository): the caller's "not found". */
export class ManifestUnknown extends StepFailure {}

/**
 * A registry that refused the credentials, or refused to say: ghcr.io answers DENIED for a
 * repository that does not exist yet, so a cache lookup takes it as a miss and lets the push that
 * follows be the check of the credentials.
 */
export class AccessDenied extends StepFailure {}

/** The registry side of a copy is whichever end is `docker://`. */
function tlsFlags(copy: SkopeoCopy): string[] {
    if (!copy.insecure) return [];
    return copy.from.startsWith("docker://") ? ["--src-tls-verify=false"] : ["--dest-tls-verify=false"];
}

/** Runs `skopeo copy`; a failure says whether the registry is down, lacks the manifest, or refused. */
export async function skopeoCopy(copy: SkopeoCopy): Promise<void> {
    await checkTool(SKOPEO);
    const stop = new AbortController();
    const watch =
        copy.maxBytes === undefined
            ? undefined
            : setInterval(() => {
                  void treeBytes(copy.tmpdir).then((bytes) => {
                      if (bytes > copy.maxBytes! && !stop.signal.aborted) {
                          stop.abort(
                              `the registry at ${copy.registry} sent more than the ${copy.maxBytes} bytes the package announced; refused`,
                          );
                      }
                  });
              }, 50);
    try {
        await runTool(
            "skopeo",
            [
                "--tmpdir",
                copy.tmpdir,
                "copy",
                "--preserve-digests",
                "--retry-times",
                "2",
                ...tlsFlags(copy),
                ...(copy.digestFile ? ["--digestfile", copy.digestFile] : []),
                copy.from,
                copy.to,
            ],
            { tailLines: 6, timeoutMs: 60 * 60_000, cwd: copy.tmpdir, signal: stop.signal },
        );
    } catch (error) {
        if (stop.signal.aborted) throw new StepFailure(String(stop.signal.reason));
        if (!(error instanceof ToolFailure)) throw error;
        throw explain(copy, error);
    } finally {
        if (watch) clearInterval(watch);
    }
}

/** Bytes of the regular files under a directory (allocated blocks: a sparse file counts what it holds). */
async function treeBytes(dir: string): Promise<number> {
    let total = 0;
    const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
    for (const entry of entries) {
        if (!entry.isFile()) continue;
        const stat = await fs.lstat(path.join(entry.parentPath ?? entry.path, entry.name)).catch(() => undefined);
        total += stat ? Math.max(stat.size, stat.blocks * 512) : 0;
    }
    return total;
}

/**
 * The manifest at `ref` (`docker://...`) exactly as the registry serves it (`skopeo inspect --raw`),
 * fetched without any blob, so a pull can check what it would download before it does.
 */
export async function skopeoInspectRaw(inspect: {
    ref: string;
    registry: string;
    insecure: boolean;
    tmpdir: string;
}): Promise<Buffer> {
    await checkTool(SKOPEO);
    const copy: SkopeoCopy = { from: inspect.ref, to: "(inspect)", ...inspect };
    try {
        const { stdoutBytes } = await runTool(
            "skopeo",
            [
                "--tmpdir",
                inspect.tmpdir,
                "inspect",
                "--raw",
                "--retry-times",
                "2",
                ...(inspect.insecure ? ["--tls-verify=false"] : []),
                inspect.ref,
            ],
            { tailLines: 6, timeoutMs: 5 * 60_000, cwd: inspect.tmpdir },
        );
        return stdoutBytes;
    } catch (error) {
        if (!(error instanceof ToolFailure)) throw error;
        throw explain(copy, error);
    }
}

function explain(copy: SkopeoCopy, error: ToolFailure): StepFailure {
    const text = error.tail;
    const where = `the registry at ${copy.registry}`;
    if (
        /manifest unknown|MANIFEST_UNKNOWN|NAME_UNKNOWN|name unknown|not found: manifest|reading manifest .*: .*not found/i.test(
            text,
        )
    ) {
        return new ManifestUnknown(`${where} has no ${copy.from.replace(/^docker:\/\//, "")} (manifest unknown)`);
    }
    if (/connection refused|no such host|i\/o timeout|dial tcp|connection reset|no route to host/i.test(text)) {
        return new StepFailure(`${where} does not answer (${cause(lastLine(text))})`);
    }
    if (/server gave HTTP response to HTTPS client/i.test(text)) {
        return new StepFailure(
            `${where} speaks plain HTTP, not HTTPS; pass --insecure (\`registryInsecure\`) only for a registry on loopback or a trusted network`,
        );
    }
    if (
        /unauthorized|authentication required|requested access to the resource is denied|\bDENIED\b|403 Forbidden/.test(
            text,
        )
    ) {
        return new AccessDenied(
            `${where} refused the request (${lastLine(text)}); log in with \`skopeo login ${copy.registry}\` or point REGISTRY_AUTH_FILE at your auth.json`,
        );
    }
    return new StepFailure(
        `skopeo could not copy ${copy.from} to ${copy.to} (${where}): ${lastLine(text) || error.message}`,
    );
}

/** The innermost cause of a Go error chain (`a: b: dial tcp x: connect: connection refused`). */
function cause(line: string): string {
    return line.split(": ").slice(-3).join(": ");
}

/** skopeo's last message line, without its `time="..." level=fatal msg=` wrapping. */
function lastLine(text: string): string {
    const line = text.trim().split("\n").pop() ?? "";
    const msg = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    return (msg ? msg[1].replace(/\\"/g, '"') : line).trim();
}
