/**
 * pulumi-unikernel: Pulumi components that build a unikernel and run it as infrastructure.
 *
 * Components arrive with the component issue; today the public surface is the pure model
 * (applications, Kraftfiles, ops configs, the compatibility table), exported as `model` so
 * pipelines can validate what they will build with the same rules the components use.
 */
export * as model from "./model";
