// Process-wide stats: one stat per full name. Definitions take the store lock (rare); after that
// counters and gauges are single Atomics ops on 64-bit slots and histograms take only their own
// spin word, so the per-connection path never touches the store lock and allocates nothing.
//
//   meta (8 words per stat): [ kind ][ namePtr ][ nameLen ][ hash ][ next+1 ][ histPtr ][ histLock ][ - ]
//   values: one 64-bit slot per stat (counters read unsigned, gauges signed)
//   histogram block (Float64): [ count ][ sum ][ bucket 0 .. bucket 18 ]  (non-cumulative per bound)

import { MetricKind, type MetricSnapshot } from "../contracts.ts";
import { StoreFullError, type Heap } from "./heap.ts";
import { KeyBytes, readUtf8 } from "./key-bytes.ts";
import { acquire, release, spinAcquire, spinRelease } from "./lock.ts";
import { H_BUCKETS, H_COUNT, H_SUM, HIST_SLOTS, HISTOGRAM_BOUNDS, M, META_WORDS, W } from "./layout.ts";

const KIND_NAMES = ["counter", "gauge", "histogram"];
const BOUNDS = Float64Array.from(HISTOGRAM_BOUNDS);
const NB = BOUNDS.length;

export class Metrics {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly f64: Float64Array;
  readonly u64: BigUint64Array;
  readonly i64: BigInt64Array;
  readonly heap: Heap;
  readonly metaW: number;
  readonly lockTimeoutMs: number;
  /** Definitions are never removed, so name -> index and index -> name can be cached per thread. */
  private readonly byName = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly key = new KeyBytes();
  private knownCount = 0;

  constructor(sab: SharedArrayBuffer, i32: Int32Array, u8: Uint8Array, f64: Float64Array, heap: Heap, lockTimeoutMs: number) {
    this.i32 = i32;
    this.u8 = u8;
    this.f64 = f64;
    this.heap = heap;
    this.lockTimeoutMs = lockTimeoutMs;
    this.metaW = i32[W.METRIC_META] >> 2;
    const cap = i32[W.METRIC_CAPACITY];
    this.u64 = new BigUint64Array(sab, i32[W.METRIC_VALUES], cap);
    this.i64 = new BigInt64Array(sab, i32[W.METRIC_VALUES], cap);
  }

  define(kind: 0 | 1 | 2, name: string): number {
    let idx = this.byName.get(name);
    if (idx === undefined) {
      this.key.encodePair(name, "");
      acquire(this.i32, this.lockTimeoutMs);
      try {
        idx = this.findOrCreate(kind, name);
      } finally {
        release(this.i32);
      }
      this.byName.set(name, idx);
    }
    return this.i32[this.metaW + idx * META_WORDS + M.KIND] === kind ? idx : -1;
  }

  counterAdd(stat: number, delta: bigint): void {
    this.check(stat, MetricKind.Counter);
    if (delta < 0n) throw new RangeError(`counterAdd: delta must be >= 0 (got ${delta}) for counter ${this.describe(stat)}`);
    Atomics.add(this.u64, stat, delta);
  }

  gaugeAdd(stat: number, delta: bigint): void {
    this.check(stat, MetricKind.Gauge);
    Atomics.add(this.i64, stat, delta);
  }

  gaugeSet(stat: number, value: bigint): void {
    this.check(stat, MetricKind.Gauge);
    Atomics.store(this.i64, stat, value);
  }

  histogramRecord(stat: number, value: number): void {
    this.check(stat, MetricKind.Histogram);
    if (!(value >= 0 && value < Infinity)) {
      throw new RangeError(`histogramRecord: value must be a finite number >= 0 (got ${value}) for ${this.describe(stat)}`);
    }
    let b = 0;
    while (b < NB && value > BOUNDS[b]) b++;
    const mw = this.metaW + stat * META_WORDS;
    const h = this.i32[mw + M.HIST_PTR] >> 3;
    spinAcquire(this.i32, mw + M.HIST_LOCK, this.lockTimeoutMs);
    this.f64[h + H_COUNT] += 1;
    this.f64[h + H_SUM] += value;
    if (b < NB) this.f64[h + H_BUCKETS + b] += 1;
    spinRelease(this.i32, mw + M.HIST_LOCK);
  }

  value(stat: number): bigint {
    const kind = this.kind(stat);
    if (kind === MetricKind.Counter) return Atomics.load(this.u64, stat);
    if (kind === MetricKind.Gauge) return Atomics.load(this.i64, stat);
    if (kind === MetricKind.Histogram) return 0n;
    throw new RangeError(`metricValue: unknown stat index ${stat}`);
  }

  /** Kind of a defined stat, or -1 for an index nobody defined. */
  kind(stat: number): number {
    if (!this.known(stat)) return -1;
    return this.i32[this.metaW + stat * META_WORDS + M.KIND];
  }

  snapshot(): MetricSnapshot[] {
    const count = Atomics.load(this.i32, W.METRIC_COUNT);
    const out: MetricSnapshot[] = [];
    for (let i = 0; i < count; i++) {
      const mw = this.metaW + i * META_WORDS;
      const kind = this.i32[mw + M.KIND] as 0 | 1 | 2;
      const name = this.nameOf(i);
      if (kind === MetricKind.Histogram) {
        out.push({ name, kind, value: 0n, histogram: this.readHistogram(i) });
      } else {
        out.push({ name, kind, value: kind === MetricKind.Counter ? Atomics.load(this.u64, i) : Atomics.load(this.i64, i) });
      }
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  private readHistogram(stat: number): NonNullable<MetricSnapshot["histogram"]> {
    const mw = this.metaW + stat * META_WORDS;
    const h = this.i32[mw + M.HIST_PTR] >> 3;
    const counts = new Float64Array(NB);
    spinAcquire(this.i32, mw + M.HIST_LOCK, this.lockTimeoutMs);
    const count = this.f64[h + H_COUNT];
    const sum = this.f64[h + H_SUM];
    for (let b = 0; b < NB; b++) counts[b] = this.f64[h + H_BUCKETS + b];
    spinRelease(this.i32, mw + M.HIST_LOCK);
    const cumulativeCounts: bigint[] = [];
    let acc = 0;
    for (let b = 0; b < NB; b++) {
      acc += counts[b];
      cumulativeCounts.push(BigInt(acc));
    }
    return { bounds: [...HISTOGRAM_BOUNDS], cumulativeCounts, count: BigInt(count), sum };
  }

  private nameOf(stat: number): string {
    let name = this.names[stat];
    if (name === undefined) {
      const mw = this.metaW + stat * META_WORDS;
      name = readUtf8(this.u8, this.i32[mw + M.NAME_PTR], this.i32[mw + M.NAME_LEN]);
      this.names[stat] = name;
    }
    return name;
  }

  private known(stat: number): boolean {
    if ((stat | 0) !== stat || stat < 0) return false;
    if (stat < this.knownCount) return true;
    this.knownCount = Atomics.load(this.i32, W.METRIC_COUNT);
    return stat < this.knownCount;
  }

  private check(stat: number, kind: number): void {
    if (!this.known(stat)) throw new RangeError(`unknown stat index ${stat} (defineMetric returns the valid ones)`);
    if (this.i32[this.metaW + stat * META_WORDS + M.KIND] !== kind) {
      throw new TypeError(`stat ${this.describe(stat)} is not a ${KIND_NAMES[kind]}`);
    }
  }

  private describe(stat: number): string {
    return `${stat} "${this.nameOf(stat)}" (${KIND_NAMES[this.i32[this.metaW + stat * META_WORDS + M.KIND]]})`;
  }

  /** Under the store lock. */
  private findOrCreate(kind: number, name: string): number {
    const i32 = this.i32;
    const key = this.key;
    const bucketW = (i32[W.METRIC_BUCKETS] >> 2) + (key.hash & i32[W.METRIC_MASK]);
    for (let n = i32[bucketW]; n !== 0;) {
      const mw = this.metaW + (n - 1) * META_WORDS;
      if (i32[mw + M.HASH] === key.hash && i32[mw + M.NAME_LEN] === key.lenA && key.equalsAt(this.u8, i32[mw + M.NAME_PTR])) {
        return n - 1;
      }
      n = i32[mw + M.NEXT];
    }
    const idx = i32[W.METRIC_COUNT];
    const cap = i32[W.METRIC_CAPACITY];
    if (idx >= cap) {
      throw new StoreFullError(`metric capacity reached: ${cap} stats are defined, cannot define ${KIND_NAMES[kind]} "${name}" ` +
        `(raise SharedStore.create({ maxMetrics }))`);
    }
    const namePtr = key.lenA > 0 ? this.heap.alloc(key.lenA, `the name of metric "${name}"`) : 0;
    let histPtr = 0;
    if (kind === MetricKind.Histogram) {
      try {
        histPtr = this.heap.alloc(HIST_SLOTS * 8, `histogram "${name}"`);
      } catch (e) {
        if (namePtr !== 0) this.heap.free(namePtr);
        throw e;
      }
      this.f64.fill(0, histPtr >> 3, (histPtr >> 3) + HIST_SLOTS);
    }
    if (namePtr !== 0) this.u8.set(key.bytes.subarray(0, key.lenA), namePtr);
    const mw = this.metaW + idx * META_WORDS;
    i32[mw + M.KIND] = kind;
    i32[mw + M.NAME_PTR] = namePtr;
    i32[mw + M.NAME_LEN] = key.lenA;
    i32[mw + M.HASH] = key.hash;
    i32[mw + M.HIST_PTR] = histPtr;
    i32[mw + M.HIST_LOCK] = 0;
    i32[mw + M.NEXT] = i32[bucketW];
    i32[bucketW] = idx + 1;
    // Publishing the count last makes the record visible to lock-free readers only once complete.
    Atomics.store(i32, W.METRIC_COUNT, idx + 1);
    return idx;
  }
}
