/** A kernel family's system call table, as data derived from its sources. */
export interface SyscallTable {
    family: "unikraft" | "nanos";
    /** The release the table was read from. */
    version: string;
    /** Where: repository, tag, and the files read. */
    sources: readonly { repository: string; ref: string; paths: readonly string[] }[];
    /** What the table leaves out or assumes. */
    notes: string;
    /** Implemented calls: name -> the source file that defines it. */
    implemented: Readonly<Record<string, string>>;
    /** Calls that exist but do nothing useful (ignored, always 0): name -> file. */
    stubbed: Readonly<Record<string, string>>;
    /** Calls the table names without a handler, so they answer ENOSYS: missing, but named (name -> file). */
    enosys?: Readonly<Record<string, string>>;
}
