/** The package version `--version` prints (read from package.json at run time). */
import { packageVersion } from "../internal/packageVersion";

export function version(): string {
    return packageVersion();
}
