/**
 * The pure model: application, library, target, platform, architecture, engine, Kraftfile,
 * ops config and the compatibility table. No I/O and no Pulumi here; everything else builds on it.
 */
export * from "./application";
export * from "./architecture";
export * from "./assumeRole";
export * from "./bootMode";
export * from "./compatibility";
export * from "./diskFormat";
export * from "./engine";
export * from "./errors";
export * from "./kconfig";
export * from "./kraftfile";
export * from "./library";
export * from "./memory";
export * from "./ociReference";
export * from "./opsConfig";
export * from "./placement";
export * from "./platform";
export * from "./ports";
export * from "./printable";
export * from "./provenance";
export * from "./rootfs";
export * from "./problem";
export * from "./safeText";
export * from "./service";
export * from "./target";
export * from "./volume";
