// proxy_get_property / proxy_set_property (docs §4.4). Paths are split on \0, never on dots.
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

export const propertyFns: HostFnDef[] = [
  envFn("proxy_get_property", "iiii", "i", (h, pathPtr: number, pathLen: number, valPtrPtr: number, valSizePtr: number) => {
    const path = h.readString(pathPtr, pathLen);
    if (path === undefined) return Status.InvalidMemoryAccess;
    const value = h.current().getProperty(path.split("\0"));
    if (value === undefined) return Status.NotFound;
    if (typeof value === "number") return value;
    return h.copyOut(value, valPtrPtr, valSizePtr) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_set_property", "iiii", "i", (h, keyPtr: number, keyLen: number, valPtr: number, valLen: number) => {
    const key = h.readString(keyPtr, keyLen);
    const value = h.read(valPtr, valLen);
    if (key === undefined || value === undefined) return Status.InvalidMemoryAccess;
    return h.current().setProperty(key, value.slice());
  }),
];

/** Property value encodings (Envoy serializeValue). */
export function encodeString(s: string): Uint8Array { return new TextEncoder().encode(s); }
export function encodeInt64(v: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, BigInt(v), true);
  return out;
}
export function encodeUint64(v: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(v), true);
  return out;
}
