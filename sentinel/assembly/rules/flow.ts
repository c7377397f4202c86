// Flow rules: Sentinel Go's core/flow Rule, its JSON field names, IsValidRule, and our own
// "not implemented yet" gate for the strategies this product does not run.
import { JsonValue } from "../json/value";
import { RuleReader, fieldIndex, enumLabel } from "./fields";
import { formatNumber, quote } from "./format";

// @ts-ignore: decorator
@inline export const DIRECT: i32 = 0;
// @ts-ignore: decorator
@inline export const WARM_UP: i32 = 1;
// @ts-ignore: decorator
@inline export const MEMORY_ADAPTIVE: i32 = 2;
// @ts-ignore: decorator
@inline export const REJECT: i32 = 0;
// @ts-ignore: decorator
@inline export const THROTTLING: i32 = 1;
// @ts-ignore: decorator
@inline export const CURRENT_RESOURCE: i32 = 0;
// @ts-ignore: decorator
@inline export const ASSOCIATED_RESOURCE: i32 = 1;
// Sentinel's default metric view interval; statIntervalInMs 0 means "use it".
// @ts-ignore: decorator
@inline export const DEFAULT_STAT_INTERVAL_MS: u32 = 1000;

export const TOKEN_CALCULATE_STRATEGY_NAMES: StaticArray<string> = ["Direct", "WarmUp", "MemoryAdaptive"];
export const CONTROL_BEHAVIOR_NAMES: StaticArray<string> = ["Reject", "Throttling"];
export const RELATION_STRATEGY_NAMES: StaticArray<string> = ["CurrentResource", "AssociatedResource"];

export class FlowRule {
  id: string = "";
  resource: string = "";
  tokenCalculateStrategy: i32 = DIRECT;
  controlBehavior: i32 = REJECT;
  /** Count allowed per statIntervalInMs (QPS only when the interval is 1000 ms). */
  threshold: f64 = 0;
  relationStrategy: i32 = CURRENT_RESOURCE;
  refResource: string = "";
  maxQueueingTimeMs: u32 = 0;
  warmUpPeriodSec: u32 = 0;
  warmUpColdFactor: u32 = 0;
  statIntervalInMs: u32 = 0;
  lowMemUsageThreshold: i64 = 0;
  highMemUsageThreshold: i64 = 0;
  memLowWaterMarkBytes: i64 = 0;
  memHighWaterMarkBytes: i64 = 0;
  regex: bool = false;

  get effectiveStatIntervalMs(): u32 {
    return this.statIntervalInMs == 0 ? DEFAULT_STAT_INTERVAL_MS : this.statIntervalInMs;
  }
}

const FIELDS: StaticArray<string> = [
  "id", "resource", "tokenCalculateStrategy", "controlBehavior", "threshold", "relationStrategy",
  "refResource", "maxQueueingTimeMs", "warmUpPeriodSec", "warmUpColdFactor", "statIntervalInMs",
  "lowMemUsageThreshold", "highMemUsageThreshold", "memLowWaterMarkBytes", "memHighWaterMarkBytes", "regex",
];

const I32_MIN: i64 = -2147483648;
const I32_MAX: i64 = 2147483647;
const I64_MIN: i64 = i64.MIN_VALUE;
const I64_MAX: i64 = i64.MAX_VALUE;
const U32_MAX: u64 = 4294967295;

/** Reads one rule object into `out` (types only); returns the error sentence or null. */
export function decodeFlowFields(v: JsonValue, r: RuleReader, out: FlowRule): void {
  if (!r.begin(v, "resource")) return;
  for (let i = 0; i < v.keys.length && r.ok; i++) {
    const key = v.keys[i];
    const val = v.items[i];
    const f = fieldIndex(key, FIELDS);
    switch (f) {
      case 0: out.id = r.readString("id", val, out.id); break;
      case 1: out.resource = r.readString("resource", val, out.resource); break;
      case 2: out.tokenCalculateStrategy = <i32>r.readEnum("tokenCalculateStrategy", val, TOKEN_CALCULATE_STRATEGY_NAMES, I32_MIN, I32_MAX, out.tokenCalculateStrategy); break;
      case 3: out.controlBehavior = <i32>r.readEnum("controlBehavior", val, CONTROL_BEHAVIOR_NAMES, I32_MIN, I32_MAX, out.controlBehavior); break;
      case 4: out.threshold = r.readF64("threshold", val, out.threshold); break;
      case 5: out.relationStrategy = <i32>r.readEnum("relationStrategy", val, RELATION_STRATEGY_NAMES, I32_MIN, I32_MAX, out.relationStrategy); break;
      case 6: out.refResource = r.readString("refResource", val, out.refResource); break;
      case 7: out.maxQueueingTimeMs = <u32>r.readUnsigned("maxQueueingTimeMs", val, U32_MAX, out.maxQueueingTimeMs); break;
      case 8: out.warmUpPeriodSec = <u32>r.readUnsigned("warmUpPeriodSec", val, U32_MAX, out.warmUpPeriodSec); break;
      case 9: out.warmUpColdFactor = <u32>r.readUnsigned("warmUpColdFactor", val, U32_MAX, out.warmUpColdFactor); break;
      case 10: out.statIntervalInMs = <u32>r.readUnsigned("statIntervalInMs", val, U32_MAX, out.statIntervalInMs); break;
      case 11: out.lowMemUsageThreshold = r.readSigned("lowMemUsageThreshold", val, I64_MIN, I64_MAX, out.lowMemUsageThreshold); break;
      case 12: out.highMemUsageThreshold = r.readSigned("highMemUsageThreshold", val, I64_MIN, I64_MAX, out.highMemUsageThreshold); break;
      case 13: out.memLowWaterMarkBytes = r.readSigned("memLowWaterMarkBytes", val, I64_MIN, I64_MAX, out.memLowWaterMarkBytes); break;
      case 14: out.memHighWaterMarkBytes = r.readSigned("memHighWaterMarkBytes", val, I64_MIN, I64_MAX, out.memHighWaterMarkBytes); break;
      case 15: out.regex = r.readBool("regex", val, out.regex); break;
      default: r.unknownField(key);
    }
  }
}

/**
 * Sentinel Go's flow IsValidRule, check for check and in its order. The "memHighWaterMarkBytes <=
 * total RAM" check is left out: a Wasm module cannot know the machine's memory.
 */
export function validateFlowRule(rule: FlowRule, r: RuleReader): void {
  if (rule.resource.length == 0) { r.fail("field \"resource\" must not be empty"); return; }
  if (rule.threshold < 0) { r.fail("field \"threshold\" must be >= 0, got " + formatNumber(rule.threshold)); return; }
  if (rule.tokenCalculateStrategy < 0) { r.fail("field \"tokenCalculateStrategy\" must be >= 0, got " + rule.tokenCalculateStrategy.toString()); return; }
  if (rule.controlBehavior < 0) { r.fail("field \"controlBehavior\" must be >= 0, got " + rule.controlBehavior.toString()); return; }
  if (rule.relationStrategy < CURRENT_RESOURCE || rule.relationStrategy > ASSOCIATED_RESOURCE) {
    r.fail("field \"relationStrategy\" must be 0 (CurrentResource) or 1 (AssociatedResource), got " + rule.relationStrategy.toString());
    return;
  }
  if (rule.relationStrategy == ASSOCIATED_RESOURCE && rule.refResource.length == 0) {
    r.fail("field \"refResource\" must not be empty when relationStrategy is 1 (AssociatedResource)");
    return;
  }
  if (rule.tokenCalculateStrategy == WARM_UP) {
    if (rule.warmUpPeriodSec == 0) { r.fail("field \"warmUpPeriodSec\" must be > 0 for tokenCalculateStrategy 1 (WarmUp), got 0"); return; }
    if (rule.warmUpColdFactor == 1) { r.fail("field \"warmUpColdFactor\" must be > 1 (or 0 for the default 3), got 1"); return; }
  }
  if (rule.tokenCalculateStrategy == MEMORY_ADAPTIVE) {
    if (rule.lowMemUsageThreshold <= 0) { r.fail("field \"lowMemUsageThreshold\" must be > 0 for MemoryAdaptive, got " + rule.lowMemUsageThreshold.toString()); return; }
    if (rule.highMemUsageThreshold <= 0) { r.fail("field \"highMemUsageThreshold\" must be > 0 for MemoryAdaptive, got " + rule.highMemUsageThreshold.toString()); return; }
    if (rule.highMemUsageThreshold >= rule.lowMemUsageThreshold) {
      r.fail("field \"highMemUsageThreshold\" must be < lowMemUsageThreshold (" + rule.lowMemUsageThreshold.toString() + ") for MemoryAdaptive, got " + rule.highMemUsageThreshold.toString());
      return;
    }
    if (rule.memLowWaterMarkBytes <= 0) { r.fail("field \"memLowWaterMarkBytes\" must be > 0 for MemoryAdaptive, got " + rule.memLowWaterMarkBytes.toString()); return; }
    if (rule.memHighWaterMarkBytes <= 0) { r.fail("field \"memHighWaterMarkBytes\" must be > 0 for MemoryAdaptive, got " + rule.memHighWaterMarkBytes.toString()); return; }
    if (rule.memLowWaterMarkBytes >= rule.memHighWaterMarkBytes) {
      r.fail("field \"memLowWaterMarkBytes\" must be < memHighWaterMarkBytes (" + rule.memHighWaterMarkBytes.toString() + ") for MemoryAdaptive, got " + rule.memLowWaterMarkBytes.toString());
      return;
    }
  }
}

/** What this product runs: Direct + Reject on the current resource, exact names. Everything else is refused, not ignored. */
export function checkFlowImplemented(rule: FlowRule, r: RuleReader): void {
  if (rule.tokenCalculateStrategy != DIRECT) {
    if (rule.tokenCalculateStrategy <= MEMORY_ADAPTIVE) {
      r.fail("field \"tokenCalculateStrategy\" value " + enumLabel(rule.tokenCalculateStrategy, TOKEN_CALCULATE_STRATEGY_NAMES) + " is not implemented yet; only 0 (Direct) is supported");
    } else {
      r.fail("field \"tokenCalculateStrategy\" has unknown value " + rule.tokenCalculateStrategy.toString() + "; known values: 0 (Direct), 1 (WarmUp), 2 (MemoryAdaptive)");
    }
    return;
  }
  if (rule.controlBehavior != REJECT) {
    if (rule.controlBehavior == THROTTLING) {
      r.fail("field \"controlBehavior\" value 1 (Throttling) is not implemented yet; only 0 (Reject) is supported");
    } else {
      r.fail("field \"controlBehavior\" has unknown value " + rule.controlBehavior.toString() + "; known values: 0 (Reject), 1 (Throttling)");
    }
    return;
  }
  if (rule.relationStrategy != CURRENT_RESOURCE) {
    r.fail("field \"relationStrategy\" value 1 (AssociatedResource) is not implemented yet; only 0 (CurrentResource) is supported");
    return;
  }
  if (rule.regex) {
    r.fail("field \"regex\" value true is not implemented yet; resource must be an exact name");
    return;
  }
}

/** Decode + Sentinel's validation + ours. */
export function decodeFlowRule(v: JsonValue, index: i32, out: FlowRule): string | null {
  const r = new RuleReader("flow", index);
  decodeFlowFields(v, r, out);
  if (r.ok) validateFlowRule(out, r);
  if (r.ok) checkFlowImplemented(out, r);
  return r.error;
}

/** Sentinel's validity alone (for tests and for tooling that wants to know what Sentinel would accept). */
export function sentinelFlowRuleError(v: JsonValue, index: i32, out: FlowRule): string | null {
  const r = new RuleReader("flow", index);
  decodeFlowFields(v, r, out);
  if (r.ok) validateFlowRule(out, r);
  return r.error;
}

export function describeFlowRule(rule: FlowRule): string {
  return "{resource=" + quote(rule.resource) + ", threshold=" + formatNumber(rule.threshold) +
    ", statIntervalInMs=" + rule.statIntervalInMs.toString() + "}";
}
