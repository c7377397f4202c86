// The plugin configuration document (see sentinel/README.md, "Configuration"):
//   {"resource": "tcp:orders",
//    "flowRules": [...], "isolationRules": [...], "circuitBreakerRules": [...],   <- Sentinel rule-file arrays
//    "stat": {"globalStatisticSampleCountTotal": 20, "globalStatisticIntervalMsTotal": 10000,
//             "metricStatisticSampleCount": 2, "metricStatisticIntervalMs": 1000}}
// plus any keys the embedding module declares as its own (returned untouched in `extras`).
// The first problem found is returned as one sentence; nothing is partially applied.
import { parseJson } from "../json/parser";
import { JsonValue, KIND_ARRAY, KIND_OBJECT, KIND_NULL, KIND_STRING, kindName } from "../json/value";
import { fieldIndex, keyMatches, RuleReader } from "./fields";
import { describe, quote } from "./format";
import { FlowRule, decodeFlowRule } from "./flow";
import { IsolationRule, decodeIsolationRule } from "./isolation";
import { CircuitBreakerRule, decodeCircuitBreakerRule } from "./circuitbreaker";

/** Per kind, so configure-time tables have a hard size. */
// @ts-ignore: decorator
@inline export const MAX_RULES_PER_KIND: i32 = 64;
/** Upper bound on ring buckets; bounds the memory one resource's statistics take. */
// @ts-ignore: decorator
@inline export const MAX_RING_BUCKETS: u32 = 1200;

/** Sentinel's `sentinel.stat` settings (same names as its yaml keys). */
export class StatConfig {
  globalStatisticSampleCountTotal: u32 = 20;
  globalStatisticIntervalMsTotal: u32 = 10000;
  metricStatisticSampleCount: u32 = 2;
  metricStatisticIntervalMs: u32 = 1000;

  get ringBucketLenMs(): u32 { return this.globalStatisticIntervalMsTotal / this.globalStatisticSampleCountTotal; }
}

export class SentinelConfig {
  resource: string = "";
  hasResource: bool = false;
  flowRules: Array<FlowRule> = new Array<FlowRule>(0);
  isolationRules: Array<IsolationRule> = new Array<IsolationRule>(0);
  circuitBreakerRules: Array<CircuitBreakerRule> = new Array<CircuitBreakerRule>(0);
  stat: StatConfig = new StatConfig();
  /** Values of the caller-declared extra keys, in document order. */
  extraKeys: Array<string> = new Array<string>(0);
  extraValues: Array<JsonValue> = new Array<JsonValue>(0);

  extra(key: string): JsonValue | null {
    for (let i = this.extraKeys.length - 1; i >= 0; i--) if (this.extraKeys[i] == key) return this.extraValues[i];
    return null;
  }
}

export class ConfigResult {
  config: SentinelConfig | null = null;
  error: string | null = null;
  get ok(): bool { return this.error === null; }
}

const TOP_FIELDS: StaticArray<string> = ["resource", "flowRules", "isolationRules", "circuitBreakerRules", "stat"];
const STAT_FIELDS: StaticArray<string> = [
  "globalStatisticSampleCountTotal", "globalStatisticIntervalMsTotal", "metricStatisticSampleCount", "metricStatisticIntervalMs",
];

export function decodeConfig(input: Uint8Array, extraKeys: Array<string> = new Array<string>(0)): ConfigResult {
  const res = new ConfigResult();
  const parsed = parseJson(input);
  const perr = parsed.error;
  if (perr !== null) { res.error = perr.toString(); return res; }
  const root = parsed.value!;
  if (root.kind != KIND_OBJECT) {
    res.error = "configuration must be a JSON object, got " + kindName(root.kind);
    return res;
  }
  const cfg = new SentinelConfig();
  for (let i = 0; i < root.keys.length; i++) {
    const key = root.keys[i];
    const val = root.items[i];
    let err: string | null = null;
    switch (fieldIndex(key, TOP_FIELDS)) {
      case 0: {
        if (val.kind == KIND_NULL) break;
        if (val.kind != KIND_STRING) { err = "configuration field \"resource\" must be a string, got " + describe(val); break; }
        if (val.str.length == 0) { err = "configuration field \"resource\" must not be empty"; break; }
        cfg.resource = val.str;
        cfg.hasResource = true;
        break;
      }
      case 1: err = decodeFlowRules(val, cfg.flowRules); break;
      case 2: err = decodeIsolationRules(val, cfg.isolationRules); break;
      case 3: err = decodeCircuitBreakerRules(val, cfg.circuitBreakerRules); break;
      case 4: err = decodeStat(val, cfg.stat); break;
      default: {
        let known = false;
        for (let k = 0; k < extraKeys.length; k++) {
          if (keyMatches(key, extraKeys[k])) { cfg.extraKeys.push(extraKeys[k]); cfg.extraValues.push(val); known = true; break; }
        }
        if (!known) {
          let list = "";
          for (let k = 0; k < TOP_FIELDS.length; k++) list += (k > 0 ? ", " : "") + quote(TOP_FIELDS[k]);
          for (let k = 0; k < extraKeys.length; k++) list += ", " + quote(extraKeys[k]);
          err = "unknown configuration field " + quote(key) + "; known fields: " + list;
        }
      }
    }
    if (err !== null) { res.error = err; return res; }
  }
  res.config = cfg;
  return res;
}

function checkArray(val: JsonValue, name: string): string | null {
  if (val.kind != KIND_ARRAY) return "configuration field " + quote(name) + " must be an array of rules, got " + kindName(val.kind);
  if (val.items.length > MAX_RULES_PER_KIND) {
    return "configuration field " + quote(name) + " has " + val.items.length.toString() + " rules, more than the limit of " + MAX_RULES_PER_KIND.toString();
  }
  return null;
}

export function decodeFlowRules(val: JsonValue, out: Array<FlowRule>): string | null {
  if (val.kind == KIND_NULL) return null;
  const e = checkArray(val, "flowRules");
  if (e !== null) return e;
  for (let i = 0; i < val.items.length; i++) {
    const rule = new FlowRule();
    const err = decodeFlowRule(val.items[i], i, rule);
    if (err !== null) return err;
    out.push(rule);
  }
  return null;
}

export function decodeIsolationRules(val: JsonValue, out: Array<IsolationRule>): string | null {
  if (val.kind == KIND_NULL) return null;
  const e = checkArray(val, "isolationRules");
  if (e !== null) return e;
  for (let i = 0; i < val.items.length; i++) {
    const rule = new IsolationRule();
    const err = decodeIsolationRule(val.items[i], i, rule);
    if (err !== null) return err;
    out.push(rule);
  }
  return null;
}

export function decodeCircuitBreakerRules(val: JsonValue, out: Array<CircuitBreakerRule>): string | null {
  if (val.kind == KIND_NULL) return null;
  const e = checkArray(val, "circuitBreakerRules");
  if (e !== null) return e;
  for (let i = 0; i < val.items.length; i++) {
    const rule = new CircuitBreakerRule();
    const err = decodeCircuitBreakerRule(val.items[i], i, rule);
    if (err !== null) return err;
    out.push(rule);
  }
  return null;
}

function decodeStat(val: JsonValue, out: StatConfig): string | null {
  if (val.kind == KIND_NULL) return null;
  if (val.kind != KIND_OBJECT) return "configuration field \"stat\" must be an object, got " + kindName(val.kind);
  const r = new RuleReader("stat", 0);
  for (let i = 0; i < val.keys.length && r.ok; i++) {
    const key = val.keys[i];
    const v = val.items[i];
    switch (fieldIndex(key, STAT_FIELDS)) {
      case 0: out.globalStatisticSampleCountTotal = <u32>r.readUnsigned(STAT_FIELDS[0], v, 4294967295, out.globalStatisticSampleCountTotal); break;
      case 1: out.globalStatisticIntervalMsTotal = <u32>r.readUnsigned(STAT_FIELDS[1], v, 4294967295, out.globalStatisticIntervalMsTotal); break;
      case 2: out.metricStatisticSampleCount = <u32>r.readUnsigned(STAT_FIELDS[2], v, 4294967295, out.metricStatisticSampleCount); break;
      case 3: out.metricStatisticIntervalMs = <u32>r.readUnsigned(STAT_FIELDS[3], v, 4294967295, out.metricStatisticIntervalMs); break;
      default: r.unknownField(key);
    }
  }
  if (!r.ok) return "configuration \"stat\": " + r.error!.substring(("stat rule 0: ").length);
  return validateStatConfig(out);
}

/** Sentinel's CheckValidityForReuseStatistic for the default view on the ring, plus our memory cap. */
export function validateStatConfig(s: StatConfig): string | null {
  const n = s.globalStatisticSampleCountTotal, total = s.globalStatisticIntervalMsTotal;
  const m = s.metricStatisticSampleCount, view = s.metricStatisticIntervalMs;
  if (n == 0 || total == 0 || total % n != 0) {
    return "configuration \"stat\": globalStatisticIntervalMsTotal (" + total.toString() + ") must be a positive multiple of globalStatisticSampleCountTotal (" + n.toString() + ")";
  }
  if (n > MAX_RING_BUCKETS) {
    return "configuration \"stat\": globalStatisticSampleCountTotal must be <= " + MAX_RING_BUCKETS.toString() + ", got " + n.toString();
  }
  if (m == 0 || view == 0 || view % m != 0) {
    return "configuration \"stat\": metricStatisticIntervalMs (" + view.toString() + ") must be a positive multiple of metricStatisticSampleCount (" + m.toString() + ")";
  }
  if (total % view != 0 || (view / m) % (total / n) != 0) {
    return "configuration \"stat\": the metric view (" + m.toString() + " x " + (view / m).toString() + " ms) must be reusable on the ring (" +
      n.toString() + " x " + (total / n).toString() + " ms): ring interval divisible by view interval, view bucket a multiple of ring bucket";
  }
  return null;
}
