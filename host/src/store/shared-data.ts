// Envoy's shared data (proxy-wasm-cpp-host src/shared_data.cc): one process-wide map
// (vm_id, key) -> (value, cas). Callers hold the store lock.
//
//   entry record:  [ next ][ hash ][ cas ][ vmIdLen ][ keyLen ][ valuePtr ][ valueLen ][ vmId bytes, key bytes ]
//                   word 0   1       2      3          4         5           6          byte 28 ...

import { Status } from "../contracts.ts";
import type { Heap } from "./heap.ts";
import type { KeyBytes } from "./key-bytes.ts";
import { KeyedTable } from "./keyed-table.ts";
import { W } from "./layout.ts";

const E_CAS = 2;
const E_VALUE_PTR = 5;
const E_VALUE_LEN = 6;
const E_KEY_BYTES = 28;

export class SharedDataTable {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly heap: Heap;
  readonly table: KeyedTable;

  constructor(i32: Int32Array, u8: Uint8Array, heap: Heap) {
    this.i32 = i32;
    this.u8 = u8;
    this.heap = heap;
    this.table = new KeyedTable(i32, u8, heap,
      { buckets: W.DATA_BUCKETS, mask: W.DATA_MASK, count: W.DATA_COUNT },
      { lenAWord: 3, lenBWord: 4, keyBytesAt: E_KEY_BYTES }, "shared data");
  }

  get(key: KeyBytes): { value: Uint8Array; cas: number } | undefined {
    const r = this.table.find(key);
    if (r === 0) return undefined;
    const w = r >> 2;
    const p = this.i32[w + E_VALUE_PTR];
    const n = this.i32[w + E_VALUE_LEN];
    const value = new Uint8Array(n);
    if (n > 0) value.set(this.u8.subarray(p, p + n));
    return { value, cas: this.i32[w + E_CAS] >>> 0 };
  }

  /** Copy the value into `out` when it fits; returns its length and cas either way (-1 length if absent). */
  getInto(key: KeyBytes, out: Uint8Array, result: { length: number; cas: number }): void {
    const r = this.table.find(key);
    if (r === 0) {
      result.length = -1;
      result.cas = 0;
      return;
    }
    const w = r >> 2;
    const p = this.i32[w + E_VALUE_PTR];
    const n = this.i32[w + E_VALUE_LEN];
    if (n > 0 && n <= out.length) out.set(this.u8.subarray(p, p + n));
    result.length = n;
    result.cas = this.i32[w + E_CAS] >>> 0;
  }

  set(key: KeyBytes, value: Uint8Array, cas: number): number {
    const r = this.table.find(key);
    if (r !== 0) {
      const w = r >> 2;
      // Envoy: a nonzero cas must match; 0 writes unconditionally.
      if (cas !== 0 && cas !== this.i32[w + E_CAS] >>> 0) return Status.CasMismatch;
      const old = this.i32[w + E_VALUE_PTR];
      const p = this.placeValue(value, old);
      if (old !== 0 && old !== p) this.heap.free(old);
      this.i32[w + E_VALUE_PTR] = p;
      this.i32[w + E_VALUE_LEN] = value.length;
      this.i32[w + E_CAS] = this.nextCas();
      return Status.Ok;
    }
    // Envoy: creating a key ignores the cas given (even a nonzero one succeeds).
    this.table.ensureHeads();
    const rec = this.heap.alloc(E_KEY_BYTES + key.length, "a shared data key");
    let p: number;
    try {
      p = this.placeValue(value, 0);
    } catch (e) {
      this.heap.free(rec);
      throw e;
    }
    const w = rec >> 2;
    this.i32[w + 1] = key.hash;
    this.i32[w + 3] = key.lenA;
    this.i32[w + 4] = key.lenB;
    this.i32[w + E_VALUE_PTR] = p;
    this.i32[w + E_VALUE_LEN] = value.length;
    this.u8.set(key.bytes.subarray(0, key.length), rec + E_KEY_BYTES);
    this.i32[w + E_CAS] = this.nextCas();
    this.table.insert(rec);
    return Status.Ok;
  }

  /** Where the new value goes: the old block when it is the same size class, else a fresh block. */
  private placeValue(value: Uint8Array, old: number): number {
    const n = value.length;
    if (n === 0) return 0;
    const p = old !== 0 && this.heap.sameClass(old, n) ? old : this.heap.alloc(n, `a ${n}-byte shared data value`);
    this.u8.set(value, p);
    return p;
  }

  /** Envoy's nextCas: one global u32 counter that starts at 1 and never yields 0. */
  private nextCas(): number {
    const cas = this.i32[W.CAS_NEXT] >>> 0;
    const next = (cas + 1) >>> 0;
    this.i32[W.CAS_NEXT] = next === 0 ? 1 : next;
    return cas;
  }
}
