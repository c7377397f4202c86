export { loadHostConfig, parseHostConfig } from "./load-host-config.ts";
export type { LoadOptions } from "./load-host-config.ts";
export { ConfigError } from "./config-error.ts";
export { validateMessage } from "./validate-message.ts";
