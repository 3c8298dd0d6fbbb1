/** Picks an engine from what an application directory holds, the way a user would. */
import { readdirSync } from "fs";
import { EngineName, pickKraftfileName } from "../model";
import { BuildInputError } from "./engine";

/**
 * kraft for a Kraftfile, ops for config.json, make for a Makefile; prebuilt when prebuilt files are
 * given. Synchronous: components decide which children exist from it during construction.
 */
export function detectEngine(dir: string, hasPrebuiltFiles: boolean): EngineName {
    if (hasPrebuiltFiles) return "prebuilt";
    let names: string[];
    try {
        names = readdirSync(dir);
    } catch {
        throw new BuildInputError(`the application directory ${dir} does not exist`);
    }
    if (pickKraftfileName(names)) return "kraft";
    if (names.includes("config.json")) return "ops";
    if (names.includes("Makefile") || names.includes("makefile") || names.includes("GNUmakefile")) return "make";
    throw new BuildInputError(
        `cannot tell which engine builds ${dir}: it has no Kraftfile, config.json or Makefile; set the engine`,
    );
}
