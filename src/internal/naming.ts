/** Names made from user input that end up as file names, unit names or cache paths. */

/**
 * A file-name-safe form of `name`: letters, digits, ".", "_" and "-" only, starting with a letter or
 * digit, at most `max` characters; never "", "." or "..". Distinct names can map to the same result,
 * so callers that need uniqueness add a hash beside it.
 */
export function safeFileName(name: string, max = 60): string {
    const cleaned = name
        .replace(/[^A-Za-z0-9._-]+/g, "-")
        .replace(/^[^A-Za-z0-9]+/, "")
        .slice(0, max)
        .replace(/[.-]+$/, "");
    return cleaned || "unnamed";
}
