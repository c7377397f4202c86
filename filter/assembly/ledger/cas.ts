// Compare-and-swap helpers over Envoy shared data, for the fixed binary ledgers in this folder.
//
// Envoy's set(key, value, cas): cas 0 writes unconditionally, a nonzero cas must equal the stored
// one, and a nonzero cas on an ABSENT key succeeds. So "create only if absent" is a set with a cas
// no stored value can have: the host's global cas counter starts at 1 and only reaches 0xFFFFFFFF
// after four billion writes, so CREATE_CAS fails (CasMismatch) whenever somebody created the key
// first. Two VMs racing to create a ledger therefore cannot overwrite each other's grants.
import { getSharedData, setSharedData, WasmResult } from "../../../abi/assembly";

// @ts-ignore: decorator
@inline export const CREATE_CAS: u32 = 0xffffffff;
/** Attempts per operation: every loop in a callback is bounded; losing all of them is reported. */
// @ts-ignore: decorator
@inline export const MAX_CAS_ATTEMPTS: i32 = 16;

/** The latest read: bytes copied into `scratch` (null when absent or malformed) and the cas to write with. */
export class LedgerRead {
  found: bool = false;
  cas: u32 = 0;
  status: u32 = 0;
}

/**
 * Reads `key` into `into` (exactly `size` bytes expected). Returns false when the key is absent,
 * has another size, or the host failed (status in `out.status`); `out.cas` is then the cas to use
 * for a write that replaces it (CREATE_CAS when absent).
 */
export function readLedger(key: string, into: ArrayBuffer, out: LedgerRead): bool {
  const r = getSharedData(key);
  out.status = r.status;
  const v = r.value;
  if (r.status == WasmResult.NotFound || v === null) {
    out.found = false;
    out.cas = r.status == WasmResult.NotFound ? CREATE_CAS : 0;
    return false;
  }
  out.cas = r.cas;
  if (v.byteLength != into.byteLength) { out.found = false; return false; }
  memory.copy(changetype<usize>(into), changetype<usize>(v), <usize>into.byteLength);
  out.found = true;
  return true;
}

/** Writes `value` if the key still has `cas`: Ok, CasMismatch or a host error. */
export function writeLedger(key: string, value: ArrayBuffer, cas: u32): u32 {
  return setSharedData(key, value, cas);
}
