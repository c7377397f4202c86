// The worker side of each rule kind: what one filter VM keeps locally so that a connection is
// decided without a host call in the common case (tokens / slots in hand, breaker Closed).
import { FlowLedger } from "./ledger/flow-ledger";
import { SlotLedger } from "./ledger/slot-ledger";
import { BreakerWord, CB_CLOSED, CB_HALF_OPEN, CB_OPEN, MAX_CAS_ATTEMPTS } from "./ledger/breaker-word";
import { WasmResult } from "../../abi/assembly";

/** Share of the window's remaining room one lease may take (so the other workers still find room). */
// @ts-ignore: decorator
@inline export const LEASE_SHARE_DIVISOR: u32 = 4;

/**
 * How far ahead a lease taken while the window has room to spare may reach: tokens a worker holds
 * and stops needing come back only when its bucket ends, so with long buckets (a tumbling window of
 * many seconds) a whole bucket's worth could sit unused. 250 ms: two leases per default 500 ms
 * bucket instead of twenty-five.
 */
// @ts-ignore: decorator
@inline export const LEASE_AHEAD_MS: u64 = 250;

/** One flow rule: a lease of tokens for the current bucket of the rule's window. */
export class FlowState {
  readonly ledger: FlowLedger;
  readonly tickMs: u32;
  leaseBucket: u64 = 0;
  leased: u32 = 0;
  used: u32 = 0;
  /** Connections that reached this rule in the current / previous bucket: the local demand. */
  attempts: u32 = 0;
  prevAttempts: u32 = 0;

  constructor(ledger: FlowLedger, tickMs: u32) {
    this.ledger = ledger;
    this.tickMs = tickMs;
  }

  /** At a bucket change: give unused tokens of the old bucket back, start empty in the new one. */
  roll(nowMs: u64): void {
    const cur = this.ledger.bucketStartOf(nowMs);
    if (cur == this.leaseBucket) return;
    if (this.leased > this.used) this.ledger.giveBack(this.leaseBucket, this.leased - this.used);
    // Demand carries over only from the bucket right before (an idle gap means no demand).
    this.prevAttempts = cur == this.leaseBucket + <u64>this.ledger.bucketLenMs ? this.attempts : 0;
    this.leaseBucket = cur;
    this.leased = 0;
    this.used = 0;
    this.attempts = 0;
  }

  /**
   * Tokens wanted for the next tick: the local arrival rate over one tick, from the previous bucket
   * or from this bucket so far (whichever is higher; a burst after an idle bucket shows only in the
   * latter), at least 1.
   */
  want(nowMs: u64): u32 {
    const tick = <u64>this.tickMs;
    const len = <u64>this.ledger.bucketLenMs;
    const perTick = (<u64>this.prevAttempts * tick + len - 1) / len;
    const elapsed = nowMs - this.leaseBucket;
    const span = elapsed > tick ? elapsed : tick;
    const sofar = (<u64>this.attempts * tick + span - 1) / span;
    let w = perTick > sofar ? perTick : sofar;
    if (w < 1) w = 1;
    return w > 65536 ? 65536 : <u32>w;
  }

  /**
   * Tokens expected until the current bucket ends or LEASE_AHEAD_MS have passed, whichever comes
   * first, at the previous bucket's rate (0 after an idle bucket: a burst's own rate so far is too
   * short a sample to lease ahead on).
   */
  ahead(nowMs: u64): u32 {
    const len = <u64>this.ledger.bucketLenMs;
    const end = this.leaseBucket + len;
    let left = end > nowMs ? end - nowMs : 0;
    if (left > LEASE_AHEAD_MS) left = LEASE_AHEAD_MS;
    const n = (<u64>this.prevAttempts * left + len - 1) / len;
    return n > 65536 ? 65536 : <u32>n;
  }

  /** True when a token is (or could be made) available; takes a lease when the hand is empty. */
  acquire(nowMs: u64): bool {
    this.roll(nowMs);
    this.attempts++;
    if (this.used < this.leased) return true;
    const g = this.ledger.lease(nowMs, this.want(nowMs), LEASE_SHARE_DIVISOR, this.ahead(nowMs));
    this.leased += g;
    return this.used < this.leased;
  }

  @inline consume(): void { this.used++; }

  /** On tick: a bucket change with nothing arriving still gives the unused tokens back promptly. */
  onTick(nowMs: u64): void { this.roll(nowMs); }
}

/** One isolation rule: slots held by this worker, and its open connections. */
export class SlotState {
  readonly ledger: SlotLedger;
  /** This worker VM's id in the ledger (set once the VM identity is known). */
  vmSeq: u32 = 0;
  held: u32 = 0;
  active: u32 = 0;
  /** Connections admitted since the previous tick: how many spare slots are worth keeping. */
  recentOpens: u32 = 0;

  constructor(ledger: SlotLedger) {
    this.ledger = ledger;
  }

  acquire(): bool {
    if (this.active < this.held) return true;
    this.held += this.ledger.lease(this.vmSeq, 1);
    return this.active < this.held;
  }

  @inline admit(): void { this.active++; this.recentOpens++; }

  release(): void { if (this.active > 0) this.active--; }

  /** Gives back spare slots beyond what the last tick's arrivals suggest keeping. */
  onTick(): void {
    const spare = this.held - this.active;
    const keep = this.recentOpens < spare ? this.recentOpens : spare;
    const give = spare - keep;
    if (give > 0 && this.ledger.release(this.vmSeq, give)) this.held -= give;
    this.recentOpens = 0;
  }

  /** Local mode or shutdown: every held slot goes back. */
  releaseSpare(): void {
    const spare = this.held - this.active;
    if (spare > 0 && this.ledger.release(this.vmSeq, spare)) this.held -= spare;
  }
}

/** What a breaker transition made by this worker was, for the caller's log line and metrics. */
export class Transition {
  from: u32 = 0;
  to: u32 = 0;
  happened: bool = false;
}

/** One circuit breaker rule: the cached process-wide state and this worker's CAS transitions. */
export class BreakerState {
  readonly word: BreakerWord;
  readonly probeNum: u64;
  readonly retryTimeoutMs: u64;
  readonly maxAllowedRtMs: u64;
  readonly slowStrategy: bool;
  /** SlowRequestRatio or ErrorRatio: good completions count in its ratio (ErrorCount: they never matter). */
  readonly ratio: bool;
  state: u32 = CB_CLOSED;
  /** Bad completions in its window process-wide, as of the latest decision table. */
  windowBad: u64 = 0;
  epoch: u32 = 0;
  nextRetryMs: u64 = 0;
  /** Set by tryPass when this call won Open -> HalfOpen (its connection is the probe). */
  probeStarted: bool = false;
  readonly last: Transition = new Transition();

  constructor(word: BreakerWord, probeNum: u64, retryTimeoutMs: u64, maxAllowedRtMs: u64, slowStrategy: bool, ratio: bool) {
    this.word = word;
    this.probeNum = probeNum;
    this.retryTimeoutMs = retryTimeoutMs;
    this.maxAllowedRtMs = maxAllowedRtMs;
    this.slowStrategy = slowStrategy;
    this.ratio = ratio;
  }

  /** Adopts a state seen in the decision table or the word, if it is not older than the cached one. */
  adopt(state: u32, epoch: u32, nextRetryMs: u64): void {
    if (epoch < this.epoch) return;
    this.state = state > CB_OPEN ? CB_OPEN : state;
    this.epoch = epoch;
    this.nextRetryMs = nextRetryMs;
  }

  private adoptWord(): void { this.adopt(this.word.state, this.word.epoch, this.word.nextRetryMs); }

  /** Reads the word itself (ticks while not Closed: worker-made transitions show up before the next table). */
  refresh(): void { if (this.word.load()) this.adoptWord(); }

  @inline isBad(rtMs: u64, failed: bool): bool { return this.slowStrategy ? rtMs > this.maxAllowedRtMs : failed; }

  private note(from: u32, to: u32): void { this.last.from = from; this.last.to = to; this.last.happened = true; }

  /**
   * Sentinel's TryPass. Closed: pass, no host call. Open before nextRetry: block, no host call.
   * Open at/after nextRetry: CAS Open -> HalfOpen; exactly one worker process-wide wins and its
   * connection is the probe. HalfOpen: pass iff probeNum > 0.
   */
  tryPass(nowMs: u64, vmSeq: u32): bool {
    this.probeStarted = false;
    this.last.happened = false;
    if (this.state == CB_CLOSED) return true;
    if (this.state == CB_HALF_OPEN) return this.probeNum > 0;
    if (nowMs < this.nextRetryMs) return false;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.word.load()) return false;
      this.adoptWord();
      const w = this.word;
      if (w.state == CB_CLOSED) return true;
      if (w.state == CB_HALF_OPEN) return this.probeNum > 0;
      if (nowMs < w.nextRetryMs) return false;
      const s = w.commit(CB_HALF_OPEN, w.nextRetryMs, nowMs, vmSeq, 0, true);
      if (s == WasmResult.Ok) {
        this.adoptWord();
        this.probeStarted = true;
        this.note(CB_OPEN, CB_HALF_OPEN);
        return true;
      }
      if (s != WasmResult.CasMismatch) return false;
    }
    return false;
  }

  /** Sentinel's exit hook on a probe blocked by a later check: HalfOpen -> Open, nextRetry unchanged. */
  abortProbe(nowMs: u64, vmSeq: u32): void {
    this.probeStarted = false;
    this.last.happened = false;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.word.load()) return;
      const w = this.word;
      if (w.state != CB_HALF_OPEN || w.probeOwner != vmSeq) { this.adoptWord(); return; }
      const s = w.commit(CB_OPEN, w.nextRetryMs, nowMs, 0, 0, true);
      if (s == WasmResult.Ok) { this.adoptWord(); this.note(CB_HALF_OPEN, CB_OPEN); return; }
      if (s != WasmResult.CasMismatch) return;
    }
  }

  /**
   * A completed connection while this breaker may be HalfOpen (any cached state but Closed, or this
   * connection was the probe): a bad completion reopens it (new nextRetry), good ones count towards
   * max(1, probeNum) and then close it. Closed/Open completions only go into the report.
   */
  onComplete(nowMs: u64, bad: bool, wasProbe: bool): void {
    this.last.happened = false;
    if (this.state == CB_CLOSED && !wasProbe) return;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.word.load()) return;
      const w = this.word;
      if (w.state != CB_HALF_OPEN) { this.adoptWord(); return; }
      let s: u32;
      let to: u32;
      if (bad) {
        to = CB_OPEN;
        s = w.commit(CB_OPEN, nowMs + this.retryTimeoutMs, nowMs, 0, 0, true);
      } else {
        const need: u64 = this.probeNum == 0 ? 1 : this.probeNum;
        const succ = w.probeSuccesses + 1;
        if (<u64>succ >= need) { to = CB_CLOSED; s = w.commit(CB_CLOSED, 0, nowMs, 0, 0, true); }
        else { to = CB_HALF_OPEN; s = w.commit(CB_HALF_OPEN, w.nextRetryMs, nowMs, w.probeOwner, succ, false); }
      }
      if (s == WasmResult.Ok) {
        this.adoptWord();
        if (to != CB_HALF_OPEN) this.note(CB_HALF_OPEN, to);
        return;
      }
      if (s != WasmResult.CasMismatch) return;
    }
  }
}
