// The per-resource stats of one filter plugin (names in stats.ts), defined once at configure time.
import { Counter, Gauge, Histogram } from "../../abi/assembly";
import * as S from "./stats";

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

  define(): void {
    this.pass.define(); this.complete.define(); this.error.define(); this.active.define(); this.rt.define();
    this.blockFlow.define(); this.blockIsolation.define(); this.blockBreaker.define(); this.blockStale.define();
    this.fallbackDecisions.define(); this.fallbackActive.define();
    this.opened.define(); this.halfOpened.define(); this.closed.define(); this.internalError.define();
  }
}
