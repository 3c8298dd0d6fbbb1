/**
 * The ops engine: NanoVMs ops builds a Nanos disk image from a program and a config.json.
 * `ops build <program> -c <config> -i <name>` writes the image to ~/.ops/images/<name>.img (older
 * ops versions: without the suffix). The program is the application's `cmd[0]`, a host ELF.
 */
import * as os from "os";
import * as path from "path";
import { emitOpsConfig, opsConfigFromApplication } from "../model";
import { OPS } from "../internal/tools";
import { BuildInputError, Engine, EnginePlan, ResolvedBuild } from "./engine";

/** Where a rendered ops config goes, inside the application directory. */
export const RENDERED_OPS_CONFIG = path.join(".unikernel", "ops-config.json");

export const opsEngine: Engine = {
    name: "ops",
    plan(build: ResolvedBuild): EnginePlan {
        const { application: app } = build;
        const options = build.request.ops ?? {};
        if (app.cmd.length === 0) {
            throw new BuildInputError(
                "the ops engine needs the program to run: set `cmd` (its first word is the host ELF ops packs)",
            );
        }
        if (app.cmd[0].startsWith("-")) {
            // ops would read it as one of its flags.
            throw new BuildInputError(
                `the program ${JSON.stringify(app.cmd[0])} starts with "-"; give its path, e.g. "./${app.cmd[0]}"`,
            );
        }
        const config = emitOpsConfig(
            opsConfigFromApplication(app, {
                ports: options.ports,
                uefi: options.uefi,
                nanosVersion: options.nanosVersion,
            }),
        );
        const images = path.join(os.homedir(), ".ops", "images");
        return {
            tool: OPS,
            files: { [RENDERED_OPS_CONFIG]: config },
            steps: [{ command: "ops", args: ["build", app.cmd[0], "-c", RENDERED_OPS_CONFIG, "-i", app.name] }],
            outputs: { disk: [path.join(images, `${app.name}.img`), path.join(images, app.name)] },
            ignore: [".unikernel"],
            hashTree: true,
            settings: { config },
        };
    },
};
