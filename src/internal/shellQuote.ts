/** Quoting for POSIX shells that leaves plain words alone, so generated commands stay readable in diffs. */

/** Quotes one word: unchanged when it has only safe characters, else in single quotes. */
export function shellWord(word: string): string {
    return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** Quotes an argv as one command line. */
export function shellCommand(argv: readonly string[]): string {
    return argv.map(shellWord).join(" ");
}
