// Circuit breaker rules: Sentinel Go's core/circuitbreaker Rule and IsValidRule.
import { JsonValue } from "../json/value";
import { RuleReader, fieldIndex } from "./fields";
import { formatNumber } from "./format";

/** Our cap on a breaker's buckets: each costs memory at configure time, and Sentinel has no bound. */
// @ts-ignore: decorator
@inline export const MAX_BREAKER_BUCKETS: u32 = 1200;

// @ts-ignore: decorator
@inline export const SLOW_REQUEST_RATIO: i32 = 0;
// @ts-ignore: decorator
@inline export const ERROR_RATIO: i32 = 1;
// @ts-ignore: decorator
@inline export const ERROR_COUNT: i32 = 2;
export const STRATEGY_NAMES: StaticArray<string> = ["SlowRequestRatio", "ErrorRatio", "ErrorCount"];

export class CircuitBreakerRule {
  id: string = "";
  resource: string = "";
  strategy: i32 = SLOW_REQUEST_RATIO;
  /** How long the breaker stays Open before a probe may pass. */
  retryTimeoutMs: u32 = 0;
  /** No trip while the windowed total is below this. */
  minRequestAmount: u64 = 0;
  statIntervalMs: u32 = 0;
  /** 0 or not a divisor of statIntervalMs -> 1 bucket (tumbling window), as in Sentinel. */
  statSlidingWindowBucketCount: u32 = 0;
  /** Slow means rt > maxAllowedRtMs (SlowRequestRatio only). */
  maxAllowedRtMs: u64 = 0;
  /** Ratio in [0, 1] for the ratio strategies; a count for ErrorCount (truncated to an integer). */
  threshold: f64 = 0;
  /** Good completions needed in HalfOpen to close; 0 = one probe. */
  probeNum: u64 = 0;

  /** Sentinel's getRuleStatSlidingWindowBucketCount. */
  get effectiveBucketCount(): u32 {
    const n = this.statSlidingWindowBucketCount;
    if (n == 0 || this.statIntervalMs % n != 0) return 1;
    return n;
  }
}

const FIELDS: StaticArray<string> = [
  "id", "resource", "strategy", "retryTimeoutMs", "minRequestAmount", "statIntervalMs",
  "statSlidingWindowBucketCount", "maxAllowedRtMs", "threshold", "probeNum",
];

const U32_MAX: u64 = 4294967295;

export function decodeCircuitBreakerFields(v: JsonValue, r: RuleReader, out: CircuitBreakerRule): void {
  if (!r.begin(v, "resource")) return;
  for (let i = 0; i < v.keys.length && r.ok; i++) {
    const key = v.keys[i];
    const val = v.items[i];
    switch (fieldIndex(key, FIELDS)) {
      case 0: out.id = r.readString("id", val, out.id); break;
      case 1: out.resource = r.readString("resource", val, out.resource); break;
      // Go's Strategy is uint32.
      case 2: out.strategy = <i32>r.readEnum("strategy", val, STRATEGY_NAMES, 0, 4294967295, out.strategy); break;
      case 3: out.retryTimeoutMs = <u32>r.readUnsigned("retryTimeoutMs", val, U32_MAX, out.retryTimeoutMs); break;
      case 4: out.minRequestAmount = r.readUnsigned("minRequestAmount", val, u64.MAX_VALUE, out.minRequestAmount); break;
      case 5: out.statIntervalMs = <u32>r.readUnsigned("statIntervalMs", val, U32_MAX, out.statIntervalMs); break;
      case 6: out.statSlidingWindowBucketCount = <u32>r.readUnsigned("statSlidingWindowBucketCount", val, U32_MAX, out.statSlidingWindowBucketCount); break;
      case 7: out.maxAllowedRtMs = r.readUnsigned("maxAllowedRtMs", val, u64.MAX_VALUE, out.maxAllowedRtMs); break;
      case 8: out.threshold = r.readF64("threshold", val, out.threshold); break;
      case 9: out.probeNum = r.readUnsigned("probeNum", val, u64.MAX_VALUE, out.probeNum); break;
      default: r.unknownField(key);
    }
  }
}

/** Sentinel Go's circuit breaker IsValidRule, plus the unknown-strategy check its builder does. */
export function validateCircuitBreakerRule(rule: CircuitBreakerRule, r: RuleReader): void {
  if (rule.resource.length == 0) { r.fail("field \"resource\" must not be empty"); return; }
  if (rule.statIntervalMs == 0) { r.fail("field \"statIntervalMs\" must be > 0, got 0"); return; }
  if (rule.retryTimeoutMs == 0) { r.fail("field \"retryTimeoutMs\" must be > 0, got 0"); return; }
  if (rule.threshold < 0) { r.fail("field \"threshold\" must be >= 0, got " + formatNumber(rule.threshold)); return; }
  if (rule.strategy == SLOW_REQUEST_RATIO && rule.threshold > 1.0) {
    r.fail("field \"threshold\" must be a slow request ratio in [0.0, 1.0], got " + formatNumber(rule.threshold));
    return;
  }
  if (rule.strategy == ERROR_RATIO && rule.threshold > 1.0) {
    r.fail("field \"threshold\" must be an error ratio in [0.0, 1.0], got " + formatNumber(rule.threshold));
    return;
  }
  if (rule.effectiveBucketCount > MAX_BREAKER_BUCKETS) {
    r.fail("field \"statSlidingWindowBucketCount\" must be <= " + MAX_BREAKER_BUCKETS.toString() + ", got " + rule.statSlidingWindowBucketCount.toString());
    return;
  }
  if (<u32>rule.strategy > <u32>ERROR_COUNT) {
    r.fail("field \"strategy\" has unknown value " + (<u32>rule.strategy).toString() + "; known values: 0 (SlowRequestRatio), 1 (ErrorRatio), 2 (ErrorCount)");
    return;
  }
}

export function decodeCircuitBreakerRule(v: JsonValue, index: i32, out: CircuitBreakerRule): string | null {
  const r = new RuleReader("circuit breaker", index);
  decodeCircuitBreakerFields(v, r, out);
  if (r.ok) validateCircuitBreakerRule(out, r);
  return r.error;
}
