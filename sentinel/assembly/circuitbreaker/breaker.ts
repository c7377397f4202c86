// Circuit breaker (Sentinel Go's core/circuitbreaker), one per rule, owning a ring of {total, bad}
// counters (bad = slow for SlowRequestRatio, error for ErrorRatio/ErrorCount).
//
//                       ratio >= threshold (1e-8 equality) or errors >= floor(threshold),
//                       with windowed total >= minRequestAmount; nextRetry = now + retryTimeoutMs
//        +--------+ --------------------------------------------------------------> +------+
//        | Closed |                                                                  | Open |
//        +--------+ <--+                                           +---------------> +------+
//            ^         |                                           |   bad completion:  |   ^
//            |         |                                           |   nextRetry renewed,  |
//            |   good completions reach probeNum (or 1 if 0);      |   probe count reset   |   |
//            |   window counters cleared                           |                    |   |
//            |         |                                           |   tryPass at now >=   |
//            |       +----------+ ---------------------------------+   nextRetry: the entry |
//            +-------| HalfOpen | <---------------------------------------------------+   |
//                    +----------+ --------------------------------------------------------+
//                           the probe entry was blocked by a later check (exit hook):
//                           back to Open WITHOUT renewing nextRetry, so the next entry probes at once
//
// TryPass: Closed -> pass; Open -> pass only for the entry that moves it to HalfOpen; HalfOpen ->
// pass only if probeNum > 0 (then every entry passes), block with probeNum 0.
// Every completion, in every state, adds to the window first (batch ignored: +1 total, +1 bad).
//
// State changes are queued as events in a fixed ring the caller drains (no callbacks, no closures):
// eventCount(), eventFrom(i), eventTo(i), eventSnapshot(i), eventAtMs(i), clearEvents().
import { CircuitBreakerRule, SLOW_REQUEST_RATIO, ERROR_RATIO, ERROR_COUNT } from "../rules/circuitbreaker";
import { LeapArray } from "../stat/leap-array";

// @ts-ignore: decorator
@inline export const CLOSED: i32 = 0;
// @ts-ignore: decorator
@inline export const HALF_OPEN: i32 = 1;
// @ts-ignore: decorator
@inline export const OPEN: i32 = 2;

// @ts-ignore: decorator
@inline const TOTAL: i32 = 0;
// @ts-ignore: decorator
@inline const BAD: i32 = 1;
// @ts-ignore: decorator
@inline export const EVENT_CAPACITY: i32 = 32;
// @ts-ignore: decorator
@inline const RATIO_PRECISION: f64 = 0.00000001;
// @ts-ignore: decorator
@inline const TWO_POW_64: f64 = 18446744073709551616.0;

export function stateName(s: i32): string {
  if (s == CLOSED) return "Closed";
  if (s == HALF_OPEN) return "HalfOpen";
  if (s == OPEN) return "Open";
  return "Undefined";
}

export class CircuitBreaker {
  readonly rule: CircuitBreakerRule;
  readonly strategy: i32;
  readonly ring: LeapArray;
  readonly retryTimeoutMs: u64;
  readonly probeNum: u64;
  readonly minRequestAmount: u64;
  readonly maxAllowedRtMs: u64;
  readonly ratioThreshold: f64;
  /** ErrorCount: Go's uint64(threshold). */
  readonly countThreshold: u64;

  state: i32 = CLOSED;
  nextRetryMs: u64 = 0;
  curProbe: u64 = 0;
  /** Set by tryPass when that call moved Open -> HalfOpen; the caller owes onProbeBlocked if the entry is then blocked. */
  probeStarted: bool = false;

  private evFrom: StaticArray<i32> = new StaticArray<i32>(EVENT_CAPACITY);
  private evTo: StaticArray<i32> = new StaticArray<i32>(EVENT_CAPACITY);
  private evSnapshot: StaticArray<f64> = new StaticArray<f64>(EVENT_CAPACITY);
  private evAt: StaticArray<u64> = new StaticArray<u64>(EVENT_CAPACITY);
  private evCount: i32 = 0;
  /** Events lost because the caller did not drain the queue in time. */
  eventsDropped: u64 = 0;
  /** Transitions per target state since construction (for metrics). */
  toOpenCount: u64 = 0;
  toHalfOpenCount: u64 = 0;
  toClosedCount: u64 = 0;

  /** `ring`: the counters of a previous breaker whose statistic this one takes over (ruleStatReusable). */
  constructor(rule: CircuitBreakerRule, ring: LeapArray | null = null) {
    this.rule = rule;
    this.strategy = rule.strategy;
    this.ring = ring !== null ? ring : new LeapArray(rule.effectiveBucketCount, rule.statIntervalMs, new StaticArray<i64>(2));
    this.retryTimeoutMs = <u64>rule.retryTimeoutMs;
    this.probeNum = rule.probeNum;
    this.minRequestAmount = rule.minRequestAmount;
    this.maxAllowedRtMs = rule.maxAllowedRtMs;
    this.ratioThreshold = rule.threshold;
    const t = Math.floor(rule.threshold);
    this.countThreshold = t >= TWO_POW_64 ? u64.MAX_VALUE : (t <= 0 ? 0 : <u64>t);
  }

  // ---- events ------------------------------------------------------------------------------

  private emit(from: i32, to: i32, snapshot: f64, nowMs: u64): void {
    if (to == OPEN) this.toOpenCount++;
    else if (to == HALF_OPEN) this.toHalfOpenCount++;
    else this.toClosedCount++;
    if (this.evCount >= EVENT_CAPACITY) { this.eventsDropped++; return; }
    const i = this.evCount;
    unchecked(this.evFrom[i] = from);
    unchecked(this.evTo[i] = to);
    unchecked(this.evSnapshot[i] = snapshot);
    unchecked(this.evAt[i] = nowMs);
    this.evCount = i + 1;
  }

  eventCount(): i32 { return this.evCount; }
  eventFrom(i: i32): i32 { return <u32>i < <u32>this.evCount ? unchecked(this.evFrom[i]) : -1; }
  eventTo(i: i32): i32 { return <u32>i < <u32>this.evCount ? unchecked(this.evTo[i]) : -1; }
  /** OnTransformToOpen's snapshot: the tripping ratio or error count, 1.0 for a failed probe; 0 otherwise. */
  eventSnapshot(i: i32): f64 { return <u32>i < <u32>this.evCount ? unchecked(this.evSnapshot[i]) : 0; }
  eventAtMs(i: i32): u64 { return <u32>i < <u32>this.evCount ? unchecked(this.evAt[i]) : 0; }
  clearEvents(): void { this.evCount = 0; }

  // ---- transitions (Sentinel's fromXToY) -------------------------------------------------------

  private closedToOpen(nowMs: u64, snapshot: f64): void {
    this.state = OPEN;
    this.nextRetryMs = nowMs + this.retryTimeoutMs;
    this.emit(CLOSED, OPEN, snapshot, nowMs);
  }

  private halfOpenToOpen(nowMs: u64, snapshot: f64): void {
    this.state = OPEN;
    this.curProbe = 0;
    this.nextRetryMs = nowMs + this.retryTimeoutMs;
    this.emit(HALF_OPEN, OPEN, snapshot, nowMs);
  }

  private halfOpenToClosed(nowMs: u64): void {
    this.state = CLOSED;
    this.curProbe = 0;
    this.emit(HALF_OPEN, CLOSED, 0, nowMs);
  }

  // ---- entry side ------------------------------------------------------------------------------

  /** Sentinel's TryPass at entry. Sets probeStarted when this call admitted the HalfOpen probe. */
  tryPass(nowMs: u64): bool {
    this.probeStarted = false;
    const s = this.state;
    if (s == CLOSED) return true;
    if (s == OPEN) {
      if (nowMs >= this.nextRetryMs) {
        this.state = HALF_OPEN;
        this.probeStarted = true;
        this.emit(OPEN, HALF_OPEN, 0, nowMs);
        return true;
      }
      return false;
    }
    return this.probeNum > 0;
  }

  /**
   * The exit hook Sentinel registers on the probe entry: the entry that moved Open -> HalfOpen was
   * blocked by a later check, so HalfOpen -> Open without a new nextRetry (and without resetting the
   * probe count, as Go does).
   */
  onProbeBlocked(nowMs: u64): void {
    this.probeStarted = false;
    if (this.state == HALF_OPEN) {
      this.state = OPEN;
      this.emit(HALF_OPEN, OPEN, 1.0, nowMs);
    }
  }

  // ---- completion side ------------------------------------------------------------------------

  /** Whether a completion counts as bad for this breaker's strategy. */
  @inline isBad(rtMs: u64, failed: bool): bool {
    return this.strategy == SLOW_REQUEST_RATIO ? rtMs > this.maxAllowedRtMs : failed;
  }

  /** Sentinel's OnRequestComplete(rt, err) for one completed entry. */
  onComplete(nowMs: u64, rtMs: u64, failed: bool): void {
    this.onCompletions(nowMs, 1, this.isBad(rtMs, failed) ? 1 : 0);
  }

  /**
   * `total` completions at nowMs of which `bad` were slow/failed (classified by the caller, e.g.
   * with isBad). With total == 1 this is exactly Sentinel's per-completion logic. For larger
   * batches (completions aggregated from workers) the order inside the batch is unknown, so:
   *  - Closed: all are recorded, then the trip condition is evaluated once on the window totals
   *    (Sentinel evaluates after each one; a batch can only miss a trip whose condition was true
   *    part-way through the batch and false at its end);
   *  - HalfOpen: any bad completion in the batch reopens the breaker (taken as arriving first);
   *    otherwise good completions count as probes until probeNum (or 1) is reached, the window is
   *    cleared as Sentinel clears it, and the remaining good completions are recorded in Closed;
   *  - Open: recorded only.
   */
  onCompletions(nowMs: u64, total: u64, bad: u64): void {
    if (total == 0) return;
    if (bad > total) bad = total;
    const s = this.state;
    if (s == OPEN) {
      this.ring.add2(nowMs, TOTAL, <i64>total, BAD, <i64>bad);
      return;
    }
    if (s == HALF_OPEN) {
      if (bad > 0) {
        if (!this.ring.add2(nowMs, TOTAL, <i64>total, BAD, <i64>bad)) return;
        this.halfOpenToOpen(nowMs, 1.0);
        return;
      }
      const need: u64 = this.probeNum == 0 ? 1 : (this.curProbe >= this.probeNum ? 1 : this.probeNum - this.curProbe);
      if (total < need) {
        if (!this.ring.add(nowMs, TOTAL, <i64>total)) return;
        this.curProbe += total;
        return;
      }
      if (!this.ring.add(nowMs, TOTAL, <i64>need)) return;
      this.curProbe += need;
      this.halfOpenToClosed(nowMs);
      this.ring.clearValues();
      const rest = total - need;
      if (rest == 0) return;
      if (!this.ring.add(nowMs, TOTAL, <i64>rest)) return;
      this.evaluateClosed(nowMs);
      return;
    }
    if (!this.ring.add2(nowMs, TOTAL, <i64>total, BAD, <i64>bad)) return;
    this.evaluateClosed(nowMs);
  }

  private evaluateClosed(nowMs: u64): void {
    const total = <u64>this.ring.sumLive(nowMs, TOTAL);
    const bad = <u64>this.ring.sumLive(nowMs, BAD);
    if (total < this.minRequestAmount) return;
    if (this.strategy == ERROR_COUNT) {
      if (bad >= this.countThreshold) this.closedToOpen(nowMs, <f64>bad);
      return;
    }
    const ratio = <f64>bad / <f64>total;
    if (ratio > this.ratioThreshold || Math.abs(ratio - this.ratioThreshold) < RATIO_PRECISION) {
      this.closedToOpen(nowMs, ratio);
    }
  }

  /** Windowed totals, for gauges and tests. */
  windowTotal(nowMs: u64): u64 { return <u64>this.ring.sumLive(nowMs, TOTAL); }
  windowBad(nowMs: u64): u64 { return <u64>this.ring.sumLive(nowMs, BAD); }
}

/**
 * Whether a reload may keep an existing breaker with its state. Sentinel's isEqualsTo compares
 * resource, strategy, retryTimeoutMs, minRequestAmount, statIntervalMs and the threshold (plus
 * maxAllowedRtMs for SlowRequestRatio); we also require equal probeNum and bucket count, so that a
 * changed probeNum or window actually takes effect (Sentinel would keep the old breaker and rule).
 */
export function ruleEquals(a: CircuitBreakerRule, b: CircuitBreakerRule): bool {
  if (!(a.resource == b.resource && a.strategy == b.strategy && a.retryTimeoutMs == b.retryTimeoutMs &&
    a.minRequestAmount == b.minRequestAmount && a.statIntervalMs == b.statIntervalMs &&
    a.probeNum == b.probeNum && a.statSlidingWindowBucketCount == b.statSlidingWindowBucketCount)) return false;
  if (Math.abs(a.threshold - b.threshold) >= RATIO_PRECISION) return false;
  return a.strategy != SLOW_REQUEST_RATIO || a.maxAllowedRtMs == b.maxAllowedRtMs;
}

/** Sentinel's isStatReusable: a new Closed breaker may keep the old counters. */
export function ruleStatReusable(a: CircuitBreakerRule, b: CircuitBreakerRule): bool {
  return a.resource == b.resource && a.strategy == b.strategy && a.statIntervalMs == b.statIntervalMs &&
    a.statSlidingWindowBucketCount == b.statSlidingWindowBucketCount;
}

export { SLOW_REQUEST_RATIO, ERROR_RATIO, ERROR_COUNT };
