// One resource's slot chain for in-process use (a single VM, or tests): Sentinel's order is flow
// (2000) -> isolation (3000) -> circuit breaker (5000); the first block wins; then the stat slots.
// Built once from a validated config; entry/exit do not allocate.
//
// Entry:  flow rules in load order, isolation rules, breakers' tryPass. If a breaker admitted its
//         HalfOpen probe and a later breaker blocks, the probe's exit hook runs (onProbeBlocked).
//         Pass -> node.onPass + standalone flow windows; block -> node.onBlock. A blocked entry
//         never completes (Sentinel skips OnCompleted for blocked entries).
// Exit:   node.onComplete, then every breaker's onComplete(rt, failed).
import { SentinelConfig } from "./rules/config";
import { ResourceStat } from "./stat/resource-node";
import { FlowChecker } from "./flow/checker";
import { IsolationChecker } from "./isolation/checker";
import { CircuitBreaker, ruleEquals, ruleStatReusable } from "./circuitbreaker/breaker";
import { StatConfig } from "./rules/config";
import { CircuitBreakerRule } from "./rules/circuitbreaker";

// Sentinel's BlockType numbering.
// @ts-ignore: decorator
@inline export const BLOCK_NONE: i32 = 0;
// @ts-ignore: decorator
@inline export const BLOCK_FLOW: i32 = 1;
// @ts-ignore: decorator
@inline export const BLOCK_ISOLATION: i32 = 2;
// @ts-ignore: decorator
@inline export const BLOCK_CIRCUIT_BREAKING: i32 = 3;

/** Sentinel's BlockType.String(), for log lines and metric tags (a constant per type: no allocation). */
export function blockTypeName(type: i32): string {
  switch (type) {
    case BLOCK_FLOW: return "BlockTypeFlowControl";
    case BLOCK_ISOLATION: return "BlockTypeIsolation";
    case BLOCK_CIRCUIT_BREAKING: return "BlockTypeCircuitBreaking";
  }
  return "BlockTypeUnknown";
}

/** Sentinel's block messages per checker ("flow reject check blocked", ...). */
export function blockMessage(type: i32): string {
  switch (type) {
    case BLOCK_FLOW: return "flow reject check blocked";
    case BLOCK_ISOLATION: return "concurrency exceeds threshold";
    case BLOCK_CIRCUIT_BREAKING: return "circuit breaker check blocked";
  }
  return "";
}

export class ResourceGuard {
  readonly resource: string;
  readonly node: ResourceStat;
  readonly flows: StaticArray<FlowChecker>;
  readonly isolations: StaticArray<IsolationChecker>;
  readonly breakers: StaticArray<CircuitBreaker>;
  /** Result details of the last blocked entry. */
  blockType: i32 = BLOCK_NONE;
  blockRuleIndex: i32 = -1;
  blockSnapshot: f64 = 0;
  readonly statConfig: StatConfig;
  /** Reload bookkeeping: which of this guard's parts a successor already took over. */
  flowTaken: StaticArray<bool>;
  breakerTaken: StaticArray<bool>;

  /**
   * Takes the rules of `cfg` whose resource equals `resource` (exact names; regex rules were rejected).
   * `previous` (a reload): Sentinel keeps resource statistics across rule loads, so the node (windows
   * and in-flight count) is taken over when the ring settings are unchanged (else only the in-flight
   * count is); an equal breaker rule keeps its breaker and state, a stat-reusable one keeps its
   * counters in a new Closed breaker; a flow rule with the same interval keeps its standalone window.
   */
  constructor(resource: string, cfg: SentinelConfig, previous: ResourceGuard | null = null) {
    this.resource = resource;
    let node: ResourceStat;
    const sameNode = previous !== null && previous.resource == resource && sameRing(previous.statConfig, cfg.stat);
    if (sameNode) node = previous!.node;
    else {
      node = new ResourceStat(cfg.stat);
      if (previous !== null && previous.resource == resource) node.concurrency = previous.node.concurrency;
    }
    this.node = node;
    this.statConfig = cfg.stat;
    let nf = 0, ni = 0, nb = 0;
    for (let i = 0; i < cfg.flowRules.length; i++) if (cfg.flowRules[i].resource == resource) nf++;
    for (let i = 0; i < cfg.isolationRules.length; i++) if (cfg.isolationRules[i].resource == resource) ni++;
    for (let i = 0; i < cfg.circuitBreakerRules.length; i++) if (cfg.circuitBreakerRules[i].resource == resource) nb++;
    const flows = new StaticArray<FlowChecker>(nf);
    const isolations = new StaticArray<IsolationChecker>(ni);
    const breakers = new StaticArray<CircuitBreaker>(nb);
    nf = 0; ni = 0; nb = 0;
    for (let i = 0; i < cfg.flowRules.length; i++) {
      const r = cfg.flowRules[i];
      if (r.resource != resource) continue;
      const fresh = new FlowChecker(r, node, cfg.stat);
      let reuse: FlowChecker | null = null;
      if (sameNode) {
        const old = previous!.flows;
        for (let k = 0; k < old.length; k++) {
          if (!previous!.flowTaken[k] && fresh.canReuseStatOf(old[k])) { reuse = old[k]; previous!.flowTaken[k] = true; break; }
        }
      }
      flows[nf++] = reuse !== null ? new FlowChecker(r, node, cfg.stat, reuse) : fresh;
    }
    for (let i = 0; i < cfg.isolationRules.length; i++) {
      const r = cfg.isolationRules[i];
      if (r.resource == resource) isolations[ni++] = new IsolationChecker(r);
    }
    for (let i = 0; i < cfg.circuitBreakerRules.length; i++) {
      const r = cfg.circuitBreakerRules[i];
      if (r.resource != resource) continue;
      breakers[nb++] = previous !== null ? takeOver(previous, r) : new CircuitBreaker(r);
    }
    this.flows = flows;
    this.isolations = isolations;
    this.breakers = breakers;
    this.flowTaken = new StaticArray<bool>(nf);
    this.breakerTaken = new StaticArray<bool>(nb);
  }

  /** Returns BLOCK_NONE to pass, or the block type (details in blockRuleIndex / blockSnapshot). */
  entry(nowMs: u64, batch: u32): i32 {
    const t = this.check(nowMs, batch);
    if (t == BLOCK_NONE) {
      this.node.onPass(nowMs, batch);
      const flows = this.flows;
      for (let i = 0; i < flows.length; i++) unchecked(flows[i]).onPass(nowMs, batch);
    } else {
      this.node.onBlock(nowMs, batch);
    }
    return t;
  }

  private check(nowMs: u64, batch: u32): i32 {
    const flows = this.flows;
    for (let i = 0; i < flows.length; i++) {
      const f = unchecked(flows[i]);
      if (!f.check(nowMs, batch)) return this.blocked(BLOCK_FLOW, i, f.snapshot);
    }
    const isolations = this.isolations;
    for (let i = 0; i < isolations.length; i++) {
      const c = unchecked(isolations[i]);
      if (!c.check(this.node.concurrency, batch)) return this.blocked(BLOCK_ISOLATION, i, <f64>c.snapshot);
    }
    const breakers = this.breakers;
    for (let i = 0; i < breakers.length; i++) {
      if (!unchecked(breakers[i]).tryPass(nowMs)) {
        // Exit hooks of probes admitted earlier in this same entry.
        for (let j = 0; j < i; j++) {
          const b = unchecked(breakers[j]);
          if (b.probeStarted) b.onProbeBlocked(nowMs);
        }
        return this.blocked(BLOCK_CIRCUIT_BREAKING, i, 0);
      }
    }
    return BLOCK_NONE;
  }

  @inline private blocked(type: i32, index: i32, snapshot: f64): i32 {
    this.blockType = type;
    this.blockRuleIndex = index;
    this.blockSnapshot = snapshot;
    return type;
  }

  /** Exit of a passed entry after rtMs, failed = the error condition (refused/reset before first byte at L4). */
  exit(nowMs: u64, rtMs: u64, failed: bool, batch: u32): void {
    this.node.onComplete(nowMs, rtMs, batch, failed);
    const breakers = this.breakers;
    for (let i = 0; i < breakers.length; i++) unchecked(breakers[i]).onComplete(nowMs, rtMs, failed);
  }
}

function sameRing(a: StatConfig, b: StatConfig): bool {
  return a.globalStatisticSampleCountTotal == b.globalStatisticSampleCountTotal &&
    a.globalStatisticIntervalMsTotal == b.globalStatisticIntervalMsTotal &&
    a.metricStatisticSampleCount == b.metricStatisticSampleCount &&
    a.metricStatisticIntervalMs == b.metricStatisticIntervalMs;
}

/** Sentinel's breaker reuse on reload: an equal rule keeps the breaker, else a stat-reusable one its counters. */
function takeOver(previous: ResourceGuard, r: CircuitBreakerRule): CircuitBreaker {
  const old = previous.breakers;
  for (let k = 0; k < old.length; k++) {
    if (!previous.breakerTaken[k] && ruleEquals(old[k].rule, r)) { previous.breakerTaken[k] = true; return old[k]; }
  }
  for (let k = 0; k < old.length; k++) {
    if (!previous.breakerTaken[k] && ruleStatReusable(old[k].rule, r)) { previous.breakerTaken[k] = true; return new CircuitBreaker(r, old[k].ring); }
  }
  return new CircuitBreaker(r);
}
