// Sentinel L4 filter: one connection is one Sentinel entry. The decision is made in
// on_new_connection (blocked -> close_stream at once + StopIteration, counted by reason); the
// entry exits when the connection ends. Limits hold process-wide through shared-data ledgers
// (ledger/), breakers through one shared state word per rule; the singleton service aggregates the
// per-tick WorkerReports and publishes the DecisionTable. Design and error bounds: filter/README.md.
import {
  registerRootContext, BaseContext, RootContext, TcpContext, FilterStatus, LogLevel, PeerType, Counter, Gauge, log,
  nowMs, getSharedData, setSharedData, resolveSharedQueue, enqueueSharedQueueBytes, WasmResult,
  refreshLogLevelOnRootCallbacksOnly,
} from "../../abi/assembly";
import {
  ResourceGuard, bindStat, STAT_STANDALONE, BLOCK_NONE, BLOCK_FLOW, BLOCK_ISOLATION, BLOCK_CIRCUIT_BREAKING,
  blockTypeName, blockMessage, formatNumber, quote,
} from "../../sentinel/assembly/index";
import { resourceHash } from "../../shared-schema/assembly/index";
import { ERROR_COUNT, SLOW_REQUEST_RATIO } from "../../sentinel/assembly/rules/circuitbreaker";
import * as S from "./stats";
import {
  decodeFilterConfig, FilterConfig, RT_FIRST_BYTE, FALLBACK_FAIL_OPEN, FALLBACK_FAIL_CLOSED,
} from "./config";
import { FlowLedger } from "./ledger/flow-ledger";
import { SlotLedger } from "./ledger/slot-ledger";
import { BreakerWord, breakerStateName, CB_CLOSED, CB_HALF_OPEN, CB_OPEN } from "./ledger/breaker-word";
import { flowKey, slotKey, breakerKey, breakerFingerprint, rulesKey, REPORTS_QUEUE } from "./ledger/keys";
import { vmSeq, vmNonce, ensureVmIdentity } from "./identity";
import { ResourceMetrics } from "./resource-metrics";
import { FlowState, SlotState, BreakerState, Transition } from "./worker-rules";
import { ResourceCounts, ReportWriter, REASON_FLOW, REASON_ISOLATION, REASON_CIRCUIT_BREAKING, REASON_STALE_FALLBACK } from "./report";
import { DecisionView } from "./decisions";
import { FilterConnection } from "./connection";
import { BLOCK_STALE, MODE_GLOBAL, MODE_LOCAL, MODE_OPEN } from "./modes";

export const ROOT_ID: string = "sentinel_filter";
const P: string = "sentinel_filter: ";

/** A worker with nothing to report still reports this often, so the service sees it alive. */
// @ts-ignore: decorator
@inline const HEARTBEAT_MS: u64 = 250;
/**
 * Passes, blocks and good completions wait for the next report instead of going out every tick:
 * each report wakes the service's (main) thread, and a wake-up costs a thread more than the
 * report's work. They wait up to the service's publication period (from its table) less one tick,
 * so each report arrives before the service's heartbeat timer and replaces it (a report arriving in
 * the heartbeat's second half does its work and restarts it): 80 ms with the service's default
 * 100 ms. At most REPORT_DEFER_MAX_MS, at least REPORT_DEFER_ARMED_MS. A completion a breaker rule
 * counts as bad (an error for an error rule, slow for a slow-ratio rule) is reported on the next tick.
 */
// @ts-ignore: decorator
@inline const REPORT_DEFER_MAX_MS: u64 = 200;
/**
 * The wait while a good completion could trip a breaker: a ratio breaker (SlowRequestRatio,
 * ErrorRatio) whose window, in the latest table, holds a bad completion, or that is not Closed. Its
 * ratio may already be over the threshold (the window below minRequestAmount, or good completions
 * about to leave it), and Sentinel checks on every completion, so good ones count too: such a trip
 * comes at most this much later, within 100 ms with the table read (filter/README.md, "Reports").
 * A window without bad completions cannot trip on good ones, and the first bad one is urgent.
 */
// @ts-ignore: decorator
@inline const REPORT_DEFER_ARMED_MS: u64 = 60;
/**
 * Tick period while the worker is quiet (no open connection, nothing to report, no tokens or slots
 * held): heartbeats and table reads only. Each timer wake-up costs the worker thread whether or not
 * there is work; 4 a second instead of 50 when idle. The first new connection restores the period.
 */
// @ts-ignore: decorator
@inline const IDLE_TICK_MS: u32 = 250;
/**
 * While no breaker could change state soon, the decision table is read on one tick in this many
 * (one in BREAKERLESS_TABLE_EVERY when the resource has no breaker rule: the table then carries only
 * the service's liveness and publication period). See FilterRoot#tableDue.
 */
// @ts-ignore: decorator
@inline const CALM_TABLE_EVERY: u32 = 2;
// @ts-ignore: decorator
@inline const BREAKERLESS_TABLE_EVERY: u32 = 5;
/** At most one block log line per resource per worker per this period. */
// @ts-ignore: decorator
@inline const BLOCK_LOG_PERIOD_MS: u64 = 1000;
// @ts-ignore: decorator
@inline const MAX_BREAKERS: i32 = 64;
/** Recycled connection contexts kept per root (about the peak of concurrently closing connections). */
// @ts-ignore: decorator
@inline const MAX_POOLED: i32 = 4096;

function gcd(a: u64, b: u64): u64 {
  while (b != 0) { const t = a % b; a = b; b = t; }
  return a;
}

export class FilterRoot extends RootContext {
  readonly cxTotal: Counter = new Counter(S.CX_TOTAL);
  readonly cxActive: Gauge = new Gauge(S.CX_ACTIVE);
  /** Connections of this root not yet deleted (the quiet check; cx_active is the host's sum). */
  openConnections: u32 = 0;
  /** Ticking at idleTickMs rather than cfg.tickPeriodMs. */
  idleTicking: bool = false;
  /** The quiet period (set at configure): IDLE_TICK_MS, at most staleAfterMs / 4, never below tickPeriodMs. */
  idleTickMs: u32 = 0;
  cfg: FilterConfig = new FilterConfig();
  firstByteRt: bool = false;
  configBytes: Uint8Array = new Uint8Array(0);
  configured: bool = false;
  m: ResourceMetrics | null = null;
  flows: StaticArray<FlowState> = new StaticArray<FlowState>(0);
  slots: StaticArray<SlotState> = new StaticArray<SlotState>(0);
  breakers: StaticArray<BreakerState> = new StaticArray<BreakerState>(0);
  counts: ResourceCounts | null = null;
  writer: ReportWriter = new ReportWriter();
  view: DecisionView | null = null;
  queueToken: u32 = 0;
  configuredAtMs: u64 = 0;
  staleDeadlineMs: u64 = u64.MAX_VALUE;
  stale: bool = false;
  localGuard: ResourceGuard | null = null;
  localWorkers: u32 = 0;
  localGeneration: u32 = 0;
  lastReportMs: u64 = 0;
  lastBlockLogMs: u64 = 0;
  suppressedBlocks: u32 = 0;
  lastQueueWarnMs: u64 = 0;

  onConfigure(pluginConfigSize: u32): bool {
    const bytes = this.getPluginConfig();
    if (bytes === null) {
      log.error(P + "plugin configuration is empty; expected a JSON object with at least \"resource\"");
      return false;
    }
    const input = Uint8Array.wrap(bytes);
    const r = decodeFilterConfig(input, true);
    if (r.error !== null) {
      log.error(P + "configuration rejected: " + r.error!);
      return false;
    }
    const cfg = r.config!;
    const s = cfg.sentinel;
    let nb = 0;
    for (let i = 0; i < s.circuitBreakerRules.length; i++) if (s.circuitBreakerRules[i].resource == cfg.resource) nb++;
    if (nb > MAX_BREAKERS) {
      log.error(P + "configuration rejected: resource " + quote(cfg.resource) + ": more than " + MAX_BREAKERS.toString() + " circuit breaker rules");
      return false;
    }
    this.cfg = cfg;
    this.firstByteRt = cfg.rtMode == RT_FIRST_BYTE;
    const copy = new Uint8Array(input.length);
    copy.set(input);
    this.configBytes = copy;
    ensureVmIdentity();
    this.build(cfg);
    // For a service whose own configuration lacks this resource's rules (see service/README.md).
    // Written only when it differs: the service re-reads the rules whenever the entry changes.
    publishRules(rulesKey(cfg.resource), bytes);
    this.cxTotal.define();
    this.cxActive.define();
    this.m!.define();
    this.configuredAtMs = nowMs();
    this.staleDeadlineMs = this.configuredAtMs + <u64>cfg.staleAfterMs;
    this.configured = true;
    // Never so long that the table could look stale between two reads.
    const quarter = cfg.staleAfterMs / 4;
    const idle = quarter < IDLE_TICK_MS ? quarter : IDLE_TICK_MS;
    this.idleTickMs = idle > cfg.tickPeriodMs ? idle : cfg.tickPeriodMs;
    this.idleTicking = false;
    this.setTickPeriod(cfg.tickPeriodMs);
    return true;
  }

  private build(cfg: FilterConfig): void {
    const R = cfg.resource;
    const s = cfg.sentinel;
    const stat = s.stat;
    this.m = new ResourceMetrics(R);
    let reportLen: u64 = <u64>stat.ringBucketLenMs;
    let nf = 0, ni = 0, nb = 0;
    for (let i = 0; i < s.flowRules.length; i++) if (s.flowRules[i].resource == R) nf++;
    for (let i = 0; i < s.isolationRules.length; i++) if (s.isolationRules[i].resource == R) ni++;
    for (let i = 0; i < s.circuitBreakerRules.length; i++) if (s.circuitBreakerRules[i].resource == R) nb++;
    const flows = new StaticArray<FlowState>(nf);
    const slots = new StaticArray<SlotState>(ni);
    const breakers = new StaticArray<BreakerState>(nb);
    nf = 0; ni = 0; nb = 0;
    for (let i = 0; i < s.flowRules.length; i++) {
      const rule = s.flowRules[i];
      if (rule.resource != R) continue;
      const b = bindStat(rule.statIntervalInMs, stat);
      let n: u32, len: u32;
      if (b.kind == STAT_STANDALONE) { n = b.sampleCount; len = b.intervalMs / b.sampleCount; }
      else { len = stat.ringBucketLenMs; n = b.intervalMs / len; }
      const t = Math.floor(rule.threshold);
      const allowed: u32 = t >= 4294967295.0 ? u32.MAX_VALUE : (t <= 0 ? 0 : <u32>t);
      reportLen = gcd(reportLen, <u64>len);
      flows[nf] = new FlowState(new FlowLedger(flowKey(R, nf), n, len, b.intervalMs, allowed), cfg.tickPeriodMs);
      nf++;
    }
    for (let i = 0; i < s.isolationRules.length; i++) {
      const rule = s.isolationRules[i];
      if (rule.resource != R) continue;
      slots[ni] = new SlotState(new SlotLedger(slotKey(R, ni), rule.threshold));
      slots[ni].vmSeq = vmSeq;
      ni++;
    }
    for (let i = 0; i < s.circuitBreakerRules.length; i++) {
      const rule = s.circuitBreakerRules[i];
      if (rule.resource != R) continue;
      reportLen = gcd(reportLen, <u64>(rule.statIntervalMs / rule.effectiveBucketCount));
      const word = new BreakerWord(breakerKey(R, nb), breakerFingerprint(rule));
      breakers[nb] = new BreakerState(word, rule.probeNum, <u64>rule.retryTimeoutMs, rule.maxAllowedRtMs, rule.strategy == SLOW_REQUEST_RATIO, rule.strategy != ERROR_COUNT);
      nb++;
    }
    this.flows = flows;
    this.slots = slots;
    this.breakers = breakers;
    const hash = resourceHash(R);
    this.counts = new ResourceCounts(R, hash, <u32>reportLen, nb);
    this.view = new DecisionView(R, hash);
    // Start from the current process-wide breaker states, not Closed.
    for (let i = 0; i < nb; i++) unchecked(breakers[i]).refresh();
  }

  /** Connection contexts whose connection ended, reused for new ones (no allocation per connection after warm-up). */
  private pool: Array<FilterConnection> = new Array<FilterConnection>(0);

  createStreamContext(id: u32): TcpContext | null {
    const pool = this.pool;
    if (pool.length > 0) {
      const c = pool.pop();
      c.reuse(id);
      return c;
    }
    return new FilterConnection(id, this);
  }

  recycle(c: FilterConnection): void {
    if (this.pool.length < MAX_POOLED) this.pool.push(c);
  }

  // ---- decisions --------------------------------------------------------------------------

  /** BLOCK_NONE, a Sentinel block type, or BLOCK_STALE. Sets c.mode / c.probeMask on pass. */
  decide(c: FilterConnection, now: u64): i32 {
    if (!this.configured) { c.mode = MODE_OPEN; return BLOCK_NONE; }
    if (!this.stale && now > this.staleDeadlineMs) this.enterStale(now);
    if (this.stale) return this.decideFallback(c, now);
    const m = this.m!;
    const flows = this.flows;
    for (let i = 0; i < flows.length; i++) {
      const f = unchecked(flows[i]);
      const failuresBefore = f.ledger.stats.failures;
      if (!f.acquire(now)) {
        if (f.ledger.stats.failures != failuresBefore) { m.internalError.increment(1); continue; }
        c.blockRule = i;
        c.blockSnapshot = <f64>f.ledger.lastWindowSum;
        return BLOCK_FLOW;
      }
    }
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) {
      const sl = unchecked(slots[i]);
      const failuresBefore = sl.ledger.failures;
      if (!sl.acquire()) {
        if (sl.ledger.failures != failuresBefore) { m.internalError.increment(1); continue; }
        c.blockRule = i;
        c.blockSnapshot = <f64>sl.ledger.lastLeased;
        return BLOCK_ISOLATION;
      }
    }
    const breakers = this.breakers;
    let probes: u64 = 0;
    for (let i = 0; i < breakers.length; i++) {
      const b = unchecked(breakers[i]);
      const ok = b.tryPass(now, vmSeq);
      if (b.last.happened) this.logTransition(i, b.last);
      if (!ok) {
        for (let j = 0; j < i; j++) {
          const p = unchecked(breakers[j]);
          if ((probes >> <u64>j) & 1) {
            p.abortProbe(now, vmSeq);
            if (p.last.happened) this.logTransition(j, p.last);
          }
        }
        c.blockRule = i;
        c.blockSnapshot = 0;
        return BLOCK_CIRCUIT_BREAKING;
      }
      if (b.probeStarted) probes |= (<u64>1) << <u64>i;
    }
    for (let i = 0; i < flows.length; i++) unchecked(flows[i]).consume();
    for (let i = 0; i < slots.length; i++) unchecked(slots[i]).admit();
    c.mode = MODE_GLOBAL;
    c.probeMask = probes;
    return BLOCK_NONE;
  }

  private decideFallback(c: FilterConnection, now: u64): i32 {
    this.m!.fallbackDecisions.addLater();
    const policy = this.cfg.fallback;
    if (policy == FALLBACK_FAIL_OPEN) { c.mode = MODE_OPEN; return BLOCK_NONE; }
    if (policy == FALLBACK_FAIL_CLOSED) { c.blockRule = -1; c.blockSnapshot = 0; return BLOCK_STALE; }
    const g = this.localGuardFor(this.workerCount());
    const t = g.entry(now, 1);
    if (t == BLOCK_NONE) { c.mode = MODE_LOCAL; c.localGeneration = this.localGeneration; return t; }
    c.blockRule = g.blockRuleIndex;
    c.blockSnapshot = g.blockSnapshot;
    return t;
  }

  workerCount(): u32 {
    if (this.cfg.workers > 0) return this.cfg.workers;
    const v = this.view!;
    return v.workers > 0 ? v.workers : 1;
  }

  /** Sentinel's guard on this worker alone, thresholds divided by the worker count (built when that changes). */
  private localGuardFor(workers: u32): ResourceGuard {
    const existing = this.localGuard;
    if (existing !== null && this.localWorkers == workers) return existing;
    const r = decodeFilterConfig(this.configBytes, true);
    const cfg = r.config!;
    const s = cfg.sentinel;
    const w = <f64>workers;
    for (let i = 0; i < s.flowRules.length; i++) s.flowRules[i].threshold = Math.floor(s.flowRules[i].threshold / w);
    for (let i = 0; i < s.isolationRules.length; i++) s.isolationRules[i].threshold = s.isolationRules[i].threshold / workers;
    const g = new ResourceGuard(this.cfg.resource, s, existing);
    this.localGuard = g;
    this.localWorkers = workers;
    this.localGeneration++;
    return g;
  }

  private enterStale(now: u64): void {
    this.stale = true;
    this.m!.fallbackActive.add(1);
    const v = this.view!;
    log.warn(P + "resource " + quote(this.cfg.resource) + ": decision table stale (" +
      (v.seen ? "last published " + (now - v.publishedAtMs).toString() + " ms ago" : "none published yet") +
      ", limit " + this.cfg.staleAfterMs.toString() + " ms); fallback policy " + fallbackName(this.cfg.fallback));
    // Slots held for the global ledger are not needed while deciding locally.
    for (let i = 0; i < this.slots.length; i++) unchecked(this.slots[i]).releaseSpare();
  }

  private leaveStale(): void {
    this.stale = false;
    this.m!.fallbackActive.add(-1);
    log.info(P + "resource " + quote(this.cfg.resource) + ": decision table fresh again (version " +
      this.view!.version.toString() + "); global decisions resumed");
  }

  onAdmitted(c: FilterConnection, now: u64): void {
    this.counts!.onPass(now);
    const m = this.m!;
    m.pass.addLater();
    m.active.addLater(1);
  }

  onBlocked(c: FilterConnection, t: i32, now: u64): void {
    const m = this.m!;
    let reason: u8;
    if (t == BLOCK_FLOW) { reason = REASON_FLOW; m.blockFlow.addLater(); }
    else if (t == BLOCK_ISOLATION) { reason = REASON_ISOLATION; m.blockIsolation.addLater(); }
    else if (t == BLOCK_CIRCUIT_BREAKING) { reason = REASON_CIRCUIT_BREAKING; m.blockBreaker.addLater(); }
    else { reason = REASON_STALE_FALLBACK; m.blockStale.addLater(); }
    this.counts!.onBlock(now, reason);
    if (now - this.lastBlockLogMs >= BLOCK_LOG_PERIOD_MS || this.lastBlockLogMs == 0) {
      if (log.enabled(LogLevel.Info)) {
        const what = t == BLOCK_STALE
          ? "stale decision table, fallback failClosed"
          : "SentinelBlockError: " + blockTypeName(t) + ", message: " + blockMessage(t) + " (rule " + c.blockRule.toString() +
            ", snapshot " + formatNumber(c.blockSnapshot) + ")";
        log.info(P + "resource " + quote(this.cfg.resource) + ": connection closed: " + what +
          (this.suppressedBlocks > 0 ? "; " + this.suppressedBlocks.toString() + " more blocked since the previous line" : ""));
      }
      this.lastBlockLogMs = now;
      this.suppressedBlocks = 0;
    } else {
      this.suppressedBlocks++;
    }
  }

  /** Sentinel's exit for an admitted connection. `peer`: how the downstream closed (Unknown if never seen). */
  complete(c: FilterConnection, now: u64, peer: u32): void {
    const rt = c.rtMs(now, this.firstByteRt);
    const failed = !c.upstreamByte && (c.upstreamClosed || peer == PeerType.Local);
    const breakers = this.breakers;
    let slowMask: u64 = 0;
    // bad for some rule: an error for an error breaker, slow for a slow-ratio one (urgent to report)
    let bad = false;
    for (let k = 0; k < breakers.length; k++) {
      const b = unchecked(breakers[k]);
      if (rt > b.maxAllowedRtMs) slowMask |= (<u64>1) << <u64>k;
      if (b.isBad(rt, failed)) bad = true;
    }
    this.counts!.onComplete(now, rt, failed, slowMask, bad);
    const m = this.m!;
    m.complete.addLater();
    if (failed) m.error.addLater();
    m.recordRt(rt);
    m.active.addLater(-1);
    if (c.mode == MODE_GLOBAL) {
      const slots = this.slots;
      for (let i = 0; i < slots.length; i++) {
        const sl = unchecked(slots[i]);
        sl.release();
        if (this.draining) sl.releaseSpare(); // no tick gives it back any more
      }
      for (let k = 0; k < breakers.length; k++) {
        const b = unchecked(breakers[k]);
        b.onComplete(now, b.isBad(rt, failed), ((c.probeMask >> <u64>k) & 1) != 0);
        if (b.last.happened) this.logTransition(k, b.last);
      }
    } else if (c.mode == MODE_LOCAL) {
      const g = this.localGuard;
      if (g !== null && c.localGeneration == this.localGeneration) g.exit(now, rt, failed, 1);
    }
    if (this.draining) this.flushMetrics(); // no tick flushes any more
  }

  logTransition(rule: i32, t: Transition): void {
    const m = this.m!;
    if (t.to == CB_OPEN) m.opened.increment(1);
    else if (t.to == CB_HALF_OPEN) m.halfOpened.increment(1);
    else m.closed.increment(1);
    log.info(P + "resource " + quote(this.cfg.resource) + ": circuit breaker rule " + rule.toString() + " " +
      breakerStateName(t.from) + " -> " + breakerStateName(t.to) +
      (t.to == CB_HALF_OPEN ? " (probe admitted on worker VM " + vmSeq.toString() + ")" : " (probe completed on worker VM " + vmSeq.toString() + ")"));
    t.happened = false;
  }

  /** The plugin is going away (listener removed, configuration replaced): hand back what it holds. */
  draining: bool = false;

  onDone(): bool {
    this.draining = true;
    const now = nowMs();
    for (let i = 0; i < this.flows.length; i++) {
      const f = unchecked(this.flows[i]);
      if (f.leased > f.used) { f.ledger.giveBack(f.leaseBucket, f.leased - f.used); f.leased = f.used; }
    }
    for (let i = 0; i < this.slots.length; i++) unchecked(this.slots[i]).releaseSpare();
    this.flushMetrics();
    if (this.configured) this.report(now, true);
    return true;
  }

  // ---- tick: decision table, ledgers housekeeping, report ------------------------------------

  /** Gives the host every count kept since the last flush. */
  flushMetrics(): void {
    this.cxTotal.flush();
    this.cxActive.flush();
    if (this.m !== null) this.m!.flush();
  }

  private warnedStaleMargin: bool = false;

  /**
   * An idle service publishes once per its tick; this filter reads once per its own (idle) tick. A
   * staleAfterMs not above both together would flip to the fallback between two healthy
   * publications: said once, in the log, with the numbers.
   */
  private checkStaleMargin(publishIntervalMs: u32): void {
    if (this.warnedStaleMargin || publishIntervalMs == 0) return;
    const need = <u64>publishIntervalMs + <u64>this.idleTickMs;
    if (<u64>this.cfg.staleAfterMs > need) return;
    this.warnedStaleMargin = true;
    log.warn(P + "resource " + quote(this.cfg.resource) + ": staleAfterMs " + this.cfg.staleAfterMs.toString() +
      " is not above the service's publication period " + publishIntervalMs.toString() + " ms plus this filter's tick " +
      this.idleTickMs.toString() + " ms: healthy tables may be taken for stale (raise staleAfterMs or lower the service's tickPeriodMs)");
  }

  /** How long counts no breaker can trip on may wait for a report (see REPORT_DEFER_MAX_MS). */
  private quietDeferMs(): u64 {
    const publish = <u64>this.view!.publishIntervalMs;
    const tick = <u64>this.cfg.tickPeriodMs;
    if (publish <= tick + REPORT_DEFER_ARMED_MS) return REPORT_DEFER_ARMED_MS; // also: no table seen yet
    const defer = publish - tick;
    return defer > REPORT_DEFER_MAX_MS ? REPORT_DEFER_MAX_MS : defer;
  }

  /** Whether a good completion could trip one of this resource's breakers (see REPORT_DEFER_ARMED_MS). */
  private goodCompletionsMayTrip(): bool {
    return this.anyBreakerUnsettled(true);
  }

  /**
   * A breaker (a ratio one only, with `ratioOnly`) that is not Closed or whose window, in the latest
   * table, holds a bad completion: one whose state could change soon.
   */
  private anyBreakerUnsettled(ratioOnly: bool): bool {
    const breakers = this.breakers;
    for (let i = 0; i < breakers.length; i++) {
      const b = unchecked(breakers[i]);
      if ((b.ratio || !ratioOnly) && (b.state != CB_CLOSED || b.windowBad > 0)) return true;
    }
    return false;
  }

  /** Nothing since the last report and nothing held that other workers could use. */
  private quiet(): bool {
    if (this.openConnections != 0 || this.counts!.dirty || this.stale) return false;
    for (let i = 0; i < this.flows.length; i++) {
      const f = unchecked(this.flows[i]);
      if (f.leased > f.used) return false;
    }
    for (let i = 0; i < this.slots.length; i++) if (unchecked(this.slots[i]).held != 0) return false;
    return true;
  }

  /**
   * A connection arrived while ticking slowly: back to the configured period, and read the table
   * first, so this connection is not decided on a breaker state up to one quiet period old.
   */
  wake(now: u64): void {
    this.idleTicking = false;
    this.setTickPeriod(this.cfg.tickPeriodMs);
    this.readDecisions(now);
  }

  /** The DecisionTable (breaker states, staleness) and the process-wide words of breakers not Closed. */
  private readDecisions(now: u64): void {
    const v = this.view!;
    const breakers = this.breakers;
    if (v.refresh(breakers)) {
      const base = v.publishedAtMs > this.configuredAtMs ? v.publishedAtMs : this.configuredAtMs;
      this.staleDeadlineMs = base + <u64>this.cfg.staleAfterMs;
      this.checkStaleMargin(v.publishIntervalMs);
    }
    for (let i = 0; i < breakers.length; i++) {
      const b = unchecked(breakers[i]);
      if (b.state != CB_CLOSED) b.refresh();
    }
    this.applyStaleness(now);
  }

  /** Into the fallback once the table is older than staleAfterMs, out of it once a fresh one came. */
  private applyStaleness(now: u64): void {
    if (this.stale && now <= this.staleDeadlineMs) this.leaveStale();
    else if (!this.stale && now > this.staleDeadlineMs) this.enterStale(now);
  }

  /** Ticks at the configured period so far: which of them read the table while calm. */
  private tickSeq: u32 = 0;

  /**
   * Whether this tick reads the decision table. Every tick while ticking slowly or stale, and while a breaker
   * could change state soon: one is not Closed, its window in the latest table holds a bad
   * completion, or this worker has a bad completion not yet reported. Otherwise one tick in
   * CALM_TABLE_EVERY. A Closed breaker with a clean window opens only after a bad completion, which
   * the worker that saw it reports on its next tick; the others then learn the new state within
   * CALM_TABLE_EVERY ticks of its publication: 60 ms after the completion at the default 20 ms tick,
   * against 40 ms when reading every tick (the issue's bound is 100). Staleness is checked on the
   * connections' own clock as well, so reading less often does not delay the fallback.
   */
  private tableDue(): bool {
    if (this.idleTicking || this.stale) return true; // stale: leave the fallback at the first fresh table
    const n = this.tickSeq++;
    if (this.breakers.length == 0) return n % BREAKERLESS_TABLE_EVERY == 0;
    if (this.counts!.urgent || this.anyBreakerUnsettled(false)) return true;
    return n % CALM_TABLE_EVERY == 0;
  }

  onTick(): void {
    if (!this.configured) return;
    const now = nowMs();
    const quiet = this.quiet();
    this.flushMetrics();
    if (this.tableDue()) this.readDecisions(now);
    else this.applyStaleness(now);
    if (!this.stale) {
      for (let i = 0; i < this.flows.length; i++) unchecked(this.flows[i]).onTick(now);
      for (let i = 0; i < this.slots.length; i++) unchecked(this.slots[i]).onTick();
    }
    this.report(now, false);
    // quiet was taken before the report (which clears what it reports); stale is as of this tick.
    if (quiet && !this.stale && !this.idleTicking && this.idleTickMs > this.cfg.tickPeriodMs) {
      this.idleTicking = true;
      this.setTickPeriod(this.idleTickMs);
    }
  }

  /** `flush`: send what is counted now (the root is going away); otherwise non-urgent counts may wait. */
  private report(now: u64, flush: bool): void {
    const counts = this.counts!;
    if (!counts.dirty) {
      if (now - this.lastReportMs < HEARTBEAT_MS) return;
    } else if (!flush && !counts.urgent) {
      // Deferred while the tick after this one is still within the deferral of the last report.
      const next = now + <u64>this.cfg.tickPeriodMs;
      const defer = this.goodCompletionsMayTrip() ? REPORT_DEFER_ARMED_MS : this.quietDeferMs();
      if (next - this.lastReportMs <= defer && counts.holdsUntil(next)) return;
    }
    if (this.queueToken == 0) {
      this.queueToken = resolveSharedQueue("", REPORTS_QUEUE);
      if (this.queueToken == 0) {
        // No service (yet): keep counting; totals are cumulative, so nothing is lost for conservation.
        if (now - this.lastQueueWarnMs >= 10000) {
          this.lastQueueWarnMs = now;
          if (log.enabled(LogLevel.Debug)) log.debug(P + "queue " + REPORTS_QUEUE + " not registered yet; reports wait for the service");
        }
        return;
      }
    }
    const w = this.writer;
    // One reporter per root context: two listeners in one VM keep separate sequences.
    w.build(counts, vmSeq, vmNonce + (<u64>this.id << 48), now, this.view!.version, this.stale);
    const s = enqueueSharedQueueBytes(this.queueToken, w.builder.dataPtr(), w.builder.dataLen());
    if (s == WasmResult.NotFound) this.queueToken = 0;
    else if (s != WasmResult.Ok) this.m!.internalError.increment(1);
    this.lastReportMs = now;
  }
}

function publishRules(key: string, bytes: ArrayBuffer): void {
  const cur = getSharedData(key).value;
  if (cur !== null && cur.byteLength == bytes.byteLength &&
    memory.compare(changetype<usize>(cur), changetype<usize>(bytes), <usize>bytes.byteLength) == 0) return;
  setSharedData(key, bytes, 0);
}

function fallbackName(f: i32): string {
  if (f == FALLBACK_FAIL_OPEN) return "failOpen";
  if (f == FALLBACK_FAIL_CLOSED) return "failClosed";
  return "local (thresholds / workers)";
}

/** Registers the filter's root context factory under ROOT_ID. No hostcall: safe at top level. */
export function registerFilter(): void {
  // Every new connection checks the debug level; read it on the root's ticks, not per connection.
  refreshLogLevelOnRootCallbacksOnly();
  registerRootContext(ROOT_ID, (id: u32): RootContext => new FilterRoot(id));
}
