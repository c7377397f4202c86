// Test harness: exposes the library through plain exported functions (handles are indexes into
// global tables) so node:test can drive it. Setup functions allocate; the entry/exit/check
// functions are the ones the allocation test measures.
import { decodeConfig, SentinelConfig } from "../../assembly/rules/config";
import { parseJson } from "../../assembly/json/parser";
import { FlowRule, sentinelFlowRuleError } from "../../assembly/rules/flow";
import { formatNumber, quote } from "../../assembly/rules/format";
import { ResourceGuard, blockTypeName, blockMessage } from "../../assembly/guard";
import { LeapArray } from "../../assembly/stat/leap-array";
import { WindowView, reuseCheck } from "../../assembly/stat/window";
import { metricBucketInitial, PASS } from "../../assembly/stat/metric-bucket";
import { CircuitBreaker, stateName } from "../../assembly/circuitbreaker/breaker";

let lastError: string = "";
const guards = new Array<ResourceGuard>(0);
const configs = new Array<SentinelConfig>(0);

export function getLastError(): string { return lastError; }

// ---- configuration decoding ----------------------------------------------------------------

/** "error:<sentence>" or "ok:<JSON summary of every decoded field>". */
export function decodeSummary(input: Uint8Array, extraKeysCsv: string): string {
  const extra = extraKeysCsv.length == 0 ? new Array<string>(0) : extraKeysCsv.split(",");
  const r = decodeConfig(input, extra);
  if (!r.ok) return "error:" + r.error!;
  const c = r.config!;
  let s = "{\"resource\":" + (c.hasResource ? quote(c.resource) : "null");
  s += ",\"stat\":[" + c.stat.globalStatisticSampleCountTotal.toString() + "," + c.stat.globalStatisticIntervalMsTotal.toString() + "," +
    c.stat.metricStatisticSampleCount.toString() + "," + c.stat.metricStatisticIntervalMs.toString() + "]";
  s += ",\"flowRules\":[";
  for (let i = 0; i < c.flowRules.length; i++) {
    const f = c.flowRules[i];
    if (i > 0) s += ",";
    s += "{\"id\":" + quote(f.id) + ",\"resource\":" + quote(f.resource) + ",\"tokenCalculateStrategy\":" + f.tokenCalculateStrategy.toString() +
      ",\"controlBehavior\":" + f.controlBehavior.toString() + ",\"threshold\":" + formatNumber(f.threshold) +
      ",\"relationStrategy\":" + f.relationStrategy.toString() + ",\"refResource\":" + quote(f.refResource) +
      ",\"maxQueueingTimeMs\":" + f.maxQueueingTimeMs.toString() + ",\"warmUpPeriodSec\":" + f.warmUpPeriodSec.toString() +
      ",\"warmUpColdFactor\":" + f.warmUpColdFactor.toString() + ",\"statIntervalInMs\":" + f.statIntervalInMs.toString() +
      ",\"effectiveStatIntervalMs\":" + f.effectiveStatIntervalMs.toString() +
      ",\"lowMemUsageThreshold\":\"" + f.lowMemUsageThreshold.toString() + "\",\"highMemUsageThreshold\":\"" + f.highMemUsageThreshold.toString() +
      "\",\"memLowWaterMarkBytes\":\"" + f.memLowWaterMarkBytes.toString() + "\",\"memHighWaterMarkBytes\":\"" + f.memHighWaterMarkBytes.toString() +
      "\",\"regex\":" + (f.regex ? "true" : "false") + "}";
  }
  s += "],\"isolationRules\":[";
  for (let i = 0; i < c.isolationRules.length; i++) {
    const r = c.isolationRules[i];
    if (i > 0) s += ",";
    s += "{\"id\":" + quote(r.id) + ",\"resource\":" + quote(r.resource) + ",\"metricType\":" + r.metricType.toString() +
      ",\"threshold\":" + r.threshold.toString() + ",\"regex\":" + (r.regex ? "true" : "false") + "}";
  }
  s += "],\"circuitBreakerRules\":[";
  for (let i = 0; i < c.circuitBreakerRules.length; i++) {
    const r = c.circuitBreakerRules[i];
    if (i > 0) s += ",";
    s += "{\"id\":" + quote(r.id) + ",\"resource\":" + quote(r.resource) + ",\"strategy\":" + r.strategy.toString() +
      ",\"retryTimeoutMs\":" + r.retryTimeoutMs.toString() + ",\"minRequestAmount\":\"" + r.minRequestAmount.toString() +
      "\",\"statIntervalMs\":" + r.statIntervalMs.toString() + ",\"statSlidingWindowBucketCount\":" + r.statSlidingWindowBucketCount.toString() +
      ",\"effectiveBucketCount\":" + r.effectiveBucketCount.toString() +
      ",\"maxAllowedRtMs\":\"" + r.maxAllowedRtMs.toString() + "\",\"threshold\":" + formatNumber(r.threshold) +
      ",\"probeNum\":\"" + r.probeNum.toString() + "\"}";
  }
  s += "],\"extras\":[";
  for (let i = 0; i < c.extraKeys.length; i++) { if (i > 0) s += ","; s += quote(c.extraKeys[i]); }
  return "ok:" + s + "]}";
}

/** Sentinel's own flow IsValidRule on one rule object: "" if Sentinel accepts it, else the sentence. */
export function sentinelFlowValidity(input: Uint8Array): string {
  const p = parseJson(input);
  if (!p.ok) return "json:" + p.error!.toString();
  const e = sentinelFlowRuleError(p.value!, 0, new FlowRule());
  return e === null ? "" : e;
}

// ---- guards (resource slot chain) ------------------------------------------------------------

/** Handle >= 0, or -1 with getLastError(). */
export function guardNew(configJson: Uint8Array, resource: string): i32 {
  const r = decodeConfig(configJson);
  if (!r.ok) { lastError = r.error!; return -1; }
  configs.push(r.config!);
  guards.push(new ResourceGuard(resource, r.config!));
  return guards.length - 1;
}

/** A reload: builds a new guard from `configJson` taking over state from guard `prev`. */
export function guardReload(prev: i32, configJson: Uint8Array, resource: string): i32 {
  const r = decodeConfig(configJson);
  if (!r.ok) { lastError = r.error!; return -1; }
  configs.push(r.config!);
  guards.push(new ResourceGuard(resource, r.config!, guards[prev]));
  return guards.length - 1;
}

export function guardEntry(h: i32, nowMs: u64, batch: u32): i32 { return guards[h].entry(nowMs, batch); }
export function guardExit(h: i32, nowMs: u64, rtMs: u64, failed: bool, batch: u32): void { guards[h].exit(nowMs, rtMs, failed, batch); }
export function guardBlockRule(h: i32): i32 { return guards[h].blockRuleIndex; }
export function guardSnapshot(h: i32): f64 { return guards[h].blockSnapshot; }
export function guardConcurrency(h: i32): i64 { return guards[h].node.concurrency; }
export function guardPassSum(h: i32, nowMs: u64): i64 { return guards[h].node.passSum(nowMs); }
export function guardAvgRt(h: i32, nowMs: u64): i64 { return guards[h].node.avgRt(nowMs); }
export function guardMinRt(h: i32, nowMs: u64): i64 { return guards[h].node.defaultView.minRt(nowMs); }
export function guardMaxConcurrency(h: i32, nowMs: u64): i64 { return guards[h].node.defaultView.maxConcurrency(nowMs); }

export function flowStatKind(h: i32, i: i32): i32 { return guards[h].flows[i].statKind; }
export function flowSampleCount(h: i32, i: i32): u32 { return guards[h].flows[i].binding.sampleCount; }
export function flowCurrent(h: i32, i: i32, nowMs: u64): i64 { return guards[h].flows[i].current(nowMs); }
export function flowCheck(h: i32, i: i32, nowMs: u64, batch: u32): bool { return guards[h].flows[i].check(nowMs, batch); }
export function flowRemaining(h: i32, i: i32, nowMs: u64): i64 { return guards[h].flows[i].remaining(nowMs); }

function breaker(h: i32, i: i32): CircuitBreaker { return guards[h].breakers[i]; }
export function cbState(h: i32, i: i32): string { return stateName(breaker(h, i).state); }
export function cbTryPass(h: i32, i: i32, nowMs: u64): bool { return breaker(h, i).tryPass(nowMs); }
export function cbOnComplete(h: i32, i: i32, nowMs: u64, rtMs: u64, failed: bool): void { breaker(h, i).onComplete(nowMs, rtMs, failed); }
export function cbOnCompletions(h: i32, i: i32, nowMs: u64, total: u64, bad: u64): void { breaker(h, i).onCompletions(nowMs, total, bad); }
export function cbProbeBlocked(h: i32, i: i32, nowMs: u64): void { breaker(h, i).onProbeBlocked(nowMs); }
export function cbCurProbe(h: i32, i: i32): u64 { return breaker(h, i).curProbe; }
export function cbNextRetry(h: i32, i: i32): u64 { return breaker(h, i).nextRetryMs; }
export function cbWindow(h: i32, i: i32, nowMs: u64): string {
  const b = breaker(h, i);
  return b.windowTotal(nowMs).toString() + "/" + b.windowBad(nowMs).toString();
}
/** Drains the event queue as "From>To@snapshot" items joined by ";". */
export function cbEvents(h: i32, i: i32): string {
  const b = breaker(h, i);
  let s = "";
  for (let k = 0; k < b.eventCount(); k++) {
    if (k > 0) s += ";";
    s += stateName(b.eventFrom(k)) + ">" + stateName(b.eventTo(k));
    if (b.eventTo(k) == 2) s += "@" + formatNumber(b.eventSnapshot(k));
  }
  b.clearEvents();
  return s;
}

// ---- stat internals --------------------------------------------------------------------------

const rings = new Array<LeapArray>(0);
export function ringNew(sampleCount: u32, intervalMs: u32): i32 {
  rings.push(new LeapArray(sampleCount, intervalMs, metricBucketInitial()));
  return rings.length - 1;
}
export function ringAddPass(h: i32, nowMs: u64, n: i64): bool { return rings[h].add(nowMs, PASS, n); }
export function ringDropped(h: i32): u64 { return rings[h].droppedWrites; }
/** Start times of the ring buckets a (viewSampleCount, viewIntervalMs) view reads at nowMs, sorted, comma-joined. */
export function viewStarts(h: i32, viewSampleCount: u32, viewIntervalMs: u32, nowMs: u64): string {
  const ring = rings[h];
  const end = ring.bucketStartOf(nowMs);
  const start = end - <u64>viewIntervalMs + <u64>ring.bucketLenMs;
  const starts = new Array<u64>(0);
  for (let i = 0; i < <i32>ring.sampleCount; i++) {
    if (ring.isLive(i, nowMs) && ring.startOf(i) >= start && ring.startOf(i) <= end) starts.push(ring.startOf(i));
  }
  starts.sort((a: u64, b: u64): i32 => a < b ? -1 : (a > b ? 1 : 0));
  let s = "";
  for (let i = 0; i < starts.length; i++) { if (i > 0) s += ","; s += starts[i].toString(); }
  return s;
}
export function viewSum(h: i32, viewSampleCount: u32, viewIntervalMs: u32, nowMs: u64): i64 {
  return new WindowView(rings[h], viewSampleCount, viewIntervalMs).sum(PASS, nowMs);
}
export function reuse(sampleCount: u32, intervalMs: u32, ringSampleCount: u32, ringIntervalMs: u32): i32 {
  return reuseCheck(sampleCount, intervalMs, ringSampleCount, ringIntervalMs);
}

// ---- allocation probes -----------------------------------------------------------------------

/** n connections' worth of entry + exit, the product's hot path. */
export function churn(h: i32, startMs: u64, n: i32): i32 {
  const g = guards[h];
  let passed = 0;
  for (let i = 0; i < n; i++) {
    const now = startMs + <u64>i;
    if (g.entry(now, 1) == 0) { passed++; g.exit(now + 3, 3, (i & 7) == 0, 1); }
  }
  return passed;
}

/** n batched completions into every breaker of the guard (the service's aggregation path). */
export function churnBreakers(h: i32, startMs: u64, n: i32): void {
  const g = guards[h];
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < g.breakers.length; b++) {
      const br = g.breakers[b];
      br.tryPass(startMs + <u64>i * 10);
      br.onCompletions(startMs + <u64>i * 10, 5, <u64>(i % 3));
      br.clearEvents();
    }
  }
}

/** Negative control for the allocation test: allocates n small objects. */
let sink: Array<u64> | null = null;
export function allocateOnPurpose(n: i32): void {
  for (let i = 0; i < n; i++) sink = new Array<u64>(4);
}

export function blockDescription(type: i32): string { return blockTypeName(type) + ": " + blockMessage(type); }
