/** The package version, read from package.json at run time so it never drifts from the release. */
import { readFileSync } from "fs";
import * as path from "path";

/** Returns the version in package.json (two levels up from dist/<folder> or src/<folder>). */
export function packageVersion(): string {
    const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as {
        version: string;
    };
    return manifest.version;
}
