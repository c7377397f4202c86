// Direct + Reject flow control (Sentinel's DirectTrafficShapingCalculator + RejectTrafficShapingChecker):
// cur = Sum(Pass) over the bound window; block if cur + batch > threshold, so exactly `threshold`
// units pass per window. The snapshot of a block is cur. Standalone windows are written by onPass
// (Sentinel's StandaloneStatSlot), i.e. only for entries that passed every check.
import { FlowRule } from "../rules/flow";
import { StatConfig } from "../rules/config";
import { LeapArray } from "../stat/leap-array";
import { WindowView } from "../stat/window";
import { ResourceStat } from "../stat/resource-node";
import { PASS, passOnlyInitial } from "../stat/metric-bucket";
import { bindStat, StatBinding, STAT_DEFAULT_VIEW, STAT_RING_VIEW, STAT_STANDALONE } from "../stat/binding";

export class FlowChecker {
  readonly rule: FlowRule;
  readonly threshold: f64;
  readonly binding: StatBinding;
  readonly view: WindowView;
  /** Non-null only for STAT_STANDALONE. */
  readonly standalone: LeapArray | null;
  /** The pass count seen by the last blocking check. */
  snapshot: f64 = 0;

  /** `reuse`: a checker of the previous configuration whose statistic this one may take over (Sentinel's isStatReusable). */
  constructor(rule: FlowRule, node: ResourceStat, stat: StatConfig, reuse: FlowChecker | null = null) {
    this.rule = rule;
    this.threshold = rule.threshold;
    const b = bindStat(rule.statIntervalInMs, stat);
    this.binding = b;
    if (b.kind == STAT_DEFAULT_VIEW) {
      this.view = node.defaultView;
      this.standalone = null;
    } else if (b.kind == STAT_RING_VIEW) {
      this.view = new WindowView(node.ring, b.sampleCount, b.intervalMs);
      this.standalone = null;
    } else {
      let own: LeapArray;
      const old = reuse !== null ? reuse.standalone : null;
      if (old !== null && old.sampleCount == b.sampleCount && old.intervalMs == b.intervalMs) own = old;
      else own = new LeapArray(b.sampleCount, b.intervalMs, passOnlyInitial());
      this.standalone = own;
      this.view = new WindowView(own, b.sampleCount, b.intervalMs);
    }
  }

  get statKind(): i32 { return this.binding.kind; }

  /** Sentinel's isStatReusable for flow rules (both need statistics: Reject always does here). */
  canReuseStatOf(old: FlowChecker): bool {
    const a = this.rule, b = old.rule;
    return a.resource == b.resource && a.relationStrategy == b.relationStrategy && a.refResource == b.refResource &&
      a.statIntervalInMs == b.statIntervalInMs;
  }

  /** Current pass count in the bound window. */
  @inline current(nowMs: u64): i64 {
    return this.view.sum(PASS, nowMs);
  }

  /** True to pass. No side effects except `snapshot` on block. */
  check(nowMs: u64, batch: u32): bool {
    const cur = <f64>this.view.sum(PASS, nowMs);
    if (cur + <f64>batch > this.threshold) {
      this.snapshot = cur;
      return false;
    }
    return true;
  }

  /** The entry passed every check: count it in a standalone window (reused views are fed by the resource node). */
  onPass(nowMs: u64, batch: u32): void {
    const own = this.standalone;
    if (own !== null) own.add(nowMs, PASS, <i64>batch);
  }

  /** Batch form for an aggregator: `passes` entries that passed at nowMs. */
  addPasses(nowMs: u64, passes: u64): void {
    const own = this.standalone;
    if (own !== null) own.add(nowMs, PASS, <i64>passes);
  }

  /** Units that could still pass in the current window (floor(threshold) - cur, at least 0). */
  remaining(nowMs: u64): i64 {
    const left = Math.floor(this.threshold - <f64>this.view.sum(PASS, nowMs));
    return left > 0 ? <i64>left : 0;
  }
}

export { STAT_DEFAULT_VIEW, STAT_RING_VIEW, STAT_STANDALONE };
