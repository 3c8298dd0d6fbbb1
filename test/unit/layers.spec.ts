/**
 * The folder layering the README draws: a module imports only from its own folder or from a
 * folder on a lower layer, so the model never reaches Pulumi or I/O and nothing runs back up.
 */
import { strict as assert } from "assert";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";

const SRC = path.join(__dirname, "..", "..", "src");

/** The README's layers, bottom first; folders on one layer do not import each other. */
const LAYERS: readonly (readonly string[])[] = [
    ["model"],
    ["internal"],
    ["disk", "registry"],
    ["engines", "hosts"],
    ["contract"],
    ["clouds", "measure"],
    ["cli", "components"],
    ["provider"],
];

const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? sourceFiles(full) : entry.name.endsWith(".ts") ? [full] : [];
    });
}

/** Relative module specifiers of every import, export-from and require in a file. */
function relativeImports(file: string): string[] {
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(/(?:\bfrom\s+|\brequire\(\s*|\bimport\(\s*)["'](\.[^"']*)["']/g)].map((m) => m[1]);
}

describe("source layering", () => {
    const files = sourceFiles(SRC).filter((f) => path.dirname(f) !== SRC);

    it("knows every folder under src/", () => {
        const folders = [...new Set(files.map((f) => path.relative(SRC, f).split(path.sep)[0]))];
        assert.deepEqual(
            folders.filter((f) => layerOf(f) < 0),
            [],
            "add the new folder to LAYERS and to the README's picture",
        );
    });

    it("imports only from the same folder or a lower layer", () => {
        const upward: string[] = [];
        for (const file of files) {
            const from = path.relative(SRC, file).split(path.sep)[0];
            for (const spec of relativeImports(file)) {
                const target = path.relative(SRC, path.resolve(path.dirname(file), spec)).split(path.sep)[0];
                if (target === from || target === "..") continue;
                if (layerOf(target) < 0 || layerOf(target) >= layerOf(from)) {
                    upward.push(`${path.relative(SRC, file)} imports ${spec} (${from} -> ${target})`);
                }
            }
        }
        assert.ok(files.length > 100, `read ${files.length} files`);
        assert.deepEqual(upward, []);
    });
});
