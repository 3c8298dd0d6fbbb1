/**
 * Turning model problems into the errors Pulumi prints well: one bad field is an
 * InputPropertyError, several are one InputPropertiesError, so users see every problem at once.
 * Plain inputs are checked during construction; inputs that are Outputs are checked in one apply,
 * with the same errors.
 */
import * as pulumi from "@pulumi/pulumi";
import { Problem, formatProblem } from "../model";

/** Throws the Pulumi error for a non-empty problem list. */
export function throwProblems(component: string, problems: readonly Problem[]): void {
    if (problems.length === 0) {
        return;
    }
    if (problems.length === 1) {
        throw new pulumi.InputPropertyError({ propertyPath: problems[0].path, reason: problems[0].message });
    }
    throw new pulumi.InputPropertiesError({
        message: `${component} has ${problems.length} invalid inputs:\n${problems.map((p) => `  - ${formatProblem(p)}`).join("\n")}`,
        errors: problems.map((p) => ({ propertyPath: p.path, reason: p.message })),
    });
}

/** True when a value holds no Output or Promise anywhere inside (so it can be checked now). */
export function isPlain(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return false;
    }
    if (Array.isArray(value)) {
        return value.every(isPlain);
    }
    if (value && typeof value === "object") {
        return Object.values(value).every(isPlain);
    }
    return true;
}

/**
 * Validates args with `validate` now when they are plain, else inside one apply. Returns the
 * resolved, validated args as an Output either way.
 */
export function checkedArgs<T extends object, R>(
    component: string,
    args: T,
    validate: (plain: pulumi.Unwrap<T>) => { value?: R; problems: Problem[] },
): pulumi.Output<R> {
    if (isPlain(args)) {
        const result = validate(args as pulumi.Unwrap<T>);
        throwProblems(component, result.problems);
        return pulumi.output(result.value as R) as pulumi.Output<R>;
    }
    return pulumi.output(args).apply<R>((plain) => {
        const result = validate(plain);
        throwProblems(component, result.problems);
        return result.value as R;
    });
}

/**
 * Throws when any of `keys` holds an Output: such inputs decide which resources a component creates,
 * or are checked before any is created, so they must be known when the program runs. Returns those
 * inputs typed as the plain values they were just shown to be.
 */
export function requirePlain<T extends object, K extends keyof T & string>(
    args: T,
    keys: readonly K[],
    reason = "it decides which resources this component creates",
): { [P in K]: pulumi.Unwrap<T[P]> } {
    for (const key of keys) {
        if (!isPlain(args[key])) {
            throw new pulumi.InputPropertyError({
                propertyPath: key,
                reason: `must be a plain value, not an Output: ${reason}`,
            });
        }
    }
    return args as unknown as { [P in K]: pulumi.Unwrap<T[P]> };
}
