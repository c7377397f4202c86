// Per-resource statistics (Sentinel's ResourceNode): the ring (default 20 x 500 ms), the default
// read view on it (default 2 x 500 ms = 1 s) and the in-flight count. Recording follows stat.Slot:
// pass -> concurrency += 1 (batch ignored) and Pass += batch; block -> Block += batch; complete ->
// Error += batch if failed, RtSum += rt (once, not x batch), Complete += batch, concurrency -= 1.
import { StatConfig } from "../rules/config";
import { LeapArray } from "./leap-array";
import { WindowView } from "./window";
import { PASS, BLOCK, COMPLETE, ERROR, RT_SUM, MIN_RT, MAX_CONCURRENCY, metricBucketInitial } from "./metric-bucket";

export class ResourceStat {
  readonly ring: LeapArray;
  readonly defaultView: WindowView;
  /** Entries passed and not yet exited. */
  concurrency: i64 = 0;

  /** `stat` must have passed validateStatConfig. */
  constructor(stat: StatConfig) {
    const ring = new LeapArray(stat.globalStatisticSampleCountTotal, stat.globalStatisticIntervalMsTotal, metricBucketInitial());
    this.ring = ring;
    this.defaultView = new WindowView(ring, stat.metricStatisticSampleCount, stat.metricStatisticIntervalMs);
  }

  onPass(nowMs: u64, batch: u32): void {
    this.concurrency++;
    this.ring.add(nowMs, PASS, <i64>batch);
    this.ring.raise(nowMs, MAX_CONCURRENCY, this.concurrency);
  }

  onBlock(nowMs: u64, batch: u32): void {
    this.ring.add(nowMs, BLOCK, <i64>batch);
  }

  onComplete(nowMs: u64, rtMs: u64, batch: u32, failed: bool): void {
    if (failed) this.ring.add(nowMs, ERROR, <i64>batch);
    this.ring.add2(nowMs, RT_SUM, <i64>rtMs, COMPLETE, <i64>batch);
    this.ring.lower(nowMs, MIN_RT, <i64>rtMs);
    this.concurrency--;
  }

  // Batch forms for an aggregator that receives counts, not events. They produce the same bucket
  // contents as the equivalent sequence of single events at the same nowMs.

  addPasses(nowMs: u64, passes: u64): void {
    this.ring.add(nowMs, PASS, <i64>passes);
  }

  addBlocks(nowMs: u64, blocks: u64): void {
    this.ring.add(nowMs, BLOCK, <i64>blocks);
  }

  addCompletions(nowMs: u64, completes: u64, errors: u64, rtSumMs: u64, minRtMs: u64): void {
    if (errors > 0) this.ring.add(nowMs, ERROR, <i64>errors);
    this.ring.add2(nowMs, RT_SUM, <i64>rtSumMs, COMPLETE, <i64>completes);
    if (completes > 0) this.ring.lower(nowMs, MIN_RT, <i64>minRtMs);
  }

  /** Records an externally known in-flight level (e.g. the sum over workers) into max-concurrency. */
  observeConcurrency(nowMs: u64, concurrency: i64): void {
    this.ring.raise(nowMs, MAX_CONCURRENCY, concurrency);
  }

  passSum(nowMs: u64): i64 { return this.defaultView.sum(PASS, nowMs); }
  avgRt(nowMs: u64): i64 {
    const c = this.defaultView.sum(COMPLETE, nowMs);
    return c == 0 ? 0 : this.defaultView.sum(RT_SUM, nowMs) / c;
  }
}
