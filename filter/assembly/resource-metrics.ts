// The per-resource stats of one filter plugin (names in stats.ts), defined once at configure time.
// The per-connection counters and the active gauge are counted with addLater and flushed to the host
// on every tick (and when the plugin goes away): one host call per stat per tick instead of one per
// connection. They lag by at most one tick period. RT samples are kept in a fixed buffer and recorded
// on the tick too (a histogram needs every value: one call per sample, but back to back on the tick
// rather than cold between a connection's socket syscalls), or at once when the buffer fills.
// Envoy itself keeps histogram samples thread-local and merges them on its stats flush.
import { Counter, Gauge, Histogram } from "../../abi/assembly";
import * as S from "./stats";

/** RT samples held between ticks; a full buffer is recorded at once, so this bounds memory, not accuracy. */
// @ts-ignore: decorator
@inline export const RT_SAMPLES: i32 = 512;

export class ResourceMetrics {
  pass: Counter; complete: Counter; error: Counter; active: Gauge; rt: Histogram;
  blockFlow: Counter; blockIsolation: Counter; blockBreaker: Counter; blockStale: Counter;
  fallbackDecisions: Counter; fallbackActive: Gauge;
  opened: Counter; halfOpened: Counter; closed: Counter; internalError: Counter;

  constructor(r: string) {
    this.pass = new Counter(S.tagged(S.PASS, r));
    this.complete = new Counter(S.tagged(S.COMPLETE, r));
    this.error = new Counter(S.tagged(S.ERROR, r));
    this.active = new Gauge(S.tagged(S.ACTIVE, r));
    this.rt = new Histogram(S.tagged(S.RT_MS, r));
    this.blockFlow = new Counter(S.tagged(S.BLOCK_FLOW, r));
    this.blockIsolation = new Counter(S.tagged(S.BLOCK_ISOLATION, r));
    this.blockBreaker = new Counter(S.tagged(S.BLOCK_CIRCUIT_BREAKING, r));
    this.blockStale = new Counter(S.tagged(S.BLOCK_STALE, r));
    this.fallbackDecisions = new Counter(S.tagged(S.FALLBACK_DECISIONS, r));
    this.fallbackActive = new Gauge(S.tagged(S.FALLBACK_ACTIVE, r));
    this.opened = new Counter(S.tagged(S.CB_OPENED, r));
    this.halfOpened = new Counter(S.tagged(S.CB_HALF_OPENED, r));
    this.closed = new Counter(S.tagged(S.CB_CLOSED_COUNT, r));
    this.internalError = new Counter(S.INTERNAL_ERROR);
  }

  readonly rtSamples: StaticArray<u64> = new StaticArray<u64>(RT_SAMPLES);
  rtPending: i32 = 0;

  /** Keeps one RT sample for the next flush (records the buffer first when it is full). */
  recordRt(ms: u64): void {
    if (this.rtPending == RT_SAMPLES) this.flushRt();
    unchecked(this.rtSamples[this.rtPending] = ms);
    this.rtPending++;
  }

  private flushRt(): void {
    const n = this.rtPending;
    const rt = this.rt;
    for (let i = 0; i < n; i++) rt.record(unchecked(this.rtSamples[i]));
    this.rtPending = 0;
  }

  flush(): void {
    if (this.rtPending > 0) this.flushRt();
    this.pass.flush(); this.complete.flush(); this.error.flush(); this.active.flush();
    this.blockFlow.flush(); this.blockIsolation.flush(); this.blockBreaker.flush(); this.blockStale.flush();
    this.fallbackDecisions.flush();
  }

  define(): void {
    this.pass.define(); this.complete.define(); this.error.define(); this.active.define(); this.rt.define();
    this.blockFlow.define(); this.blockIsolation.define(); this.blockBreaker.define(); this.blockStale.define();
    this.fallbackDecisions.define(); this.fallbackActive.define();
    this.opened.define(); this.halfOpened.define(); this.closed.define(); this.internalError.define();
  }
}
