/** Where the package keeps what is expensive to make again: artifacts, GRUB modules, engines. */
import * as os from "os";
import * as path from "path";

/** $UNIKERNEL_CACHE_DIR, else $XDG_CACHE_HOME/pulumi-unikernel, else ~/.cache/pulumi-unikernel. */
export function cacheRoot(): string {
    return process.env.UNIKERNEL_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "pulumi-unikernel");
}
