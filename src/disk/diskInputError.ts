/** Input problems found before a disk step writes anything (missing files, wrong kernel, too small). */
export class DiskInputError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "DiskInputError";
    }
}
