// Word indexes of the control block at the start of the SharedArrayBuffer, and the fixed sizes that
// every thread must agree on. All "pointers" stored in the buffer are absolute byte offsets into it;
// 0 means null because offset 0 is the control block and never a heap address.

export const MAGIC = 0x53545231; // "STR1"
export const LAYOUT_VERSION = 1;

/** Control block size in bytes (64 Int32 words). */
export const CTRL_BYTES = 256;

/** Word indexes into the control block (Int32Array over the whole buffer). */
export const W = {
  LOCK: 0,              // futex word: 0 free, 1 held, 2 held with waiters
  MAGIC: 1,
  VERSION: 2,
  CAS_NEXT: 3,          // next shared-data cas (u32 stored as i32), starts at 1, skips 0
  QUEUE_TOKEN_NEXT: 4,  // next queue token, starts at 1
  METRIC_COUNT: 5,      // published metric definitions (stat indexes 0..count-1)
  METRIC_CAPACITY: 6,
  METRIC_META: 7,       // byte offset of the metric meta records
  METRIC_VALUES: 8,     // byte offset of the 64-bit value slots
  METRIC_BUCKETS: 9,    // byte offset of the metric-name hash heads
  METRIC_MASK: 10,
  HEAP_BASE: 11,        // byte offset of the buddy heap
  HEAP_LOG2: 12,        // heap size = 1 << HEAP_LOG2
  HEAP_IN_USE: 13,      // bytes of blocks currently allocated (block sizes, headers included)
  HEAP_PEAK_IN_USE: 14,
  HEAP_PEAK_END: 15,    // highest (block end - heap base) ever handed out
  DATA_BUCKETS: 16,     // pointer to the shared-data hash heads (allocated in the heap)
  DATA_MASK: 17,
  DATA_COUNT: 18,
  QUEUE_BUCKETS: 19,
  QUEUE_MASK: 20,
  QUEUE_COUNT: 21,
  QUEUE_TOKENS: 22,     // pointer to the token -> queue record array
  QUEUE_TOKENS_CAP: 23,
  TOTAL_BYTES: 24,
  LOCK_WAITS: 25,       // how often a thread had to sleep on the lock (diagnostics)
  FREE_HEADS: 32,       // 32 words: free-list head per block order
} as const;

/** Metric meta record: 8 Int32 words per stat index. */
export const META_WORDS = 8;
export const M = {
  KIND: 0,
  NAME_PTR: 1,
  NAME_LEN: 2,
  HASH: 3,
  NEXT: 4,       // next stat index + 1 in the same hash bucket, 0 = end
  HIST_PTR: 5,   // histogram block (Float64 slots), 0 for counters/gauges
  HIST_LOCK: 6,  // per-histogram spin word
} as const;

/** Envoy's default histogram bucket bounds (source/common/stats/histogram_impl.cc, HistogramSettingsImpl::defaultBuckets). */
export const HISTOGRAM_BOUNDS: readonly number[] = Object.freeze([
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
  1800000, 3600000,
]);

/** Histogram block, in Float64 slots: count, sum, then one (non-cumulative) count per bound. */
export const H_COUNT = 0;
export const H_SUM = 1;
export const H_BUCKETS = 2;
export const HIST_SLOTS = H_BUCKETS + HISTOGRAM_BOUNDS.length;

export const DEFAULT_HEAP_BYTES = 64 * 1024 * 1024;
export const MIN_HEAP_BYTES = 64 * 1024;
export const MAX_HEAP_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_MAX_METRICS = 16384;
export const MAX_METRICS_LIMIT = 1 << 20;
