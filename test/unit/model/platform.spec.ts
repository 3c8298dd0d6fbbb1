import { strict as assert } from "assert";
import { parseArchitecture, parsePlatform } from "../../../src/model";

describe("parsePlatform", () => {
    const accepted: [string, string][] = [
        ["qemu", "qemu"],
        ["kvm", "qemu"],
        ["fc", "fc"],
        ["firecracker", "fc"],
        ["xen", "xen"],
    ];
    for (const [input, canonical] of accepted) {
        it(`reads "${input}" as ${canonical}`, () =>
            assert.deepEqual(parsePlatform(input, "p"), { value: canonical, problems: [] }));
    }
    const rejected: [unknown, string][] = [
        ["vmware", 'got "vmware"; expected one of qemu, fc, xen (aliases: kvm for qemu, firecracker for fc)'],
        ["QEMU", 'got "QEMU"; expected one of qemu, fc, xen'],
        ["linuxu", 'got "linuxu": linuxu was removed from Unikraft core in 0.17; build for qemu'],
        ["constructor", 'got "constructor"; expected one of qemu, fc, xen'],
        [3, "got number 3"],
        [null, "got nothing"],
    ];
    for (const [input, fragment] of rejected) {
        it(`rejects ${JSON.stringify(input)} with the allowed names`, () => {
            const parsed = parsePlatform(input, "targets[1].platform");
            assert.equal(parsed.value, undefined);
            assert.equal(parsed.problems[0].path, "targets[1].platform");
            assert.ok(parsed.problems[0].message.includes(fragment), parsed.problems[0].message);
        });
    }
});

describe("parseArchitecture", () => {
    const accepted: [string, string][] = [
        ["x86_64", "x86_64"],
        ["amd64", "x86_64"],
        ["arm64", "arm64"],
        ["aarch64", "arm64"],
        ["arm", "arm"],
    ];
    for (const [input, canonical] of accepted) {
        it(`reads "${input}" as ${canonical}`, () => assert.equal(parseArchitecture(input, "a").value, canonical));
    }
    for (const input of ["i386", "riscv64", "", "toString"]) {
        it(`rejects "${input}"`, () => {
            const parsed = parseArchitecture(input, "arch");
            assert.equal(parsed.value, undefined);
            assert.match(parsed.problems[0].message, /expected one of x86_64, arm64, arm/);
        });
    }
});
