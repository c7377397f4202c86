// Binary buddy allocator over one power-of-two region of the SharedArrayBuffer. Every block is
// 2^order bytes (order >= MIN_ORDER) and starts with an 8-byte header; freed blocks merge with their
// buddy, so any mix of sizes returns to one free block once everything is freed (no creeping
// fragmentation from set/enqueue traffic of changing sizes). Not thread-safe: callers hold the lock.
//
//   in-use block:  [ tag|order : i32 ][ requested bytes : i32 ][ payload ... ]
//   free block:    [ tag|order : i32 ][ next free : i32       ][ prev free : i32 ][ ... ]

import { W } from "./layout.ts";

export const BLOCK_HEADER = 8;
export const MIN_ORDER = 4;

const TAG_MASK = 0xffff0000 | 0;
const TAG_USED = 0x5ab10000 | 0;
const TAG_FREE = 0x5ab20000 | 0;
const ORDER_MASK = 0xff;

export class StoreFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreFullError";
  }
}

export class StoreCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreCorruptError";
  }
}

/** Format a byte count for error messages. */
export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export class Heap {
  readonly i32: Int32Array;
  readonly base: number;
  readonly log2: number;

  constructor(i32: Int32Array) {
    this.i32 = i32;
    this.base = i32[W.HEAP_BASE];
    this.log2 = i32[W.HEAP_LOG2];
  }

  /** Lay out an empty heap: one free block covering everything. Only on a fresh buffer. */
  static format(i32: Int32Array, base: number, log2: number): void {
    i32[W.HEAP_BASE] = base;
    i32[W.HEAP_LOG2] = log2;
    for (let k = 0; k < 32; k++) i32[W.FREE_HEADS + k] = 0;
    new Heap(i32).pushFree(base, log2);
  }

  get size(): number {
    return 2 ** this.log2;
  }

  /** Payload pointer for `bytes` bytes, or 0 when no block is large enough. */
  tryAlloc(bytes: number): number {
    const order = this.orderFor(bytes);
    if (order < 0) return 0;
    const i32 = this.i32;
    let k = order;
    while (k <= this.log2 && i32[W.FREE_HEADS + k] === 0) k++;
    if (k > this.log2) return 0;
    const b = i32[W.FREE_HEADS + k];
    this.unlinkFree(b, k);
    while (k > order) {
      k--;
      this.pushFree(b + (1 << k), k);
    }
    i32[b >> 2] = TAG_USED | order;
    i32[(b >> 2) + 1] = bytes;
    const inUse = i32[W.HEAP_IN_USE] + (1 << order);
    i32[W.HEAP_IN_USE] = inUse;
    if (inUse > i32[W.HEAP_PEAK_IN_USE]) i32[W.HEAP_PEAK_IN_USE] = inUse;
    const end = b - this.base + (1 << order);
    if (end > i32[W.HEAP_PEAK_END]) i32[W.HEAP_PEAK_END] = end;
    return b + BLOCK_HEADER;
  }

  /** Like tryAlloc, but a full heap is a StoreFullError naming what the bytes were for. */
  alloc(bytes: number, what: string): number {
    const p = this.tryAlloc(bytes);
    if (p === 0) {
      throw new StoreFullError(
        `shared store heap full: cannot allocate ${formatBytes(bytes)} for ${what} ` +
        `(heap ${formatBytes(this.size)}, ${formatBytes(this.i32[W.HEAP_IN_USE])} in use; ` +
        `raise SharedStore.create({ bytes }))`);
    }
    return p;
  }

  free(p: number): void {
    const i32 = this.i32;
    let b = p - BLOCK_HEADER;
    const tag = i32[b >> 2];
    if ((tag & TAG_MASK) !== TAG_USED) {
      throw new StoreCorruptError(`shared store heap: free of ${p} which is not an allocated block (double free?)`);
    }
    let k = tag & ORDER_MASK;
    i32[W.HEAP_IN_USE] -= 1 << k;
    while (k < this.log2) {
      const buddy = this.base + ((b - this.base) ^ (1 << k));
      if (i32[buddy >> 2] !== (TAG_FREE | k)) break;
      this.unlinkFree(buddy, k);
      if (buddy < b) b = buddy;
      k++;
    }
    this.pushFree(b, k);
  }

  /** Usable payload bytes of the block behind payload pointer p. */
  capacity(p: number): number {
    return (1 << (this.i32[(p - BLOCK_HEADER) >> 2] & ORDER_MASK)) - BLOCK_HEADER;
  }

  /** Whether `bytes` would land in the same block size as the block behind p (so p can be reused). */
  sameClass(p: number, bytes: number): boolean {
    return this.orderFor(bytes) === (this.i32[(p - BLOCK_HEADER) >> 2] & ORDER_MASK);
  }

  /** Free bytes and block count per order, walking the free lists (tests and diagnostics). */
  freeBytes(): number {
    let total = 0;
    for (let k = MIN_ORDER; k <= this.log2; k++) {
      let b = this.i32[W.FREE_HEADS + k];
      while (b !== 0) {
        total += 2 ** k;
        b = this.i32[(b >> 2) + 1];
      }
    }
    return total;
  }

  private orderFor(bytes: number): number {
    const need = bytes + BLOCK_HEADER;
    if (need > 2 ** this.log2) return -1;
    if (need <= 1 << MIN_ORDER) return MIN_ORDER;
    return 32 - Math.clz32(need - 1);
  }

  private pushFree(b: number, k: number): void {
    const i32 = this.i32;
    const head = i32[W.FREE_HEADS + k];
    const w = b >> 2;
    i32[w] = TAG_FREE | k;
    i32[w + 1] = head;
    i32[w + 2] = 0;
    if (head !== 0) i32[(head >> 2) + 2] = b;
    i32[W.FREE_HEADS + k] = b;
  }

  private unlinkFree(b: number, k: number): void {
    const i32 = this.i32;
    const w = b >> 2;
    const next = i32[w + 1];
    const prev = i32[w + 2];
    if (prev !== 0) i32[(prev >> 2) + 1] = next;
    else i32[W.FREE_HEADS + k] = next;
    if (next !== 0) i32[(next >> 2) + 2] = prev;
    i32[w] = 0;
  }
}
