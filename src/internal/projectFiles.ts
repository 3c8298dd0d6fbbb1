/**
 * Finds and reads an application's project file (a Kraftfile or an ops config.json) from a path
 * that names either the file or its directory. The only file-system code the model's readers need.
 */
import { constants as fsConstants, promises as fs } from "fs";
import * as path from "path";
import {
    Application,
    UnikernelError,
    KRAFTFILE_NAMES,
    Kraftfile,
    OpsConfig,
    Problem,
    applicationFromOpsConfig,
    parseKraftfile,
    parseOpsConfig,
    pickKraftfileName,
} from "../model";

/** The ops config file name `ops build -c` is usually given. */
export const OPS_CONFIG_NAME = "config.json";

/** Which kind of project file a path holds. */
export type ProjectFileKind = "kraftfile" | "ops";

/** A project file read from disk: what it is, and either its contents or every problem in it. */
export interface ProjectFile {
    kind: ProjectFileKind;
    /** Absolute path of the file. */
    file: string;
    /** Problems found; empty when the file is valid. */
    problems: Problem[];
    /** What loads but deviates (a normalized name, a repeated key, an ignored key, a skipped target). */
    warnings: Problem[];
    /** The application, when valid. */
    application?: Application;
    /** The parsed Kraftfile, when `kind` is kraftfile and it is valid. */
    kraftfile?: Kraftfile;
    /** The parsed ops config, when `kind` is ops and it is valid. */
    opsConfig?: OpsConfig;
}

/** Raised when no project file can be found at a path (as opposed to one that is invalid). */
export class ProjectFileNotFound extends UnikernelError {
    constructor(message: string) {
        super(message);
    }
}

/** The largest project file read: real Kraftfiles and ops configs are a few KiB. */
export const MAX_PROJECT_FILE_BYTES = 1024 * 1024;

/**
 * Resolves a path to its project file: a directory is searched for a Kraftfile (kraft's order of
 * preference), then for config.json; a file is a Kraftfile unless it ends in `.json`. Only regular
 * files are taken (a symbolic link to one is fine): a directory, a FIFO (which would block the
 * read forever) or a link loop named Kraftfile is refused with what it is.
 */
export async function locateProjectFile(target: string): Promise<{ kind: ProjectFileKind; file: string }> {
    const absolute = path.resolve(target);
    const stat = await fs.stat(absolute).catch((error: NodeJS.ErrnoException) => {
        throw new ProjectFileNotFound(`${target}: ${describeStatError(error)}`);
    });
    if (stat.isFile()) {
        await requireInside(path.dirname(absolute), absolute);
        return { kind: absolute.endsWith(".json") ? "ops" : "kraftfile", file: absolute };
    }
    if (!stat.isDirectory()) {
        throw new ProjectFileNotFound(`${target}: ${describeKind(stat)}, not a Kraftfile, config.json or directory`);
    }
    const names = await fs.readdir(absolute);
    const kraftfile = pickKraftfileName(names);
    const chosen = kraftfile ?? (names.includes(OPS_CONFIG_NAME) ? OPS_CONFIG_NAME : undefined);
    if (!chosen) {
        throw new ProjectFileNotFound(
            `${target}: no Kraftfile (${KRAFTFILE_NAMES.join(", ")}) and no ops ${OPS_CONFIG_NAME} in this directory`,
        );
    }
    const file = path.join(absolute, chosen);
    const chosenStat = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
        throw new ProjectFileNotFound(`${file}: ${describeStatError(error)}`);
    });
    if (!chosenStat.isFile()) {
        throw new ProjectFileNotFound(`${file}: ${describeKind(chosenStat)}, not a regular file`);
    }
    await requireInside(absolute, file);
    return { kind: kraftfile ? "kraftfile" : "ops", file };
}

/**
 * A project file that is a symbolic link must lead to a file inside its own directory: a
 * repository's `Kraftfile -> ~/.aws/credentials` would otherwise be read, and quoted in errors
 * that end up in CI logs.
 */
async function requireInside(dir: string, file: string): Promise<void> {
    const [realDir, realFile] = await Promise.all([fs.realpath(dir), fs.realpath(file)]);
    const relative = path.relative(realDir, realFile);
    if (relative.startsWith(`..${path.sep}`) || relative === ".." || path.isAbsolute(relative)) {
        throw new ProjectFileNotFound(
            `${file}: a symbolic link out of its directory (to ${realFile}); a project file is read only from inside its project`,
        );
    }
}

/** Locates and reads a project file, returning its application or every problem in it. */
export async function readProjectFile(target: string): Promise<ProjectFile> {
    const { kind, file } = await locateProjectFile(target);
    const text = await readBoundedText(file);
    // kraft names an application after its directory when the Kraftfile has no `name:`.
    const defaultName = path.basename(path.dirname(file));
    if (kind === "kraftfile") {
        const parsed = parseKraftfile(text, { file, defaultName });
        return parsed.value
            ? {
                  kind,
                  file,
                  problems: [],
                  warnings: parsed.warnings,
                  kraftfile: parsed.value,
                  application: parsed.value.application,
              }
            : { kind, file, problems: parsed.problems, warnings: parsed.warnings };
    }
    const parsed = parseOpsConfig(text, file);
    if (!parsed.value) {
        return { kind, file, problems: parsed.problems, warnings: parsed.warnings };
    }
    const application = applicationFromOpsConfig(parsed.value, defaultName);
    return application.value
        ? {
              kind,
              file,
              problems: [],
              warnings: parsed.warnings,
              opsConfig: parsed.value,
              application: application.value,
          }
        : { kind, file, problems: application.problems.map((p) => ({ ...p, file })), warnings: parsed.warnings };
}

/**
 * Reads a text file that must be a regular file of at most {@link MAX_PROJECT_FILE_BYTES}: opened
 * non-blocking and checked on the open descriptor, so a FIFO swapped in after the check cannot
 * hang the read.
 */
async function readBoundedText(file: string): Promise<string> {
    const handle = await fs
        .open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK)
        .catch((error: NodeJS.ErrnoException) => {
            throw new ProjectFileNotFound(`${file}: ${describeStatError(error)}`);
        });
    try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new ProjectFileNotFound(`${file}: ${describeKind(stat)}, not a regular file`);
        if (stat.size > MAX_PROJECT_FILE_BYTES) {
            throw new ProjectFileNotFound(
                `${file}: ${stat.size} bytes, more than the ${MAX_PROJECT_FILE_BYTES} a project file may have`,
            );
        }
        const buffer = Buffer.alloc(stat.size);
        const { bytesRead } = await handle.read(buffer, 0, stat.size, 0);
        return buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
        await handle.close();
    }
}

function describeStatError(error: NodeJS.ErrnoException): string {
    switch (error.code) {
        case "ENOENT":
            return "no such file or directory";
        case "ELOOP":
            return "a symbolic link loop";
        case "EACCES":
            return "permission denied";
        case "ENOTDIR":
            return "a path through something that is not a directory";
        default:
            return error.code ?? error.message;
    }
}

function describeKind(stat: {
    isDirectory(): boolean;
    isFIFO(): boolean;
    isSocket(): boolean;
    isCharacterDevice(): boolean;
    isBlockDevice(): boolean;
}): string {
    if (stat.isDirectory()) return "a directory";
    if (stat.isFIFO()) return "a named pipe (FIFO)";
    if (stat.isSocket()) return "a socket";
    if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
    return "not a regular file";
}
