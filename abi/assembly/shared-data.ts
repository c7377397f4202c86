// Shared data (process-wide, scoped by vm_id) and the compare-and-swap update loop.
//
// Envoy's rules (envoy-wasm-host.md §5.1): get returns a nonzero cas; set with cas 0 writes
// unconditionally; a nonzero cas that differs gives CasMismatch; a nonzero cas on an ABSENT key
// succeeds. Consequence: creating a key can never be conditional — two VMs that both see the key
// absent both "win". Create keys where only one writer exists (e.g. the singleton service's
// on_vm_start) before concurrent updates begin, or accept that a racing first write may be lost.
import * as host from "./hostcalls";
import { WasmResult } from "./types";

export { SharedDataValue } from "./hostcalls";

/** Reads `key`: `.value` null and `.status` NotFound when absent. */
export function getSharedData(key: string): host.SharedDataValue {
  return host.getSharedData(key);
}

/** Writes `key`; cas 0 = unconditional. Ok, CasMismatch, or another host status. */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32 = 0): u32 {
  return host.setSharedData(key, value, cas);
}

/**
 * The new value computed from the current one (null when the key is absent). Return null to
 * leave the key untouched. Subclass it to carry whatever state the update needs (AS closures
 * cannot capture locals). `apply` may run several times when other writers interfere.
 */
export abstract class SharedDataUpdate {
  abstract apply(current: ArrayBuffer | null): ArrayBuffer | null;
}

/** Outcome of updateSharedData. */
export class SharedDataUpdateResult {
  constructor(public status: u32, public attempts: i32, public cas: u32) {}
}

/**
 * get → apply → set(cas) until it sticks, at most `maxAttempts` times (bounded: every loop in a
 * callback must be). status: Ok (written, or `apply` declined), CasMismatch (lost every race),
 * or the host's error. `cas` is the cas the written value was based on (0 when created).
 */
export function updateSharedData(key: string, update: SharedDataUpdate, maxAttempts: i32 = 8): SharedDataUpdateResult {
  let status: u32 = WasmResult.CasMismatch;
  let attempts = 0;
  let cas: u32 = 0;
  while (attempts < maxAttempts) {
    attempts++;
    const current = host.getSharedData(key);
    if (current.status != WasmResult.Ok && current.status != WasmResult.NotFound) {
      return new SharedDataUpdateResult(current.status, attempts, 0);
    }
    const next = update.apply(current.value);
    if (next === null) return new SharedDataUpdateResult(WasmResult.Ok, attempts, current.cas);
    cas = current.cas;
    status = host.setSharedData(key, next, cas);
    if (status != WasmResult.CasMismatch) break;
  }
  return new SharedDataUpdateResult(status, attempts, cas);
}
