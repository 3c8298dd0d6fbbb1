/**
 * pulumi-unikernel: Pulumi components that build a unikernel with its own engine and run it as
 * infrastructure on this machine, on private hosts, on AWS and on GCE.
 *
 * This barrel exports the components, their Args types and the public enums, nothing else: it is
 * also what the component provider's schema is inferred from.
 */
export { UnikernelImage, UnikernelImageArgs } from "./components/unikernelImage";
export { LocalService, LocalServiceArgs } from "./components/localService";
export { PrivateHostService, PrivateHostServiceArgs } from "./components/privateHostService";
export { AwsImage, AwsImageArgs } from "./components/awsImage";
export { AwsService, AwsServiceArgs } from "./components/awsService";
export { GcpImage, GcpImageArgs } from "./components/gcpImage";
export { GcpService, GcpServiceArgs } from "./components/gcpService";
export * from "./components/enums";
export * from "./components/types";
