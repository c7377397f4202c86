// Context id -> stream context, for the per-connection lookups of the dispatcher: open addressing
// with linear probing over a power-of-two table, deletion by backward shift (no tombstones). It
// allocates only when it grows past 3/4 full, so a steady number of live connections costs no
// allocation per connection (AS's Map rehashes into new buffers every `capacity` insertions, even
// at a constant size, because deleted entries stay until then).
import { TcpContext } from "./context";

// @ts-ignore: decorator
@inline const EMPTY: u32 = 0; // context ids start at 1 (0 is the VM context)

export class ContextTable {
  private keys: StaticArray<u32>;
  private values: StaticArray<TcpContext | null>;
  private mask: u32;
  private count: i32 = 0;

  constructor(capacity: i32 = 64) {
    let cap = 16;
    while (cap < capacity) cap <<= 1;
    this.keys = new StaticArray<u32>(cap);
    this.values = new StaticArray<TcpContext | null>(cap);
    this.mask = <u32>cap - 1;
  }

  get size(): i32 { return this.count; }

  @inline private slot(id: u32): u32 {
    // Fibonacci hashing spreads sequential ids.
    return (id * 0x9e3779b1) & this.mask;
  }

  private find(id: u32): i32 {
    if (id == EMPTY) return -1;
    const keys = this.keys;
    let i = this.slot(id);
    for (let n: u32 = 0; n <= this.mask; n++) {
      const k = unchecked(keys[i]);
      if (k == id) return <i32>i;
      if (k == EMPTY) return -1;
      i = (i + 1) & this.mask;
    }
    return -1;
  }

  has(id: u32): bool { return this.find(id) >= 0; }

  /** The context of `id`, or null. */
  get(id: u32): TcpContext | null {
    const i = this.find(id);
    return i < 0 ? null : unchecked(this.values[i]);
  }

  set(id: u32, ctx: TcpContext): void {
    if (id == EMPTY) return;
    const existing = this.find(id);
    if (existing >= 0) { unchecked(this.values[existing] = ctx); return; }
    if ((this.count + 1) * 4 > (<i32>this.mask + 1) * 3) this.grow();
    this.insert(id, ctx);
    this.count++;
  }

  private insert(id: u32, ctx: TcpContext | null): void {
    let i = this.slot(id);
    while (unchecked(this.keys[i]) != EMPTY) i = (i + 1) & this.mask;
    unchecked(this.keys[i] = id);
    unchecked(this.values[i] = ctx);
  }

  private grow(): void {
    const oldKeys = this.keys, oldValues = this.values;
    const cap = (oldKeys.length) << 1;
    this.keys = new StaticArray<u32>(cap);
    this.values = new StaticArray<TcpContext | null>(cap);
    this.mask = <u32>cap - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = unchecked(oldKeys[i]);
      if (k != EMPTY) this.insert(k, unchecked(oldValues[i]));
    }
  }

  /** Removes `id`; returns its context (null if absent). */
  delete(id: u32): TcpContext | null {
    let i = this.find(id);
    if (i < 0) return null;
    const ctx = unchecked(this.values[i]);
    const keys = this.keys, values = this.values, mask = this.mask;
    // Backward shift: move later members of the probe run into the hole.
    let j = <u32>i;
    for (;;) {
      j = (j + 1) & mask;
      const k = unchecked(keys[j]);
      if (k == EMPTY) break;
      const home = this.slot(k);
      // Move k into the hole at i unless its home lies cyclically in (i, j].
      const between = <u32>i <= j ? (home > <u32>i && home <= j) : (home > <u32>i || home <= j);
      if (!between) {
        unchecked(keys[i] = k);
        unchecked(values[i] = unchecked(values[j]));
        i = <i32>j;
      }
    }
    unchecked(keys[i] = EMPTY);
    unchecked(values[i] = null);
    this.count--;
    return ctx;
  }
}
