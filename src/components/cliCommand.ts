/**
 * Command lines for the package's own CLI, as `@pulumi/command` runs them. Components never do the
 * heavy work themselves: they run `unikernel ...` in a local.Command whose triggers are the step's
 * content hash, so previews build nothing and an unchanged program rebuilds nothing.
 */
import * as path from "path";
import { shellCommand } from "../internal/shellQuote";

/**
 * The CLI entry point: dist/cli/main.js beside this package. Resolved from this file so it works
 * from dist/components and (under ts-node in tests) from src/components.
 */
export function cliPath(): string {
    return path.resolve(__dirname, "..", "..", "dist", "cli", "main.js");
}

/** A shell command running `unikernel <args>` with this Node.js. */
export function unikernelCommand(args: readonly string[]): string {
    return shellCommand([process.execPath, cliPath(), ...args]);
}
