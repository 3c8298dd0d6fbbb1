import { UnikernelError } from "../model";

/** Input problems found before a disk step writes anything (missing files, wrong kernel, too small). */
export class DiskInputError extends UnikernelError {
    constructor(message: string) {
        super(message);
    }
}
