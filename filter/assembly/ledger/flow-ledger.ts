// Process-wide token ledger of one flow rule (Direct + Reject), in shared data.
//
//   offset  0  u32 magic "SNFL"        12  u32 intervalMs (the rule's window I)
//           4  u32 n (buckets)         16  u32 allowed = floor(threshold)
//           8  u32 bucketLenMs L       20  u32 fullSeq (low 32 bits of the bucket number, start / L,
//                                               of the latest bucket in which a lease found the
//                                               window full; 0: never)
//          24  u64 starts[n]  (bucket start ms; 0xFFFF..FF = never written)
//   24 + 8n    u32 counts[n]  (tokens granted in that bucket, minus tokens given back)
//
// The window is Sentinel's: at `now` it holds the buckets whose start lies in
// [curStart - I + L, curStart]. A worker LEASES tokens for the current bucket: it reads the ledger,
// grants itself g = min(want, allowed - windowSum) by adding g to counts[cur] with CAS, and then
// admits up to g connections locally with no host call. When its clock leaves that bucket it
// RETURNS the tokens it did not use (counts[b] -= unused, CAS), so afterwards counts[b] equals the
// connections actually admitted in b, and the windows that still contain b get that room back.
//
// Invariant: for every window, admitted <= sum(counts) <= allowed. A lease is refused for a bucket
// older than the newest one in the ledger (a worker whose CAS lost a race across a bucket boundary),
// so a grant can never be added behind a later window's back.
//
// Lease size. A lease is about one tick of the worker's demand, and at most a quarter of the room
// left, so that tokens one worker holds and does not use (they come back only when its bucket
// ends) cost the window little. While the window has not been full for a whole window's length
// (fullSeq), a worker instead takes its expected demand of the next 250 ms (at most to the bucket's
// end; FlowState#ahead) in one lease when that is within the quarter: two leases per default bucket
// instead of one per tick while the limit is far away.
// What that can cost: in the first bucket that fills after such a quiet spell, the window ending with
// it may admit less than the threshold by the part of those leases their holders did not use.
import { readLedger, writeLedger, LedgerRead, MAX_CAS_ATTEMPTS } from "./cas";
import { WasmResult } from "../../../abi/assembly";

// @ts-ignore: decorator
@inline export const FLOW_MAGIC: u32 = 0x4c464e53; // "SNFL" little-endian
// @ts-ignore: decorator
@inline const EMPTY: u64 = u64.MAX_VALUE;
// @ts-ignore: decorator
@inline const HEADER: u32 = 24;
/** Upper bound on buckets (the stat ring's own cap). */
// @ts-ignore: decorator
@inline export const MAX_LEDGER_BUCKETS: u32 = 1200;

/** What happened to this VM's operations on one ledger (tests, diagnostics). */
export class FlowLedgerStats {
  leases: u64 = 0;
  returns: u64 = 0;
  casConflicts: u64 = 0;
  /** Operations abandoned: every CAS attempt lost, or the host failed. */
  failures: u64 = 0;
  lateRefusals: u64 = 0;
}

export class FlowLedger {
  readonly key: string;
  readonly n: u32;
  readonly bucketLenMs: u32;
  readonly intervalMs: u32;
  readonly allowed: u32;
  private buf: ArrayBuffer;
  private read: LedgerRead = new LedgerRead();
  readonly stats: FlowLedgerStats = new FlowLedgerStats();
  /** Tokens of the window as seen by the latest successful lease (for demand sizing and tests). */
  lastWindowSum: u32 = 0;

  constructor(key: string, n: u32, bucketLenMs: u32, intervalMs: u32, allowed: u32) {
    this.key = key;
    this.n = n;
    this.bucketLenMs = bucketLenMs;
    this.intervalMs = intervalMs;
    this.allowed = allowed;
    this.buf = new ArrayBuffer(<i32>(HEADER + 12 * n));
  }

  static sizeFor(n: u32): u32 { return HEADER + 12 * n; }

  @inline private get base(): usize { return changetype<usize>(this.buf); }
  @inline private startAt(i: u32): u64 { return load<u64>(this.base + HEADER + (<usize>i << 3)); }
  @inline private setStart(i: u32, v: u64): void { store<u64>(this.base + HEADER + (<usize>i << 3), v); }
  @inline private countAt(i: u32): u32 { return load<u32>(this.base + HEADER + (<usize>this.n << 3) + (<usize>i << 2)); }
  @inline private setCount(i: u32, v: u32): void { store<u32>(this.base + HEADER + (<usize>this.n << 3) + (<usize>i << 2), v); }

  private headerMatches(): bool {
    const b = this.base;
    return load<u32>(b) == FLOW_MAGIC && load<u32>(b, 4) == this.n && load<u32>(b, 8) == this.bucketLenMs &&
      load<u32>(b, 12) == this.intervalMs && load<u32>(b, 16) == this.allowed;
  }

  /** A fresh ledger in buf (another rule geometry, or none yet, is replaced as a whole). */
  private fresh(): void {
    const b = this.base;
    store<u32>(b, FLOW_MAGIC);
    store<u32>(b, this.n, 4);
    store<u32>(b, this.bucketLenMs, 8);
    store<u32>(b, this.intervalMs, 12);
    store<u32>(b, this.allowed, 16);
    store<u32>(b, 0, 20);
    for (let i: u32 = 0; i < this.n; i++) { this.setStart(i, EMPTY); this.setCount(i, 0); }
  }

  /** Loads the ledger into buf; returns false on a host failure. */
  private load(): bool {
    const ok = readLedger(this.key, this.buf, this.read);
    if (!ok) {
      if (this.read.status != WasmResult.Ok && this.read.status != WasmResult.NotFound) return false;
      this.fresh();
    } else if (!this.headerMatches()) {
      this.fresh();
    }
    return true;
  }

  /** Sum of the window ending at the bucket starting at curStart. */
  private windowSum(curStart: u64): u64 {
    const lo = curStart + <u64>this.bucketLenMs - <u64>this.intervalMs; // may wrap near the epoch, as Go's
    let sum: u64 = 0;
    for (let i: u32 = 0; i < this.n; i++) {
      const s = this.startAt(i);
      if (s != EMPTY && s >= lo && s <= curStart) sum += <u64>this.countAt(i);
    }
    return sum;
  }

  private newestStart(): u64 {
    let m: u64 = 0;
    for (let i: u32 = 0; i < this.n; i++) { const s = this.startAt(i); if (s != EMPTY && s > m) m = s; }
    return m;
  }

  @inline bucketStartOf(nowMs: u64): u64 { return nowMs - nowMs % <u64>this.bucketLenMs; }

  @inline private get fullSeq(): u32 { return load<u32>(this.base, 20); }

  /** True when the window was full less than a window's length ago (wrapping bucket numbers). */
  @inline private recentlyFull(seq: u32): bool { const f = this.fullSeq; return f != 0 && seq - f <= this.n; }

  /**
   * Marks the window full in bucket `seq`, once per bucket (one CAS attempt: whoever else wrote
   * first may have marked it already, and the next refusal tries again).
   */
  private markFull(seq: u32): void {
    if (this.fullSeq == seq) return;
    store<u32>(this.base, seq == 0 ? 1 : seq, 20);
    const s = writeLedger(this.key, this.buf, this.read.cas);
    if (s == WasmResult.CasMismatch) this.stats.casConflicts++;
    else if (s != WasmResult.Ok) this.stats.failures++;
  }

  /**
   * Grants up to `want` tokens for the bucket containing nowMs, never more than `shareDivisor`-th of
   * what the window still has (at least 1), so one worker cannot take the whole remainder in one
   * batch. `ahead` is what the caller expects to need over the next while: granted in one lease
   * when it is within that share and the window has not been full for a window's length (see the
   * file's header). Returns the grant (0: window full, late, or failure — see stats).
   */
  lease(nowMs: u64, want: u32, shareDivisor: u32, ahead: u32 = 0): u32 {
    if (want == 0 || this.allowed == 0) return 0;
    const cur = this.bucketStartOf(nowMs);
    const num = nowMs / <u64>this.bucketLenMs;
    const idx = <u32>(num % <u64>this.n);
    const seq = <u32>num; // wraps: only differences of recent bucket numbers are used
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.stats.failures++; return 0; }
      if (this.newestStart() > cur) { this.stats.lateRefusals++; return 0; }
      if (this.startAt(idx) != cur) { this.setStart(idx, cur); this.setCount(idx, 0); }
      const sum = this.windowSum(cur);
      this.lastWindowSum = sum > <u64>u32.MAX_VALUE ? u32.MAX_VALUE : <u32>sum;
      if (sum >= <u64>this.allowed) { this.markFull(seq); return 0; }
      const room = <u32>(<u64>this.allowed - sum);
      let cap = shareDivisor > 1 ? room / shareDivisor : room;
      if (cap == 0) cap = 1;
      let grant = want < cap ? want : cap;
      if (ahead > grant && ahead <= cap && !this.recentlyFull(seq)) grant = ahead;
      if (grant > room) grant = room;
      this.setCount(idx, this.countAt(idx) + grant);
      const s = writeLedger(this.key, this.buf, this.read.cas);
      if (s == WasmResult.Ok) { this.stats.leases++; this.lastWindowSum += grant; return grant; }
      if (s != WasmResult.CasMismatch) { this.stats.failures++; return 0; }
      this.stats.casConflicts++;
    }
    this.stats.failures++;
    return 0;
  }

  /** Gives `unused` tokens of the bucket starting at bucketStart back (no-op if that bucket is gone). */
  giveBack(bucketStart: u64, unused: u32): bool {
    if (unused == 0) return true;
    const idx = <u32>((bucketStart / <u64>this.bucketLenMs) % <u64>this.n);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      if (!this.load()) { this.stats.failures++; return false; }
      if (!this.read.found || this.startAt(idx) != bucketStart) return true;
      const c = this.countAt(idx);
      this.setCount(idx, c > unused ? c - unused : 0);
      const s = writeLedger(this.key, this.buf, this.read.cas);
      if (s == WasmResult.Ok) { this.stats.returns++; return true; }
      if (s != WasmResult.CasMismatch) { this.stats.failures++; return false; }
      this.stats.casConflicts++;
    }
    this.stats.failures++;
    return false;
  }
}
