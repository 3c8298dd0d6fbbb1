/**
 * Exclusive locks between processes on this machine (two `pulumi up` of two stacks, two CI jobs):
 * proper-lockfile's atomic `mkdir` lock, refreshed while held, so the lock of a process that was
 * killed goes stale after 20 s and the next one takes over.
 */
import * as lockfile from "proper-lockfile";
import { StepFailure } from "../model";

/** Runs `body` while holding the lock at `lockPath` (a directory created and removed by the lock); waits for it up to `waitMs`. */
export async function withLock<T>(
    lockPath: string,
    waitMs: number,
    log: (text: string) => void,
    body: () => Promise<T>,
): Promise<T> {
    let waited = false;
    let compromised: Error | undefined;
    const started = Date.now();
    let release: () => Promise<void>;
    for (;;) {
        try {
            release = await lockfile.lock(lockPath, {
                realpath: false,
                lockfilePath: lockPath,
                stale: 20_000,
                // A held lock that could not be refreshed may have been taken over: the result is not published.
                onCompromised: (error) => {
                    compromised = error;
                },
            });
            break;
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ELOCKED") throw error;
            if (Date.now() - started > waitMs) {
                throw new StepFailure(
                    `gave up after ${Math.round(waitMs / 1000)} s waiting for ${lockPath}, held by another process; remove it if no other run is going`,
                );
            }
            if (!waited) log(`waiting for another run that holds ${lockPath}\n`);
            waited = true;
            await new Promise((r) => setTimeout(r, 250));
        }
    }
    try {
        const result = await body();
        if (compromised)
            throw new StepFailure(
                `the lock ${lockPath} was lost while this run held it (${compromised.message}); run again`,
            );
        return result;
    } finally {
        await release().catch(() => undefined);
    }
}
