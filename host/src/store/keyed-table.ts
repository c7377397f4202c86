// A chained hash table living in the heap, keyed by a (string, string) pair stored inside each record.
// Shared data entries and queue records use it with their own record layouts:
//   record word 0 = next record in the bucket, word 1 = hash, words lenA/lenB = key byte lengths,
//   key bytes at byte offset keyBytesAt (first string, then second).
// Callers hold the store lock.

import type { Heap } from "./heap.ts";
import type { KeyBytes } from "./key-bytes.ts";

const INITIAL_BUCKETS = 64;

export interface TableWords {
  buckets: number;  // control word holding the pointer to the heads array
  mask: number;     // control word holding bucket count - 1
  count: number;    // control word holding the record count
}

export interface RecordLayout {
  lenAWord: number;
  lenBWord: number;
  keyBytesAt: number;
}

export class KeyedTable {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly heap: Heap;
  readonly words: TableWords;
  readonly layout: RecordLayout;
  readonly what: string;

  constructor(i32: Int32Array, u8: Uint8Array, heap: Heap, words: TableWords, layout: RecordLayout, what: string) {
    this.i32 = i32;
    this.u8 = u8;
    this.heap = heap;
    this.words = words;
    this.layout = layout;
    this.what = what;
  }

  find(key: KeyBytes): number {
    const i32 = this.i32;
    const heads = i32[this.words.buckets];
    if (heads === 0) return 0;
    const { lenAWord, lenBWord, keyBytesAt } = this.layout;
    let r = i32[(heads >> 2) + (key.hash & i32[this.words.mask])];
    while (r !== 0) {
      const w = r >> 2;
      if (i32[w + 1] === key.hash && i32[w + lenAWord] === key.lenA && i32[w + lenBWord] === key.lenB &&
          key.equalsAt(this.u8, r + keyBytesAt)) return r;
      r = i32[w];
    }
    return 0;
  }

  /** Make sure the heads array exists; call before allocating a record so failure changes nothing. */
  ensureHeads(): void {
    if (this.i32[this.words.buckets] !== 0) return;
    const heads = this.heap.alloc(INITIAL_BUCKETS * 4, `the ${this.what} hash table`);
    this.i32.fill(0, heads >> 2, (heads >> 2) + INITIAL_BUCKETS);
    this.i32[this.words.buckets] = heads;
    this.i32[this.words.mask] = INITIAL_BUCKETS - 1;
  }

  /** Link a fully written record (word 1 = hash). Grows the table when chains get long, if memory allows. */
  insert(r: number): void {
    const i32 = this.i32;
    const heads = i32[this.words.buckets];
    const slot = (heads >> 2) + (i32[(r >> 2) + 1] & i32[this.words.mask]);
    i32[r >> 2] = i32[slot];
    i32[slot] = r;
    const count = ++i32[this.words.count];
    if (count > i32[this.words.mask] + 1) this.tryGrow();
  }

  /** Visit every record pointer (under the lock). */
  forEach(fn: (r: number) => void): void {
    const i32 = this.i32;
    const heads = i32[this.words.buckets];
    if (heads === 0) return;
    const n = i32[this.words.mask] + 1;
    for (let i = 0; i < n; i++) {
      for (let r = i32[(heads >> 2) + i]; r !== 0; r = i32[r >> 2]) fn(r);
    }
  }

  private tryGrow(): void {
    const i32 = this.i32;
    const oldHeads = i32[this.words.buckets];
    const oldN = i32[this.words.mask] + 1;
    const n = oldN * 2;
    const heads = this.heap.tryAlloc(n * 4);
    if (heads === 0) return; // longer chains are slower, not wrong
    const hw = heads >> 2;
    i32.fill(0, hw, hw + n);
    const mask = n - 1;
    for (let i = 0; i < oldN; i++) {
      let r = i32[(oldHeads >> 2) + i];
      while (r !== 0) {
        const next = i32[r >> 2];
        const slot = hw + (i32[(r >> 2) + 1] & mask);
        i32[r >> 2] = i32[slot];
        i32[slot] = r;
        r = next;
      }
    }
    i32[this.words.buckets] = heads;
    i32[this.words.mask] = mask;
    this.heap.free(oldHeads);
  }
}
