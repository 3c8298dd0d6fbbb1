/** System call tables of the unikernel families, as data, and how a program's calls compare with them. */
import { NANOS_SYSCALLS } from "./nanos";
import { SyscallTable } from "./table";
import { UNIKRAFT_SYSCALLS } from "./unikraft";

export * from "./compare";
export * from "./linuxX86_64";
export * from "./nanos";
export * from "./table";
export * from "./unikraft";

/** Every family's table, in the order reports list them. */
export const SYSCALL_TABLES: readonly SyscallTable[] = [UNIKRAFT_SYSCALLS, NANOS_SYSCALLS];
