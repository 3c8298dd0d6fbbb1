/** The `aws` command group: AWS steps that run on this machine. */
import { registerDeleteSnapshotCommand } from "./awsDeleteSnapshot";
import { registerUploadSnapshotCommand } from "./awsUploadSnapshot";
import { CommandRegistration } from "../output";

/** Registers `aws` and its commands. */
export const registerAwsCommands: CommandRegistration = (program, io, setExit) => {
    const aws = program.command("aws").description("AWS steps that run on this machine (EBS direct upload).");
    registerUploadSnapshotCommand(aws, io, setExit);
    registerDeleteSnapshotCommand(aws, io, setExit);
};
