// The process-wide store behind proxy-wasm shared data, shared queues and stats. The main thread
// creates it; each worker thread attaches to the same SharedArrayBuffer. Every shared-data and queue
// call runs under one lock inside the buffer (Envoy guards the same maps with one mutex); metric
// updates after definition are lock-free. No state lives outside the buffer except caches of
// immutable metric definitions.
//
// Buffer layout (README.md has the diagram):
//   [ control block 256 B ][ metric meta ][ metric values ][ metric name buckets ][ buddy heap 2^k B ]

import type { MetricSnapshot, QueueOwner, SharedStoreApi } from "../contracts.ts";
import { Heap } from "./heap.ts";
import { KeyBytes } from "./key-bytes.ts";
import {
  CTRL_BYTES, DEFAULT_HEAP_BYTES, DEFAULT_MAX_METRICS, LAYOUT_VERSION, MAGIC, MAX_HEAP_BYTES,
  MAX_METRICS_LIMIT, META_WORDS, MIN_HEAP_BYTES, W,
} from "./layout.ts";
import { acquire, release } from "./lock.ts";
import { Metrics } from "./metrics.ts";
import { QueueTable } from "./queues.ts";
import { SharedDataTable } from "./shared-data.ts";

export { StoreFullError, StoreCorruptError } from "./heap.ts";
export { StoreLockTimeoutError } from "./lock.ts";
export { HISTOGRAM_BOUNDS } from "./layout.ts";

export interface SharedStoreOptions {
  /** Heap bytes for shared data values, keys and queue items; rounded up to a power of two. Default 64 MiB. */
  bytes?: number;
  /** Most distinct stat names. Default 16384. */
  maxMetrics?: number;
  /** How long a call waits for the lock before throwing StoreLockTimeoutError. Default 10000. */
  lockTimeoutMs?: number;
}

export interface AttachOptions {
  lockTimeoutMs?: number;
}

export interface HeapStats {
  heapBytes: number;
  inUseBytes: number;
  peakInUseBytes: number;
  /** Highest heap offset any block ever reached: how much of the heap was ever touched. */
  peakEndBytes: number;
  freeBytes: number;
  lockWaits: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

export class SharedStore implements SharedStoreApi {
  readonly buffer: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly u8: Uint8Array;
  private readonly heap: Heap;
  private readonly data: SharedDataTable;
  private readonly queues: QueueTable;
  private readonly metrics: Metrics;
  private readonly key = new KeyBytes();
  private readonly lockTimeoutMs: number;

  private constructor(buffer: SharedArrayBuffer, lockTimeoutMs: number) {
    this.buffer = buffer;
    this.lockTimeoutMs = lockTimeoutMs;
    this.i32 = new Int32Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.heap = new Heap(this.i32);
    this.data = new SharedDataTable(this.i32, this.u8, this.heap);
    this.queues = new QueueTable(this.i32, this.u8, this.heap);
    this.metrics = new Metrics(buffer, this.i32, this.u8, new Float64Array(buffer), this.heap, lockTimeoutMs);
  }

  static create(opts: SharedStoreOptions = {}): SharedStore {
    const heapBytes = opts.bytes ?? DEFAULT_HEAP_BYTES;
    if (!Number.isInteger(heapBytes) || heapBytes < MIN_HEAP_BYTES || heapBytes > MAX_HEAP_BYTES) {
      throw new RangeError(`SharedStore.create: bytes must be an integer from ${MIN_HEAP_BYTES} to ${MAX_HEAP_BYTES} (got ${heapBytes})`);
    }
    const maxMetrics = opts.maxMetrics ?? DEFAULT_MAX_METRICS;
    if (!Number.isInteger(maxMetrics) || maxMetrics < 1 || maxMetrics > MAX_METRICS_LIMIT) {
      throw new RangeError(`SharedStore.create: maxMetrics must be an integer from 1 to ${MAX_METRICS_LIMIT} (got ${maxMetrics})`);
    }
    const lockTimeoutMs = checkTimeout(opts.lockTimeoutMs, "SharedStore.create");
    const log2 = 32 - Math.clz32(heapBytes - 1);
    const metaOff = CTRL_BYTES;
    const valuesOff = metaOff + maxMetrics * META_WORDS * 4;
    const buckets = 2 ** (32 - Math.clz32(maxMetrics * 2 - 1));
    const bucketsOff = valuesOff + maxMetrics * 8;
    const heapOff = align(bucketsOff + buckets * 4, 64);
    const total = heapOff + 2 ** log2;
    const buffer = new SharedArrayBuffer(total);
    const i32 = new Int32Array(buffer);
    i32[W.VERSION] = LAYOUT_VERSION;
    i32[W.CAS_NEXT] = 1;
    i32[W.QUEUE_TOKEN_NEXT] = 1;
    i32[W.METRIC_CAPACITY] = maxMetrics;
    i32[W.METRIC_META] = metaOff;
    i32[W.METRIC_VALUES] = valuesOff;
    i32[W.METRIC_BUCKETS] = bucketsOff;
    i32[W.METRIC_MASK] = buckets - 1;
    i32[W.TOTAL_BYTES] = total;
    Heap.format(i32, heapOff, log2);
    // Magic last: attach() on a half-initialised buffer fails loudly instead of reading garbage.
    Atomics.store(i32, W.MAGIC, MAGIC);
    return new SharedStore(buffer, lockTimeoutMs);
  }

  /** Use a buffer created by SharedStore.create (typically in another thread). */
  static attach(buf: SharedArrayBuffer, opts: AttachOptions = {}): SharedStore {
    if (!(buf instanceof SharedArrayBuffer)) {
      throw new TypeError(`SharedStore.attach: expected the SharedArrayBuffer of a SharedStore, got ${describeValue(buf)}`);
    }
    if (buf.byteLength < CTRL_BYTES) throw new TypeError(`SharedStore.attach: buffer of ${buf.byteLength} bytes is too small to be a SharedStore`);
    const i32 = new Int32Array(buf);
    if (Atomics.load(i32, W.MAGIC) !== MAGIC) throw new TypeError("SharedStore.attach: buffer is not a SharedStore (bad magic)");
    if (i32[W.VERSION] !== LAYOUT_VERSION) {
      throw new TypeError(`SharedStore.attach: layout version ${i32[W.VERSION]} but this code expects ${LAYOUT_VERSION}`);
    }
    if (i32[W.TOTAL_BYTES] !== buf.byteLength) {
      throw new TypeError(`SharedStore.attach: buffer is ${buf.byteLength} bytes but its header says ${i32[W.TOTAL_BYTES]}`);
    }
    return new SharedStore(buf, checkTimeout(opts.lockTimeoutMs, "SharedStore.attach"));
  }

  // ---- shared data ------------------------------------------------------------------------------

  getData(vmId: string, key: string): { value: Uint8Array; cas: number } | undefined {
    checkString(vmId, "getData", "vmId");
    checkString(key, "getData", "key");
    this.key.encodePair(vmId, key);
    this.lock();
    try {
      return this.data.get(this.key);
    } finally {
      release(this.i32);
    }
  }

  /**
   * Copy the value straight into `out` (e.g. a view of wasm memory) when it fits, skipping the
   * intermediate copy of getData. Fills `result` with the value length (-1 when the key is absent)
   * and cas; when length > out.length nothing was copied and the caller can retry with a larger out.
   */
  getDataInto(vmId: string, key: string, out: Uint8Array, result: { length: number; cas: number }): void {
    checkString(vmId, "getDataInto", "vmId");
    checkString(key, "getDataInto", "key");
    checkBytes(out, "getDataInto", "out");
    this.key.encodePair(vmId, key);
    this.lock();
    try {
      this.data.getInto(this.key, out, result);
    } finally {
      release(this.i32);
    }
  }

  /** Copies `value` into the buffer before returning, so a view of wasm memory can be passed directly. */
  setData(vmId: string, key: string, value: Uint8Array, cas: number): number {
    checkString(vmId, "setData", "vmId");
    checkString(key, "setData", "key");
    checkBytes(value, "setData", "value");
    // Wasm i32 arguments arrive signed, so the i32 bit pattern of a cas above 2^31 is accepted too.
    if (!Number.isInteger(cas) || cas < -0x80000000 || cas > 0xffffffff) {
      throw new RangeError(`setData: cas must be a u32 (or its i32 bit pattern; 0 = unconditional), got ${cas}`);
    }
    this.key.encodePair(vmId, key);
    this.lock();
    try {
      return this.data.set(this.key, value, cas >>> 0);
    } finally {
      release(this.i32);
    }
  }

  // ---- queues -----------------------------------------------------------------------------------

  registerQueue(vmId: string, name: string, owner: QueueOwner): number {
    checkString(vmId, "registerQueue", "vmId");
    checkString(name, "registerQueue", "name");
    checkOwner(owner);
    this.key.encodePair(vmId, name);
    this.lock();
    try {
      return this.queues.register(this.key, owner);
    } finally {
      release(this.i32);
    }
  }

  resolveQueue(vmId: string, name: string): number {
    checkString(vmId, "resolveQueue", "vmId");
    checkString(name, "resolveQueue", "name");
    this.key.encodePair(vmId, name);
    this.lock();
    try {
      return this.queues.resolve(this.key);
    } finally {
      release(this.i32);
    }
  }

  queueOwner(token: number): QueueOwner | undefined {
    this.lock();
    try {
      return this.queues.owner(token);
    } finally {
      release(this.i32);
    }
  }

  /** Copies `value` into the buffer before returning, so a view of wasm memory can be passed directly. */
  enqueue(token: number, value: Uint8Array): number {
    checkBytes(value, "enqueue", "value");
    this.lock();
    try {
      return this.queues.enqueue(token, value);
    } finally {
      release(this.i32);
    }
  }

  dequeue(token: number): Uint8Array | number {
    this.lock();
    try {
      return this.queues.dequeue(token);
    } finally {
      release(this.i32);
    }
  }

  /** Items waiting in the queue; 0 for an unknown token. */
  queueSize(token: number): number {
    this.lock();
    try {
      return this.queues.size(token);
    } finally {
      release(this.i32);
    }
  }

  // ---- metrics ----------------------------------------------------------------------------------

  defineMetric(kind: 0 | 1 | 2, name: string): number {
    if (kind !== 0 && kind !== 1 && kind !== 2) throw new RangeError(`defineMetric: kind must be 0, 1 or 2 (got ${kind})`);
    checkString(name, "defineMetric", "name");
    return this.metrics.define(kind, name);
  }

  counterAdd(stat: number, delta: bigint): void {
    this.metrics.counterAdd(stat, delta);
  }

  gaugeAdd(stat: number, delta: bigint): void {
    this.metrics.gaugeAdd(stat, delta);
  }

  gaugeSet(stat: number, value: bigint): void {
    this.metrics.gaugeSet(stat, value);
  }

  histogramRecord(stat: number, value: number): void {
    this.metrics.histogramRecord(stat, value);
  }

  metricValue(stat: number): bigint {
    return this.metrics.value(stat);
  }

  /** Kind of a defined stat, or -1 for an unknown index. */
  metricKind(stat: number): number {
    return this.metrics.kind(stat);
  }

  /** Every stat, sorted by name. Lock-free: values are read atomically one by one, like Envoy's admin. */
  snapshotMetrics(): MetricSnapshot[] {
    return this.metrics.snapshot();
  }

  // ---- diagnostics ------------------------------------------------------------------------------

  heapStats(): HeapStats {
    this.lock();
    try {
      return {
        heapBytes: this.heap.size,
        inUseBytes: this.i32[W.HEAP_IN_USE],
        peakInUseBytes: this.i32[W.HEAP_PEAK_IN_USE],
        peakEndBytes: this.i32[W.HEAP_PEAK_END],
        freeBytes: this.heap.freeBytes(),
        lockWaits: Atomics.load(this.i32, W.LOCK_WAITS),
      };
    } finally {
      release(this.i32);
    }
  }

  /** Test hook: make the next shared-data cas `next` (to exercise the u32 wrap that skips 0). */
  setNextCasForTest(next: number): void {
    if (!Number.isInteger(next) || next < 1 || next > 0xffffffff) {
      throw new RangeError(`setNextCasForTest: next must be a u32 other than 0 (got ${next})`);
    }
    this.lock();
    try {
      this.i32[W.CAS_NEXT] = next;
    } finally {
      release(this.i32);
    }
  }

  private lock(): void {
    acquire(this.i32, this.lockTimeoutMs);
  }
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

function checkTimeout(ms: number | undefined, where: string): number {
  if (ms === undefined) return DEFAULT_LOCK_TIMEOUT_MS;
  if (!(ms > 0 && ms < Infinity)) throw new RangeError(`${where}: lockTimeoutMs must be a positive number (got ${ms})`);
  return ms;
}

function checkString(s: unknown, fn: string, arg: string): void {
  if (typeof s !== "string") throw new TypeError(`${fn}: ${arg} must be a string, got ${describeValue(s)}`);
}

function checkBytes(b: unknown, fn: string, arg: string): void {
  if (!(b instanceof Uint8Array)) throw new TypeError(`${fn}: ${arg} must be a Uint8Array, got ${describeValue(b)}`);
}

function checkOwner(o: QueueOwner): void {
  if (o === null || typeof o !== "object") throw new TypeError(`registerQueue: owner must be a QueueOwner object, got ${describeValue(o)}`);
  for (const f of ["threadId", "vmInstanceId", "rootContextId"] as const) {
    const v = o[f];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(`registerQueue: owner.${f} must be an integer from 0 to 2^31-1 (got ${describeValue(v)})`);
    }
  }
}

function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "object") return (v as object).constructor?.name ?? "object";
  return `${typeof v} ${String(v)}`;
}
