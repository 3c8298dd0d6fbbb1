/**
 * The system call tables as data (every name an x86_64 call, a source file for each, none both
 * implemented and stubbed, a version and sources), and the comparison of a program's calls with one.
 */
import { strict as assert } from "assert";
import {
    LIBC_FALLBACKS,
    LINUX_X86_64_SYSCALLS,
    SYSCALL_TABLES,
    SyscallTable,
    coverageOf,
    tableProblems,
} from "../../../src/model/syscalls";

describe("system call tables", () => {
    it("lists x86_64's calls once each, in the kernel's names", () => {
        assert.equal(new Set(LINUX_X86_64_SYSCALLS).size, LINUX_X86_64_SYSCALLS.length);
        for (const name of ["read", "write", "newfstatat", "rt_sigaction", "clone3", "openat"]) {
            assert.ok(LINUX_X86_64_SYSCALLS.includes(name), name);
        }
        assert.ok(!LINUX_X86_64_SYSCALLS.includes("fstatat"), "strace and the kernel say newfstatat");
    });

    for (const table of SYSCALL_TABLES) {
        it(`${table.family} ${table.version}: well-formed, with its sources`, () => {
            assert.deepEqual(tableProblems(table, LINUX_X86_64_SYSCALLS), []);
            assert.ok(Object.keys(table.implemented).length > 50, "a real table, not a handful");
            for (const name of ["read", "write", "exit_group"]) assert.ok(Object.hasOwn(table.implemented, name), name);
            for (const source of table.sources) assert.match(source.ref, /\S/);
        });
    }

    it("finds what a bad table gets wrong", () => {
        const bad: SyscallTable = {
            family: "nanos",
            version: "",
            sources: [],
            notes: "",
            implemented: { read: "a.c", fstatat: "b.c", write: "" },
            stubbed: { read: "a.c" },
        };
        assert.deepEqual(tableProblems(bad, LINUX_X86_64_SYSCALLS), [
            "nanos implemented fstatat: not an x86_64 system call",
            "nanos implemented write: no source file",
            "nanos read: both implemented and stubbed",
            "nanos: no version or sources",
        ]);
    });

    it("splits a program's calls into implemented, stubbed and missing, naming what libc falls back from", () => {
        const table: SyscallTable = {
            family: "unikraft",
            version: "1",
            sources: [{ repository: "r", ref: "t", paths: ["p"] }],
            notes: "",
            implemented: { read: "a.c", write: "a.c" },
            stubbed: { mlock: "b.c" },
        };
        const c = coverageOf({ read: 4, write: 2, mlock: 1, rseq: 1, swapon: 1 }, table);
        assert.equal(c.coverage, 0.4);
        assert.deepEqual(c.stubbed, ["mlock"]);
        assert.deepEqual(c.missing, ["rseq", "swapon"]);
        assert.deepEqual(c.tolerated, { rseq: LIBC_FALLBACKS.rseq });
        assert.equal(c.verdict, "missing calls");
        assert.equal(coverageOf({ read: 1, rseq: 1 }, table).verdict, "supported");
        assert.equal(coverageOf({ read: 1, mlock: 1 }, table).verdict, "stubs used");
        assert.equal(coverageOf({}, table).coverage, 1);
        // A call the table names but answers with ENOSYS is missing.
        const named = coverageOf({ read: 1, swapon: 1 }, { ...table, enosys: { swapon: "c.c" } });
        assert.deepEqual(named.missing, ["swapon"]);
        assert.equal(named.verdict, "missing calls");
    });
});
