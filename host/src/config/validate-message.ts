// Strict schema check of a config fragment that is not a whole bootstrap (an Istio EnvoyFilter patch
// value, a bootstrap override): the same proto3-JSON reader and PGV rules the bootstrap loader uses,
// against any message type of the vendored Envoy API.

import { ConfigError } from "./config-error.ts";
import { readMessage, type Msg } from "./proto-json.ts";
import { resolveMessageType } from "./proto-root.ts";

/**
 * Validate `value` (plain JSON/YAML values) as the message `typeName`, e.g.
 * "envoy.config.listener.v3.Filter". Returns the normalized message; throws ConfigError naming the
 * offending field (paths start at `path`), or naming the type when it is not in the vendored protos.
 */
export function validateMessage(typeName: string, value: unknown, path = ""): Msg {
  const resolved = resolveMessageType(typeName);
  if (resolved.type === undefined) throw new ConfigError(path, resolved.problem);
  return readMessage(resolved.type, value, path);
}
