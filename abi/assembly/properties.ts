// Property access with Envoy's path rules: segments are separated by `\0`, never by dots
// ("source.address" is NotFound; ["source", "address"] works). Values come back in Envoy's
// encodings (envoy-wasm-host.md §4.4): strings raw, ints 8-byte little-endian, bools 1 byte.
// Missing properties are normal (e.g. upstream.* before tcp_proxy connects): every reader
// returns null / the caller's fallback, never aborts.
import * as host from "./hostcalls";

/** UTF-8 path with `\0` between segments, as proxy_get_property expects. */
export function encodePropertyPath(path: string[]): ArrayBuffer {
  return String.UTF8.encode(path.join("\0"), false);
}

/** Like getProperty, for a path encoded once with encodePropertyPath (no per-call encoding). */
export function getPropertyEncoded(encodedPath: ArrayBuffer): ArrayBuffer | null {
  return host.getProperty(encodedPath);
}

/** Raw value bytes (possibly empty), or null when absent or on error (see lastStatus). */
export function getProperty(path: string[]): ArrayBuffer | null {
  return host.getProperty(encodePropertyPath(path));
}

/** A string-valued property (address, plugin_name, ...), or null. */
export function getPropertyString(path: string[]): string | null {
  const bytes = getProperty(path);
  return bytes === null ? null : String.UTF8.decode(bytes, false);
}

/** An int/uint/timestamp/duration property (8 bytes LE), or `fallback` when absent or not 8 bytes. */
export function getPropertyI64(path: string[], fallback: i64): i64 {
  const bytes = getProperty(path);
  if (bytes === null || bytes.byteLength != 8) return fallback;
  return load<i64>(changetype<usize>(bytes));
}

/** A bool property (1 byte), or `fallback`. */
export function getPropertyBool(path: string[], fallback: bool): bool {
  const bytes = getProperty(path);
  if (bytes === null || bytes.byteLength != 1) return fallback;
  return load<u8>(changetype<usize>(bytes)) != 0;
}

/** Envoy stores it in the connection's filter state as `wasm.<path>`. */
export function setProperty(path: string[], value: ArrayBuffer): u32 {
  return host.setProperty(encodePropertyPath(path), value);
}
