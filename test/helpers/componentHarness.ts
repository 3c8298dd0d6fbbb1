/**
 * What the component specs share: the package loaded under pulumi.runtime.setMocks, and helpers
 * that construct a component and return what it registered, or assert it was refused before any
 * child was registered.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, record, recorded, settle } from "./mocks";

installMocks();
// Loaded after the mocks, as the components must see them.

export const uk = require("../../src") as typeof import("../../src");

/** Resource options that record every registration. */
export const opts = { transformations: [record] };

/**
 * Builds a component and returns what it registered (the component first, then its children).
 * `until` names an output to wait for first, for components whose children are made only after a
 * lookup answers (image reuse, a package read).
 */
export async function construct<T>(
    make: () => T,
    until?: (component: T) => pulumi.Output<unknown>,
): Promise<{ component: T; children: typeof recorded }> {
    const mark = recorded.length;
    const component = make();
    if (until) await new Promise((resolve) => until(component).apply(resolve));
    await settle();
    const all = recorded.slice(mark);
    return { component, children: all.slice(1) };
}

/** Asserts that construction throws an input error mentioning each path, and registers no child. */
export async function rejects(make: () => unknown, paths: string[], fragment?: RegExp): Promise<void> {
    const mark = recorded.length;
    let error: any;
    try {
        make();
    } catch (e) {
        error = e;
    }
    assert.ok(error, "expected an input error");
    assert.ok(
        pulumi.InputPropertyError.isInstance(error) || pulumi.InputPropertiesError.isInstance(error),
        `${error?.name}: ${error?.message}`,
    );
    const got: string[] = pulumi.InputPropertiesError.isInstance(error)
        ? error.errors.map((e: any) => e.propertyPath)
        : [error.propertyPath];
    assert.deepEqual(got.sort(), [...paths].sort(), error.message);
    if (fragment) assert.match(pulumi.InputPropertiesError.isInstance(error) ? error.message : error.reason, fragment);
    assert.equal(
        recorded.slice(mark).filter((r) => !r.type.startsWith("pulumi-unikernel:")).length,
        0,
        "no child was registered",
    );
}

/** `type name` of each registration, for comparing a component's tree. */
export const shape = (children: typeof recorded) => children.map((c) => `${c.type} ${c.name}`);

/** The files a private-host script writes (each from base64, so no content can end a heredoc), decoded and joined. */
export function writtenFiles(script: string): string {
    return [...script.matchAll(/printf '%s' '([A-Za-z0-9+/=]+)' \| base64 -d/g)]
        .map((m) => Buffer.from(m[1], "base64").toString("utf8"))
        .join("\n");
}
