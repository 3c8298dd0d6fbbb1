/** Where the package keeps what is expensive to make again: artifacts, GRUB modules, engines. */
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { StepFailure } from "../model/errors";

/** $UNIKERNEL_CACHE_DIR, else $XDG_CACHE_HOME/pulumi-unikernel, else ~/.cache/pulumi-unikernel. */
export function cacheRoot(): string {
    return (
        process.env.UNIKERNEL_CACHE_DIR ??
        path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-unikernel")
    );
}

/**
 * A directory under the cache, made if missing (mode 0700), after checking that the cache root is
 * this user's own: a directory owned by this user that no group or other user may write. Built
 * kernels are booted and uploaded from here, so a cache someone else can write to would let them
 * swap what gets deployed; such a cache is refused with how to fix it rather than used.
 */
export async function privateCacheDir(...segments: string[]): Promise<string> {
    const root = cacheRoot();
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    const stat = await fs.stat(root);
    const uid = process.getuid?.();
    const problem = !stat.isDirectory()
        ? "is not a directory"
        : uid !== undefined && stat.uid !== uid
          ? `belongs to user ${stat.uid}, not to this user (${uid})`
          : (stat.mode & 0o022) !== 0
            ? `can be written by ${stat.mode & 0o002 ? "any user" : "its group"} (mode ${(stat.mode & 0o777).toString(8)})`
            : undefined;
    if (problem) {
        throw new StepFailure(
            `the cache directory ${root} ${problem}; what is built there is booted and uploaded, so it must be yours alone: ` +
                `run \`chmod go-w ${root}\` if it is yours, or set UNIKERNEL_CACHE_DIR to a directory of your own`,
        );
    }
    const dir = path.join(root, ...segments);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
}
