/** `unikernel convert`: a disk to a format a cloud imports. */
import { DiskFormat } from "../model";
import type { ConvertResult } from "../disk/formats";
import { parseResult } from "./command";

/** What a component asks `convert` for. */
export interface ConvertCommand {
    disk: string;
    format: DiskFormat;
    out: string;
}

/** The argv of `unikernel convert`, ending in `--json`. */
export function convertArgv(c: ConvertCommand): string[] {
    return ["convert", c.disk, "--format", c.format, "--out", c.out, "--json"];
}

/** What `convert --json` prints and a component reads (the CLI prints the whole {@link ConvertResult}). */
export type ConvertCommandResult = Pick<ConvertResult, "path" | "sha256" | "sizeBytes">;

/** Parses `convert --json` output. */
export function parseConvertResult(stdout: string): ConvertCommandResult {
    return parseResult<ConvertCommandResult>("convert", stdout, {
        path: "string",
        sha256: "string",
        sizeBytes: "number",
    });
}

/** The file name extension of a format's file. */
export function formatExtension(format: DiskFormat): string {
    return format === "gce" ? "tar.gz" : format;
}
