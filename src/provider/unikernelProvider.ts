/**
 * The component provider that Python, Go, .NET and YAML programs reach through `pulumi package
 * add`: it serves the reviewed schema.json as is and constructs the components by type token.
 *
 * Pulumi's own source-based host (run-plugin finding ComponentResource classes) infers the schema
 * with the TypeScript analyzer on every launch, about 15 s here. The schema is already generated
 * by that same analyzer (scripts/schema.ts) and reviewed in the repository, and
 * test/unit/components/schema.spec.ts fails when it and the classes drift apart; so one schema,
 * served in milliseconds.
 */
import * as pulumi from "@pulumi/pulumi";
import * as provider from "@pulumi/pulumi/provider";

/** What the provider needs of schema.json: the package name, version and each resource's outputs. */
export interface ProviderSchema {
    name: string;
    version: string;
    resources: Record<string, { properties?: Record<string, unknown> }>;
}

type ComponentClass = new (
    name: string,
    args: never,
    opts?: pulumi.ComponentResourceOptions,
) => pulumi.ComponentResource;

/**
 * Every component, by the class name its type token ends in, loaded on first construct: GetSchema
 * (each `preview` of a YAML program) then never loads the AWS and GCP SDKs.
 */
const COMPONENTS: Readonly<Record<string, () => Promise<ComponentClass>>> = {
    UnikernelImage: async () => (await import("../components/unikernelImage")).UnikernelImage,
    LocalService: async () => (await import("../components/localService")).LocalService,
    PrivateHostService: async () => (await import("../components/privateHostService")).PrivateHostService,
    AwsImage: async () => (await import("../components/awsImage")).AwsImage,
    AwsService: async () => (await import("../components/awsService")).AwsService,
    GcpImage: async () => (await import("../components/gcpImage")).GcpImage,
    GcpService: async () => (await import("../components/gcpService")).GcpService,
};

/**
 * Path inputs, by component. A program in another language runs in its own process and directory;
 * the provider runs in the package's, so a relative path would silently name another file.
 */
const PATH_INPUTS: Readonly<Record<string, readonly string[]>> = {
    UnikernelImage: ["directory"],
    LocalService: ["diskPath", "kernelPath"],
    PrivateHostService: ["diskPath", "kernelPath"],
    AwsImage: ["diskPath"],
    GcpImage: ["diskPath"],
};

/** Relative path inputs, each with the fix; known values only (an Output is checked by the component). */
export function relativePathProblems(component: string, inputs: pulumi.Inputs): string[] {
    return (PATH_INPUTS[component] ?? []).flatMap((key) => {
        const value: unknown = inputs[key];
        if (typeof value !== "string" || value === "" || value.startsWith("/")) return [];
        return [
            `${component}.${key}: got ${JSON.stringify(value)}, a relative path; the provider runs in its own directory, ` +
                `not your program's, so give an absolute path (Pulumi YAML: "\${pulumi.cwd}/${value}"; Python: os.path.abspath(...))`,
        ];
    });
}

/** The provider over a schema given as its JSON text (schema.json). */
export class UnikernelProvider implements provider.Provider {
    public readonly version: string;
    /** The schema's JSON text: the provider server answers GetSchema with `schema` when it is set. */
    public readonly schema: string;
    private readonly parsed: ProviderSchema;

    constructor(schemaText: string) {
        this.parsed = parseProviderSchema(schemaText);
        this.schema = schemaText;
        this.version = this.parsed.version;
    }

    getSchema(): Promise<string> {
        return Promise.resolve(this.schema);
    }

    async construct(
        name: string,
        type: string,
        inputs: pulumi.Inputs,
        options: pulumi.ComponentResourceOptions,
    ): Promise<provider.ConstructResult> {
        const resource = this.parsed.resources[type];
        const className = type.split(":")[2] ?? "";
        const load = COMPONENTS[className];
        if (!resource || !load || !type.startsWith(`${this.parsed.name}:index:`)) {
            throw new Error(
                `unknown resource type ${JSON.stringify(type)}; this provider has ${Object.keys(this.parsed.resources).join(", ")}`,
            );
        }
        const relative = relativePathProblems(className, inputs);
        if (relative.length) throw new Error(relative.join("\n"));
        const component = await load();
        const instance = new component(name, inputs as never, options);
        // The outputs are the schema's properties, read off the instance as the source-based host does.
        const state: pulumi.Inputs = {};
        for (const key of Object.keys(resource.properties ?? {})) {
            state[key] = (instance as unknown as Record<string, unknown>)[key];
        }
        return { urn: instance.urn, state };
    }
}

/** Reads the parts of schema.json the provider uses, refusing a schema that names a class it lacks. */
export function parseProviderSchema(text: string): ProviderSchema {
    const schema = JSON.parse(text) as Partial<ProviderSchema>;
    if (
        typeof schema.name !== "string" ||
        typeof schema.version !== "string" ||
        typeof schema.resources !== "object" ||
        schema.resources === null
    ) {
        throw new Error("schema.json has no name, version or resources: regenerate it with `npm run schema`");
    }
    const missing = Object.keys(schema.resources).filter((type) => !COMPONENTS[type.split(":")[2] ?? ""]);
    if (missing.length) {
        throw new Error(
            `schema.json names ${missing.join(", ")}, which the provider does not construct: add the class to src/provider/unikernelProvider.ts`,
        );
    }
    return schema as ProviderSchema;
}
