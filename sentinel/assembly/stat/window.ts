// A read-only view of `intervalMs` over a LeapArray (Sentinel's SlidingWindowMetric). It sums the
// ring buckets whose start lies in [curStart - intervalMs + ringBucketLen, curStart], where curStart
// is now's start on the ring. The bound is computed in u64 like Go, so for now < intervalMs - bucketLen
// (only near the epoch, i.e. in tests) the range wraps and the view reads nothing, as Sentinel's does.
import { LeapArray } from "./leap-array";
import { DEFAULT_STATISTIC_MAX_RT, MIN_RT, MAX_CONCURRENCY } from "./metric-bucket";

export class WindowView {
  readonly ring: LeapArray;
  readonly sampleCount: u32;
  readonly intervalMs: u32;
  readonly bucketLenMs: u32;

  /** The caller checked canReuse(sampleCount, intervalMs, ring) at configure time. */
  constructor(ring: LeapArray, sampleCount: u32, intervalMs: u32) {
    this.ring = ring;
    this.sampleCount = sampleCount;
    this.intervalMs = intervalMs;
    this.bucketLenMs = intervalMs / sampleCount;
  }

  @inline private inRange(i: i32, nowMs: u64, start: u64, end: u64): bool {
    if (!this.ring.isLive(i, nowMs)) return false;
    const s = this.ring.startOf(i);
    return s >= start && s <= end;
  }

  sum(field: i32, nowMs: u64): i64 {
    const ring = this.ring;
    const end = ring.bucketStartOf(nowMs);
    const start = end - <u64>this.intervalMs + <u64>ring.bucketLenMs;
    let total: i64 = 0;
    const n = <i32>ring.sampleCount;
    for (let i = 0; i < n; i++) if (this.inRange(i, nowMs, start, end)) total += ring.get(i, field);
    return total;
  }

  /** Sum per second. */
  qps(field: i32, nowMs: u64): f64 {
    return <f64>this.sum(field, nowMs) / (<f64>this.intervalMs / 1000.0);
  }

  /** QPS one view bucket earlier (Sentinel's GetPreviousQPS). */
  previousQps(field: i32, nowMs: u64): f64 {
    return this.qps(field, nowMs - <u64>this.bucketLenMs);
  }

  maxOfSingleBucket(field: i32, nowMs: u64): i64 {
    const ring = this.ring;
    const end = ring.bucketStartOf(nowMs);
    const start = end - <u64>this.intervalMs + <u64>ring.bucketLenMs;
    let m: i64 = 0;
    for (let i = 0; i < <i32>ring.sampleCount; i++) {
      if (this.inRange(i, nowMs, start, end)) { const v = ring.get(i, field); if (v > m) m = v; }
    }
    return m;
  }

  /** Minimum of the bucket minima (60000 if none), clamped to >= 1. */
  minRt(nowMs: u64): i64 {
    const ring = this.ring;
    const end = ring.bucketStartOf(nowMs);
    const start = end - <u64>this.intervalMs + <u64>ring.bucketLenMs;
    let m: i64 = DEFAULT_STATISTIC_MAX_RT;
    for (let i = 0; i < <i32>ring.sampleCount; i++) {
      if (this.inRange(i, nowMs, start, end)) { const v = ring.get(i, MIN_RT); if (v < m) m = v; }
    }
    return m < 1 ? 1 : m;
  }

  maxConcurrency(nowMs: u64): i64 {
    return this.maxOfSingleBucket(MAX_CONCURRENCY, nowMs);
  }
}

/** Sentinel's CheckValidityForReuseStatistic: 0 = reusable, 1 = illegal view, 2 = illegal ring, 3 = not reusable. */
export function reuseCheck(sampleCount: u32, intervalMs: u32, ringSampleCount: u32, ringIntervalMs: u32): i32 {
  if (intervalMs == 0 || sampleCount == 0 || intervalMs % sampleCount != 0) return 1;
  const bucketLen = intervalMs / sampleCount;
  if (ringIntervalMs == 0 || ringSampleCount == 0 || ringIntervalMs % ringSampleCount != 0) return 2;
  const ringBucketLen = ringIntervalMs / ringSampleCount;
  if (ringIntervalMs % intervalMs != 0) return 3;
  if (bucketLen % ringBucketLen != 0) return 3;
  return 0;
}
