// Small helpers for the supported-subset stage: the host implements part of Envoy, and every field
// outside that part must be refused by name rather than ignored.

import net from "node:net";
import { ConfigError, fieldPath } from "./config-error.ts";
import type { Msg } from "./proto-json.ts";
import type { SocketAddress } from "../contracts.ts";

export function unsupported(path: string, why = ""): ConfigError {
  return new ConfigError(path, `is valid Envoy configuration but not supported by this host${why === "" ? "" : ` (${why})`}`);
}

/** Throws for the first field of `msg` outside `allowed`. */
export function onlyFields(msg: Msg, path: string, allowed: readonly string[]): void {
  for (const key of Object.keys(msg)) {
    if (!allowed.includes(key)) throw unsupported(fieldPath(path, key));
  }
}

export function required<T>(value: T | undefined, path: string, why: string): T {
  if (value === undefined) throw new ConfigError(path, `is required: ${why}`);
  return value;
}

/** envoy.config.core.v3.Address restricted to a numeric socket_address, as STATIC clusters and listeners need. */
export function readSocketAddress(address: Msg | undefined, path: string): SocketAddress {
  const addr = required(address, path, "this host needs a socket_address { address, port_value }");
  onlyFields(addr, path, ["socket_address"]);
  const sockPath = fieldPath(path, "socket_address");
  const sock = required(addr.socket_address as Msg | undefined, sockPath, "this host needs a socket_address { address, port_value }");
  onlyFields(sock, sockPath, ["address", "port_value"]);
  const ip = sock.address as string; // PGV min_len 1 already enforced
  if (net.isIP(ip) === 0) {
    // Envoy resolves neither listener addresses nor STATIC endpoints: it parses an IP literal.
    throw new ConfigError(fieldPath(sockPath, "address"), `malformed IP address ${JSON.stringify(ip)}: an IPv4 or IPv6 literal is required here`);
  }
  return { address: ip, port: (sock.port_value as number | undefined) ?? 0 };
}
