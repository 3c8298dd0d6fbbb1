/**
 * The one base class of the package's expected errors: bad input, a file that fails its checks, a
 * tool that is missing or failed, a step that could not finish. The CLI prints such an error's
 * message as it is and exits 1; anything else is a bug and is shown with its stack (exit 70).
 * Subclasses only name the kind, for callers that want to tell them apart.
 */
export class UnikernelError extends Error {
    constructor(message: string) {
        super(message);
        this.name = new.target.name;
    }
}

/**
 * A request that breaks a rule no file or machine state decides: options that contradict each
 * other, or a value a rule refuses. The CLI exits 2 for it, as for any usage error.
 */
export class UsageError extends UnikernelError {}

/** A step that could not finish for a reason outside the package (a tool, the machine, a lock). */
export class StepFailure extends UnikernelError {}
