// typescript-eslint with type information (tsconfig.test.json: src, test, bench, scripts and the
// command-provider stand-in). The type-checked recommended set applies in full to the package, with
// two rules off for reasons of this codebase, and relaxed in tests where `any` is the point.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    // The examples are npm packages of their own (they import the built package), checked by
    // their own tests under mocks and by the deploy tests.
    { ignores: ["dist/**", "sdk-docs/**", "node_modules/**", "examples/**", ".unikernel/**", "**/*.js", "**/*.mjs"] },
    eslint.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { project: ["./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            // The component enums are string enums tied to the model's literal unions at compile
            // time (src/components/enumTies.ts): comparing an enum value with its literal is exact.
            "@typescript-eslint/no-unsafe-enum-comparison": "off",
            // The input checks exist to find control characters (terminal escapes, line breaks in
            // values bound for a shell or a unit file), so their patterns name them on purpose.
            "no-control-regex": "off",
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
            ],
        },
    },
    {
        // Tests read mocked resource inputs and parsed JSON as `any` on purpose, load the package
        // with require() after the mocks are installed (import would run first), and give fakes
        // the async signatures of what they replace.
        files: ["test/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/require-await": "off",
        },
    },
);
