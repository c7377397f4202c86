// Counters of one resource bucket (Sentinel's MetricBucket), as field indexes into a LeapArray row.

// @ts-ignore: decorator
@inline export const PASS: i32 = 0;
// @ts-ignore: decorator
@inline export const BLOCK: i32 = 1;
// @ts-ignore: decorator
@inline export const COMPLETE: i32 = 2;
// @ts-ignore: decorator
@inline export const ERROR: i32 = 3;
// @ts-ignore: decorator
@inline export const RT_SUM: i32 = 4;
// @ts-ignore: decorator
@inline export const MIN_RT: i32 = 5;
// @ts-ignore: decorator
@inline export const MAX_CONCURRENCY: i32 = 6;
// @ts-ignore: decorator
@inline export const METRIC_FIELDS: i32 = 7;
/** Sentinel's DefaultStatisticMaxRt: an empty bucket's minRt. */
// @ts-ignore: decorator
@inline export const DEFAULT_STATISTIC_MAX_RT: i64 = 60000;

export function metricBucketInitial(): StaticArray<i64> {
  const a = new StaticArray<i64>(METRIC_FIELDS);
  a[MIN_RT] = DEFAULT_STATISTIC_MAX_RT;
  return a;
}

/** Standalone flow windows only ever count passes. */
export function passOnlyInitial(): StaticArray<i64> {
  return new StaticArray<i64>(1);
}
