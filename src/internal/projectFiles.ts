/**
 * Finds and reads an application's project file (a Kraftfile or an ops config.json) from a path
 * that names either the file or its directory. The only file-system code the model's readers need.
 */
import { promises as fs } from "fs";
import * as path from "path";
import {
    Application,
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
    /** The application, when valid. */
    application?: Application;
    /** The parsed Kraftfile, when `kind` is kraftfile and it is valid. */
    kraftfile?: Kraftfile;
    /** The parsed ops config, when `kind` is ops and it is valid. */
    opsConfig?: OpsConfig;
}

/** Raised when no project file can be found at a path (as opposed to one that is invalid). */
export class ProjectFileNotFound extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ProjectFileNotFound";
    }
}

/**
 * Resolves a path to its project file: a directory is searched for a Kraftfile (kraft's order of
 * preference), then for config.json; a file is a Kraftfile unless it ends in `.json`.
 */
export async function locateProjectFile(target: string): Promise<{ kind: ProjectFileKind; file: string }> {
    const absolute = path.resolve(target);
    const stat = await fs.stat(absolute).catch(() => undefined);
    if (!stat) {
        throw new ProjectFileNotFound(`${target}: no such file or directory`);
    }
    if (stat.isFile()) {
        return { kind: absolute.endsWith(".json") ? "ops" : "kraftfile", file: absolute };
    }
    const names = await fs.readdir(absolute);
    const kraftfile = pickKraftfileName(names);
    if (kraftfile) {
        return { kind: "kraftfile", file: path.join(absolute, kraftfile) };
    }
    if (names.includes(OPS_CONFIG_NAME)) {
        return { kind: "ops", file: path.join(absolute, OPS_CONFIG_NAME) };
    }
    throw new ProjectFileNotFound(`${target}: no Kraftfile (${KRAFTFILE_NAMES.join(", ")}) and no ops ${OPS_CONFIG_NAME} in this directory`);
}

/** Locates and reads a project file, returning its application or every problem in it. */
export async function readProjectFile(target: string): Promise<ProjectFile> {
    const { kind, file } = await locateProjectFile(target);
    const text = await fs.readFile(file, "utf8");
    // kraft names an application after its directory when the Kraftfile has no `name:`.
    const defaultName = path.basename(path.dirname(file));
    if (kind === "kraftfile") {
        const parsed = parseKraftfile(text, { file, defaultName });
        return parsed.value
            ? { kind, file, problems: [], kraftfile: parsed.value, application: parsed.value.application }
            : { kind, file, problems: parsed.problems };
    }
    const parsed = parseOpsConfig(text, file);
    if (!parsed.value) {
        return { kind, file, problems: parsed.problems };
    }
    const application = applicationFromOpsConfig(parsed.value, defaultName);
    return application.value
        ? { kind, file, problems: [], opsConfig: parsed.value, application: application.value }
        : { kind, file, problems: application.problems.map((p) => ({ ...p, file })) };
}
