/** `unikernel push` and `pull`: a file to an OCI registry as a package, and back by digest (src/registry). */
import { InvalidArgumentError, Option } from "commander";
import { OciReference, StepFailure, parseOciReference } from "../../model";
import { BuildResult } from "../../contract/build";
import { PullCommandResult, PushCommandResult } from "../../contract/registry";
import { checkOutputPath } from "../../internal/files";
import { parseKeyValue, safeText } from "../optionValues";
import { CommandRegistration, ExitCode, printResult, runVerb } from "../output";

const ROLES = ["kernel", "initrd", "disk", "file"] as const;
type Role = (typeof ROLES)[number];

/** Annotation keys: reverse-DNS words, as the image spec recommends. */
const ANNOTATION_KEY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?:\.[a-z0-9]+(?:[.-][a-z0-9]+)*)*$/;

function referenceOption(kind: "push" | "pull") {
    return (value: string): OciReference => {
        const parsed = parseOciReference(safeText(value), kind);
        if (typeof parsed === "string") throw new InvalidArgumentError(parsed);
        return parsed;
    };
}

function annotationOption(value: string, previous: Record<string, string> = {}): Record<string, string> {
    const [key, text] = parseKeyValue(value, "--annotation");
    if (!ANNOTATION_KEY.test(key) || key.length > 128) {
        throw new InvalidArgumentError(`key "${key}" is not a reverse-DNS annotation key (a-z, 0-9, ".", "-")`);
    }
    return { ...previous, [key]: text };
}

/** Registers `push` and `pull`. */
export const registerRegistryCommands: CommandRegistration = (program, io, setExit) => {
    program
        .command("push")
        .description("Push a file (a kernel, initrd or raw disk) to an OCI registry as a unikernel package.")
        .argument("<file>", "the file to push", safeText)
        .requiredOption(
            "--to <ref>",
            "<registry>/<repository>[:<tag>] (default tag: sha256-<file hex>)",
            referenceOption("push"),
        )
        .addOption(new Option("--role <role>", "what the file is").choices([...ROLES]).default("file"))
        .option("--annotation <key=value>", "a manifest annotation (repeatable)", annotationOption)
        .option("--insecure", "plain HTTP and no certificate check (a registry on loopback)")
        .option("--json", "print one JSON object: {reference, digest, artifactSha256}")
        .action(
            async (
                file: string,
                options: {
                    to: OciReference;
                    role: Role;
                    annotation?: Record<string, string>;
                    insecure?: boolean;
                    json?: boolean;
                },
            ) => {
                setExit(
                    await runVerb(io, Boolean(options.json), async () => {
                        // Loaded here, not at start: every `unikernel` run pays for what the top of this file imports.
                        const { pushPackage } = await import("../../registry/ociPackage");
                        const pushed = await pushPackage({
                            files: [{ role: options.role, file }],
                            to: options.to,
                            annotations: options.annotation,
                            insecure: options.insecure,
                        });
                        const result: PushCommandResult & { tag: string } = {
                            reference: pushed.reference,
                            digest: pushed.digest,
                            artifactSha256: pushed.layers[0].sha256,
                            tag: pushed.tag,
                        };
                        printResult(
                            io,
                            Boolean(options.json),
                            result,
                            `${result.reference}\n  tag ${result.tag}, file sha256 ${result.artifactSha256}`,
                        );
                        return ExitCode.Ok;
                    }),
                );
            },
        );
    program
        .command("pull")
        .description("Pull a unikernel package's file from an OCI registry by digest, checked byte for byte.")
        .argument("<ref>", "<registry>/<repository>@sha256:<digest>", referenceOption("pull"))
        .requiredOption("--out <file>", "where to write the file", safeText)
        .addOption(
            new Option("--role <role>", "which file of the package (default: the first that is not an initrd)").choices(
                [...ROLES],
            ),
        )
        .option("--insecure", "plain HTTP and no certificate check (a registry on loopback)")
        .option("--json", "print one JSON object: {path, sha256, sizeBytes}")
        .action(
            async (from: OciReference, options: { out: string; role?: Role; insecure?: boolean; json?: boolean }) => {
                setExit(
                    await runVerb(io, Boolean(options.json), async () => {
                        await checkOutputPath(options.out);
                        const { pullPackage } = await import("../../registry/ociPackage");
                        let chosen = false;
                        const pulled = await pullPackage({
                            from,
                            insecure: options.insecure,
                            outFor: (role) => {
                                const wanted = options.role ? role === options.role : role !== "initrd";
                                if (chosen || !wanted) return undefined;
                                chosen = true;
                                return options.out;
                            },
                        });
                        const file = pulled.files[0];
                        if (!file) {
                            throw new StepFailure(
                                `the package ${from.digest} has no ${options.role ?? "kernel, disk or file"} layer`,
                            );
                        }
                        const result: PullCommandResult = {
                            path: file.path,
                            sha256: file.sha256,
                            sizeBytes: file.sizeBytes,
                        };
                        printResult(
                            io,
                            Boolean(options.json),
                            result,
                            `${result.path}\n  ${result.sizeBytes} bytes, sha256 ${result.sha256}`,
                        );
                        return ExitCode.Ok;
                    }),
                );
            },
        );
    program
        .command("fetch")
        .description(
            "Put a build made elsewhere into the cache by its package digest (promotion without sources); prints it as `build` does.",
        )
        .argument(
            "<ref>",
            "<registry>/<repository>@sha256:<digest> (what `build --registry` printed)",
            referenceOption("pull"),
        )
        .option("--insecure", "plain HTTP and no certificate check (a registry on loopback)")
        .option("--json", "print one JSON object, as `build --json`")
        .action(async (from: OciReference, options: { insecure?: boolean; json?: boolean }) => {
            setExit(
                await runVerb(io, Boolean(options.json), async () => {
                    const { fetchPackage } = await import("../../engines/fetchPackage");
                    const artifact = await fetchPackage(from, Boolean(options.insecure), (text) => io.err(text));
                    const result: BuildResult = artifact;
                    printResult(
                        io,
                        Boolean(options.json),
                        result,
                        `${artifact.path}\n  ${artifact.kind} ${artifact.name}, ${artifact.sizeBytes} bytes, sha256 ${artifact.sha256}\n  digest ${artifact.digest}, package ${artifact.package}`,
                    );
                    return ExitCode.Ok;
                }),
            );
        });
};
