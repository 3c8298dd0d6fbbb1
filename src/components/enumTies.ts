/**
 * Each component enum is the schema-friendly face of one closed set the model owns. This file ties
 * every enum to its model union at compile time: a value added to (or removed from) one and not the
 * other fails the build here, naming the pair. Types only; nothing here exists at run time.
 */
import type * as model from "../model";
import type {
    Architecture,
    AwsUploadMethod,
    BootMode,
    DiskFormat,
    Engine,
    Environment,
    HostRunMode,
    Hypervisor,
    KernelFamily,
    Platform,
    Protocol,
} from "./enums";

/** `true` when A and B hold exactly the same values. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Compiles only when every pair is the same set. @internal */
export type EnumTies = [
    Same<`${Engine}`, model.EngineName>,
    Same<`${KernelFamily}`, model.KernelFamily>,
    Same<`${Platform}`, model.Platform>,
    Same<`${Architecture}`, model.MachineArchitecture>,
    Same<`${BootMode}`, model.BootMode>,
    Same<`${DiskFormat}`, model.DiskFormat>,
    Same<`${Environment}`, model.Environment>,
    Same<`${Protocol}`, model.Protocol>,
    Same<`${AwsUploadMethod}`, model.UploadMethod>,
    Same<`${Hypervisor}`, model.Hypervisor>,
    Same<`${HostRunMode}`, model.HostRunMode>,
] extends true[]
    ? true
    : never;

/** The check itself: `never` (a compile error here) when a pair differs. @internal */
export const ENUM_TIES: EnumTies = true;
