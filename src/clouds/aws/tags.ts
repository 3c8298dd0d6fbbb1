/** The tags an AWS image may carry. */
import { Problem, findUnsafeCharacter } from "../../model";

/**
 * AWS tag rules (EC2 and IAM alike): keys 1-128 characters, values at most 256, neither starting
 * with the reserved "aws:" prefix, the package's own "unikernel:" keys left to it. Keys also must
 * not hold "=", which the upload command's `--tag key=value` splits on.
 */
export function checkAwsTags(tags: Record<string, string>): Problem[] {
    const problems: Problem[] = [];
    for (const [key, value] of Object.entries(tags)) {
        const at = `tags[${JSON.stringify(key)}]`;
        if (key.length < 1 || key.length > 128 || key.includes("=") || findUnsafeCharacter(key)) {
            problems.push({ path: at, message: 'the key must be 1 to 128 printable characters without "="' });
        } else if (/^aws:/i.test(key) || key.startsWith("unikernel:")) {
            problems.push({
                path: at,
                message: `the key prefix "${key.split(":")[0]}:" is reserved (by AWS, or for the tags this package sets); choose another key`,
            });
        }
        if (typeof value !== "string" || value.length > 256 || findUnsafeCharacter(value)) {
            problems.push({ path: at, message: "the value must be a string of at most 256 printable characters" });
        }
    }
    return problems;
}
