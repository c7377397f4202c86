// Which statistic a flow rule reads (Sentinel's generateStatFor, for rules that need statistics):
//
//   interval 0 or == metricStatisticIntervalMs      -> the resource's default view       (STAT_DEFAULT_VIEW)
//   reusable on the ring (ring interval divisible by
//   interval, view bucket a multiple of ring bucket) -> a read-only view on the ring     (STAT_RING_VIEW)
//   otherwise                                        -> a standalone ring of its own       (STAT_STANDALONE)
//
// The sample count is interval / ringBucketLen when ringBucketLen <= interval <= ringInterval and the
// interval is a multiple of the ring bucket; otherwise 1, which makes a standalone ring a tumbling
// window of `interval` aligned to epoch multiples (e.g. 20000 -> 1 x 20000, 100 -> 1 x 100).
import { StatConfig } from "../rules/config";
import { reuseCheck } from "./window";

// @ts-ignore: decorator
@inline export const STAT_DEFAULT_VIEW: i32 = 0;
// @ts-ignore: decorator
@inline export const STAT_RING_VIEW: i32 = 1;
// @ts-ignore: decorator
@inline export const STAT_STANDALONE: i32 = 2;

export class StatBinding {
  kind: i32 = STAT_DEFAULT_VIEW;
  sampleCount: u32 = 0;
  intervalMs: u32 = 0;
}

export function bindStat(intervalMs: u32, stat: StatConfig): StatBinding {
  const b = new StatBinding();
  if (intervalMs == 0 || intervalMs == stat.metricStatisticIntervalMs) {
    b.kind = STAT_DEFAULT_VIEW;
    b.sampleCount = stat.metricStatisticSampleCount;
    b.intervalMs = stat.metricStatisticIntervalMs;
    return b;
  }
  const ringLen = stat.ringBucketLenMs;
  let sampleCount: u32 = 1;
  if (intervalMs <= stat.globalStatisticIntervalMsTotal && intervalMs >= ringLen && intervalMs % ringLen == 0) {
    sampleCount = intervalMs / ringLen;
  }
  b.sampleCount = sampleCount;
  b.intervalMs = intervalMs;
  b.kind = reuseCheck(sampleCount, intervalMs, stat.globalStatisticSampleCountTotal, stat.globalStatisticIntervalMsTotal) == 0
    ? STAT_RING_VIEW : STAT_STANDALONE;
  return b;
}
