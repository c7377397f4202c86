// LeapArray: Sentinel's ring of time buckets, as one flat preallocated table.
//
//   starts:  [ s0 | s1 | ... | s(n-1) ]           bucket start times (EMPTY = never written)
//   values:  [ b0.f0 .. b0.f(k-1) | b1.f0 .. | ... ]  k counters per bucket, i64
//
// Write at nowMs: idx = (now / bucketLen) % n, bucketStart = now - now % bucketLen; the slot is used
// if its start matches, lazily reset to `initial` if older, and the write is dropped if newer (the
// clock went backwards; with one bucket Sentinel writes into the newer bucket instead). Reads never
// reset: a bucket counts while `now - start <= intervalMs` (u64 arithmetic, so a start in the future
// is excluded, exactly like Go's isBucketDeprecated). now == 0 is refused like Go's `now <= 0`.
// Nothing here allocates after construction.

// @ts-ignore: decorator
@inline export const EMPTY_START: u64 = u64.MAX_VALUE;

export class LeapArray {
  readonly sampleCount: u32;
  readonly intervalMs: u32;
  readonly bucketLenMs: u32;
  readonly fields: i32;
  private starts: StaticArray<u64>;
  private values: StaticArray<i64>;
  private initial: StaticArray<i64>;
  /** Writes refused because the clock went backwards (or now == 0). */
  droppedWrites: u64 = 0;

  /** The caller guarantees sampleCount > 0 and intervalMs % sampleCount == 0 (validated at configure time). */
  constructor(sampleCount: u32, intervalMs: u32, initial: StaticArray<i64>) {
    this.sampleCount = sampleCount;
    this.intervalMs = intervalMs;
    this.bucketLenMs = intervalMs / sampleCount;
    this.fields = initial.length;
    this.initial = initial;
    this.starts = new StaticArray<u64>(<i32>sampleCount);
    this.values = new StaticArray<i64>(<i32>sampleCount * initial.length);
    for (let i = 0; i < <i32>sampleCount; i++) {
      unchecked(this.starts[i] = EMPTY_START);
      this.resetValues(i);
    }
  }

  @inline bucketStartOf(nowMs: u64): u64 {
    return nowMs - nowMs % <u64>this.bucketLenMs;
  }

  @inline indexOf(nowMs: u64): i32 {
    return <i32>((nowMs / <u64>this.bucketLenMs) % <u64>this.sampleCount);
  }

  private resetValues(i: i32): void {
    const k = this.fields;
    const base = i * k;
    for (let f = 0; f < k; f++) unchecked(this.values[base + f] = this.initial[f]);
  }

  /** The bucket index to write at nowMs after the lazy reset, or -1 if the write must be dropped. */
  writeIndex(nowMs: u64): i32 {
    if (nowMs == 0) { this.droppedWrites++; return -1; }
    const idx = this.indexOf(nowMs);
    const start = this.bucketStartOf(nowMs);
    const old = unchecked(this.starts[idx]);
    if (old == start) return idx;
    if (old == EMPTY_START || start > old) {
      unchecked(this.starts[idx] = start);
      this.resetValues(idx);
      return idx;
    }
    if (this.sampleCount == 1) return idx;
    this.droppedWrites++;
    return -1;
  }

  add(nowMs: u64, field: i32, delta: i64): bool {
    const idx = this.writeIndex(nowMs);
    if (idx < 0) return false;
    const p = idx * this.fields + field;
    unchecked(this.values[p] = this.values[p] + delta);
    return true;
  }

  /** Adds to two counters of the same bucket (one index computation). */
  add2(nowMs: u64, f1: i32, d1: i64, f2: i32, d2: i64): bool {
    const idx = this.writeIndex(nowMs);
    if (idx < 0) return false;
    const base = idx * this.fields;
    unchecked(this.values[base + f1] = this.values[base + f1] + d1);
    unchecked(this.values[base + f2] = this.values[base + f2] + d2);
    return true;
  }

  /** Raises a max-type counter of the current bucket (max concurrency). */
  raise(nowMs: u64, field: i32, v: i64): bool {
    const idx = this.writeIndex(nowMs);
    if (idx < 0) return false;
    const p = idx * this.fields + field;
    if (v > unchecked(this.values[p])) unchecked(this.values[p] = v);
    return true;
  }

  /** Lowers a min-type counter of the current bucket (min RT). */
  lower(nowMs: u64, field: i32, v: i64): bool {
    const idx = this.writeIndex(nowMs);
    if (idx < 0) return false;
    const p = idx * this.fields + field;
    if (v < unchecked(this.values[p])) unchecked(this.values[p] = v);
    return true;
  }

  /** Whether bucket i may be read at nowMs (Go: present and not deprecated). */
  @inline isLive(i: i32, nowMs: u64): bool {
    const s = unchecked(this.starts[i]);
    return nowMs != 0 && s != EMPTY_START && nowMs - s <= <u64>this.intervalMs;
  }

  @inline startOf(i: i32): u64 {
    return unchecked(this.starts[i]);
  }

  @inline get(i: i32, field: i32): i64 {
    return unchecked(this.values[i * this.fields + field]);
  }

  /** Sum of one counter over every live bucket (the breaker's whole-window read). */
  sumLive(nowMs: u64, field: i32): i64 {
    let s: i64 = 0;
    for (let i = 0; i < <i32>this.sampleCount; i++) if (this.isLive(i, nowMs)) s += this.get(i, field);
    return s;
  }

  /** Zeroes every bucket's counters but keeps their start times (Sentinel's resetMetric). */
  clearValues(): void {
    for (let i = 0; i < <i32>this.sampleCount; i++) this.resetValues(i);
  }
}
