// Aggregation of one resource over all worker VMs: Sentinel's statistics (ResourceStat) rebuilt from
// the reported buckets, the process-wide circuit breakers (the service owns Closed -> Open; workers
// own the HalfOpen transitions through the shared breaker word), per-VM concurrency and cumulative
// pass totals (for conservation: what every worker admitted is counted exactly once).
import { Counter, Gauge, log, WasmResult } from "../../abi/assembly";
import {
  ResourceGuard, SentinelConfig, CircuitBreaker, CLOSED, OPEN, PASS, BLOCK, COMPLETE, ERROR, quote, formatNumber,
} from "../../sentinel/assembly/index";
import { ERROR_COUNT } from "../../sentinel/assembly/rules/circuitbreaker";
import { resourceHash } from "../../shared-schema/assembly/index";
import { BreakerWord, breakerStateName, CB_CLOSED, CB_HALF_OPEN, CB_OPEN, MAX_CAS_ATTEMPTS } from "../../filter/assembly/ledger/breaker-word";
import { breakerKey, breakerFingerprint, slotKey } from "../../filter/assembly/ledger/keys";
import { SlotLedger } from "../../filter/assembly/ledger/slot-ledger";
import * as S from "./stats";

/** Worker VMs tracked at once (Envoy's --concurrency plus canaries and replacements). */
// @ts-ignore: decorator
@inline export const MAX_VMS: i32 = 64;
const P: string = "sentinel_service: ";

export class ResourceAgg {
  readonly name: string;
  readonly nameBytes: ArrayBuffer;
  readonly hash: u32;
  readonly guard: ResourceGuard;
  readonly words: StaticArray<BreakerWord>;
  slotLedgers: StaticArray<SlotLedger> = new StaticArray<SlotLedger>(0);
  /** Word state/epoch as last synced (what the table publishes). */
  readonly wordState: StaticArray<u32>;
  readonly wordEpoch: StaticArray<u32>;
  readonly synced: StaticArray<bool>;
  readonly vmConcurrency: StaticArray<u32> = new StaticArray<u32>(MAX_VMS);
  readonly vmTotalPass: StaticArray<u64> = new StaticArray<u64>(MAX_VMS);
  passes: u64 = 0;
  warnedBreakerCount: bool = false;
  readonly aggPass: Counter;
  readonly gPass: Gauge; readonly gBlock: Gauge; readonly gComplete: Gauge; readonly gError: Gauge;
  readonly gAvgRt: Gauge; readonly gConc: Gauge; readonly gState: Gauge; readonly opened: Counter;
  /** A breaker changed state (publish at once). */
  changed: bool = false;

  /** Rules taken from the filter's published document (not the service's own configuration). */
  learned: bool = false;
  /** cas of that document when it was read: a new one means the filter's rules changed. */
  rulesCas: u32 = 0;

  /**
   * `previous`: the same resource under its former rules (Sentinel's reload: statistics, equal
   * breakers and reusable windows carry over; so do the per-VM totals that keep passes conserved).
   */
  constructor(name: string, cfg: SentinelConfig, previous: ResourceAgg | null = null) {
    this.name = name;
    this.nameBytes = String.UTF8.encode(name, false);
    this.hash = resourceHash(name);
    const guard = new ResourceGuard(name, cfg, previous !== null ? previous.guard : null);
    this.guard = guard;
    const nb = guard.breakers.length;
    this.words = new StaticArray<BreakerWord>(nb);
    this.wordState = new StaticArray<u32>(nb);
    this.wordEpoch = new StaticArray<u32>(nb);
    this.synced = new StaticArray<bool>(nb);
    this.aggPass = new Counter(S.tagged(S.AGG_PASS, name));
    this.gPass = new Gauge(S.tagged(S.WINDOW_PASS, name));
    this.gBlock = new Gauge(S.tagged(S.WINDOW_BLOCK, name));
    this.gComplete = new Gauge(S.tagged(S.WINDOW_COMPLETE, name));
    this.gError = new Gauge(S.tagged(S.WINDOW_ERROR, name));
    this.gAvgRt = new Gauge(S.tagged(S.WINDOW_AVG_RT, name));
    this.gConc = new Gauge(S.tagged(S.WINDOW_CONCURRENCY, name));
    this.gState = new Gauge(S.tagged(S.CB_STATE, name));
    this.opened = new Counter(S.tagged(S.CB_OPENED, name));
    const words = this.words;
    for (let k = 0; k < nb; k++) words[k] = new BreakerWord(breakerKey(name, k), breakerFingerprint(guard.breakers[k].rule));
    const ni = guard.isolations.length;
    const slotLedgers = new StaticArray<SlotLedger>(ni);
    for (let i = 0; i < ni; i++) slotLedgers[i] = new SlotLedger(slotKey(name, i), guard.isolations[i].rule.threshold);
    this.slotLedgers = slotLedgers;
    if (previous !== null) {
      for (let i = 0; i < MAX_VMS; i++) {
        unchecked(this.vmConcurrency[i] = previous.vmConcurrency[i]);
        unchecked(this.vmTotalPass[i] = previous.vmTotalPass[i]);
      }
      this.passes = previous.passes;
    }
  }

  /**
   * Slots held by a worker VM that stopped reporting (it trapped or was replaced) would stay leased
   * forever and shrink the concurrency limit. A VM the service has seen report, silent for longer
   * than expiryMs, gets its slots given back. Trade-off: a VM stalled (not dead) for that long loses
   * its slots while its connections stay open, so the bound can be exceeded by them after it resumes.
   */
  reclaimOrphanSlots(nowMs: u64, expiryMs: u64, active: StaticArray<bool>, workerIds: StaticArray<u32>, lastReportMs: StaticArray<u64>): void {
    const ledgers = this.slotLedgers;
    for (let r = 0; r < ledgers.length; r++) {
      const l = unchecked(ledgers[r]);
      if (!l.load()) continue;
      for (let e: u32 = 0; e < l.entries; e++) {
        const seq = l.entrySeq(e);
        let known = false, alive = false;
        for (let i = 0; i < MAX_VMS; i++) {
          if (unchecked(workerIds[i]) != seq) continue;
          known = true;
          if (unchecked(active[i]) && nowMs <= unchecked(lastReportMs[i]) + expiryMs) { alive = true; break; }
        }
        if (!known || alive) continue;
        const n = l.reclaim(seq);
        if (n > 0) {
          log.info(P + "resource " + quote(this.name) + ": isolation rule " + r.toString() + ": gave back " + n.toString() +
            " slot(s) held by worker VM " + seq.toString() + ", which stopped reporting");
        }
        break; // the table changed under the loop; the rest waits for the next tick
      }
    }
  }

  define(): void {
    this.aggPass.define(); this.gPass.define(); this.gBlock.define(); this.gComplete.define(); this.gError.define();
    this.gAvgRt.define(); this.gConc.define(); this.gState.define(); this.opened.define();
  }

  @inline get breakerCount(): i32 { return this.guard.breakers.length; }

  /**
   * Reads every breaker word and mirrors it: HalfOpen/Open -> the local breaker only records
   * (state OPEN); a change to Closed made by a worker (HalfOpen -> Closed) clears the window, as
   * Sentinel's fromHalfOpenToClosed does.
   */
  syncWords(): void {
    const breakers = this.guard.breakers;
    for (let k = 0; k < breakers.length; k++) {
      const w = unchecked(this.words[k]);
      if (!w.load()) continue;
      if (unchecked(this.synced[k]) && w.epoch == unchecked(this.wordEpoch[k]) && w.state == unchecked(this.wordState[k])) continue;
      const cb = unchecked(breakers[k]);
      const prev = unchecked(this.wordState[k]);
      if (w.state == CB_CLOSED) {
        if (unchecked(this.synced[k]) && prev != CB_CLOSED) { cb.ring.clearValues(); }
        cb.state = CLOSED;
        cb.curProbe = 0;
      } else {
        cb.state = OPEN;
        cb.nextRetryMs = w.nextRetryMs;
      }
      unchecked(this.synced[k] = true);
      unchecked(this.wordState[k] = w.state);
      unchecked(this.wordEpoch[k] = w.epoch);
      this.changed = true;
    }
  }

  /**
   * A HalfOpen breaker whose probe is held by a worker VM that stopped reporting (it trapped or was
   * replaced) would stay HalfOpen forever: with probeNum 0 nothing else may pass. After `expiryMs`
   * without a report from the probe's owner, the service sends it back to Open with nextRetry = now,
   * so the next connection on a live worker becomes the probe.
   */
  reclaimOrphanProbes(nowMs: u64, expiryMs: u64, active: StaticArray<bool>, workerIds: StaticArray<u32>, lastReportMs: StaticArray<u64>): void {
    const words = this.words;
    for (let k = 0; k < words.length; k++) {
      const w = unchecked(words[k]);
      if (unchecked(this.wordState[k]) != CB_HALF_OPEN || w.probeOwner == 0) continue;
      if (nowMs < w.changedAtMs + expiryMs) continue;
      let alive = false;
      for (let i = 0; i < MAX_VMS; i++) {
        if (unchecked(active[i]) && unchecked(workerIds[i]) == w.probeOwner && nowMs <= unchecked(lastReportMs[i]) + expiryMs) { alive = true; break; }
      }
      if (alive) continue;
      if (!w.load() || w.state != CB_HALF_OPEN || w.probeOwner == 0) continue;
      const owner = w.probeOwner;
      if (w.commit(CB_OPEN, nowMs, nowMs, 0, 0, true) == WasmResult.Ok) {
        this.opened.increment(1);
        log.info(P + "resource " + quote(this.name) + ": circuit breaker rule " + k.toString() +
          " HalfOpen -> Open (the probe's worker VM " + owner.toString() + " stopped reporting; next connection probes)");
        unchecked(this.synced[k] = false);
        this.changed = true;
      }
    }
    if (this.changed) this.syncWords();
  }

  /** `total` completions in the bucket at `atMs`, `bad` of them slow/failed for breaker k. */
  completions(k: i32, atMs: u64, total: u64, bad: u64, nowMs: u64): void {
    const cb = unchecked(this.guard.breakers[k]);
    const wasClosed = cb.state == CLOSED;
    cb.onCompletions(atMs, total, bad);
    cb.clearEvents();
    if (wasClosed && cb.state != CLOSED) this.trip(k, cb, nowMs);
  }

  private trip(k: i32, cb: CircuitBreaker, nowMs: u64): void {
    const w = unchecked(this.words[k]);
    const total = cb.windowTotal(nowMs);
    const bad = <f64>cb.windowBad(nowMs);
    const snapshot = cb.strategy == ERROR_COUNT ? bad : bad / (total == 0 ? 1.0 : <f64>total);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!w.load()) break;
      if (w.state != CB_CLOSED) break; // a worker moved it meanwhile: adopt below
      const s = w.commit(CB_OPEN, nowMs + <u64>cb.retryTimeoutMs, nowMs, 0, 0, true);
      if (s == WasmResult.Ok) {
        this.opened.increment(1);
        log.info(P + "resource " + quote(this.name) + ": circuit breaker rule " + k.toString() + " Closed -> Open (" +
          (cb.strategy == ERROR_COUNT ? "errors " : "ratio ") + formatNumber(snapshot) + " over " + cb.windowTotal(nowMs).toString() +
          " completions; retry at +" + cb.retryTimeoutMs.toString() + " ms)");
        break;
      }
      if (s != WasmResult.CasMismatch) break;
    }
    cb.state = OPEN;
    unchecked(this.synced[k] = false);
    this.syncWords();
    this.changed = true;
  }

  /** Sum of the VMs' reported open connections. */
  globalConcurrency(active: StaticArray<bool>): u32 {
    let c: u64 = 0;
    for (let i = 0; i < MAX_VMS; i++) if (unchecked(active[i])) c += <u64>unchecked(this.vmConcurrency[i]);
    return c > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>c;
  }

  /** Worst state among the breakers (Sentinel numbering: Open 2 > HalfOpen 1 > Closed 0). */
  worstState(): u32 {
    let s: u32 = CB_CLOSED;
    for (let k = 0; k < this.wordState.length; k++) {
      const v = unchecked(this.wordState[k]);
      if (v == CB_OPEN) return CB_OPEN;
      if (v == CB_HALF_OPEN) s = CB_HALF_OPEN;
    }
    return s;
  }

  publishGauges(nowMs: u64, conc: u32): void {
    const v = this.guard.node.defaultView;
    this.gPass.set(<u64>v.sum(PASS, nowMs));
    this.gBlock.set(<u64>v.sum(BLOCK, nowMs));
    this.gComplete.set(<u64>v.sum(COMPLETE, nowMs));
    this.gError.set(<u64>v.sum(ERROR, nowMs));
    this.gAvgRt.set(<u64>this.guard.node.avgRt(nowMs));
    this.gConc.set(<u64>conc);
    this.gState.set(<u64>this.worstState());
  }

  warnBreakerMismatch(reported: i32): void {
    if (this.warnedBreakerCount) return;
    this.warnedBreakerCount = true;
    log.warn(P + "resource " + quote(this.name) + ": a filter reports " + reported.toString() +
      " circuit breaker rule(s), the service has " + this.breakerCount.toString() +
      "; give the service the same rules for this resource (breakers it does not know cannot trip)");
  }
}

export { breakerStateName };
