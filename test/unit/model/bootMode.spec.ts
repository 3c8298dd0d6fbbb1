/** The one rule for boot modes, which every component, the disk maker and the CLI apply. */
import { strict as assert } from "assert";
import { BOOT_MODES, MACHINE_ARCHITECTURES, defaultBootMode, resolveBootMode } from "../../../src/model";

describe("resolveBootMode", () => {
    it("defaults to BIOS on x86_64 and UEFI on arm64", () => {
        assert.deepEqual(MACHINE_ARCHITECTURES.map(defaultBootMode), ["bios", "uefi"]);
        assert.equal(resolveBootMode("x86_64", undefined).value, "bios");
        assert.equal(resolveBootMode("arm64", undefined).value, "uefi");
    });

    it("keeps what is asked for where it boots", () => {
        for (const mode of BOOT_MODES) assert.equal(resolveBootMode("x86_64", mode).value, mode);
        assert.equal(resolveBootMode("arm64", "uefi").value, "uefi");
    });

    it("refuses BIOS on arm64 at the path given, with the reason given", () => {
        assert.deepEqual(resolveBootMode("arm64", "bios").problems, [
            { path: "bootMode", message: "is bios, but arm64 boots by UEFI only; use uefi" },
        ]);
        assert.deepEqual(resolveBootMode("arm64", "bios", "image.boot", "Graviton has UEFI only").problems, [
            { path: "image.boot", message: "is bios, but Graviton has UEFI only" },
        ]);
    });

    it("refuses a value that is no boot mode", () => {
        assert.match(
            resolveBootMode("x86_64", "coreboot").problems[0].message,
            /got "coreboot"; expected one of bios, uefi|got "coreboot"; expected bios or uefi/,
        );
    });
});
