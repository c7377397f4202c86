// Envoy metrics with the host's rules enforced before the call (envoy-wasm-host.md §7):
//  - a counter only goes up, and only by more than 0 (the host answers BadArgument otherwise);
//  - a gauge is added to (negative = subtract) or set;
//  - a histogram only records; reading it is BadArgument.
// Envoy names the stat `wasmcustom.<name>`, one stat per name summed over every VM, so use the
// project's full names (`sentinel.<module>.<event>`).
//
// Batched use, for per-connection paths: addLater() only counts in the VM; flush() (on a tick) makes
// one host call for everything counted since. The stat then lags by up to one flush period, as
// Envoy's own thread-local stats lag its stats flush.
//
// Metrics are defined lazily on first use, or eagerly with define() — call that from on_vm_start /
// on_configure, never from top-level code (_initialize may not call proxy_define_metric). A failed
// definition is not retried: every later call returns the same status without a hostcall.
import * as host from "./hostcalls";
import { MetricType, WasmResult } from "./types";

/** Definition shared by the three kinds; not exported (module code uses the concrete classes). */
class MetricBase {
  protected id: u32 = 0;
  protected defineStatus: u32 = WasmResult.Ok;
  protected attempted: bool = false;

  constructor(public readonly name: string, protected readonly kind: u32) {}

  /** Defines the metric with the host (once); returns the definition status. */
  define(): u32 {
    if (!this.attempted) {
      this.attempted = true;
      this.id = host.defineMetric(this.kind, this.name);
      this.defineStatus = this.id != 0 ? WasmResult.Ok : host.lastStatus();
      if (this.id == 0 && this.defineStatus == WasmResult.Ok) this.defineStatus = WasmResult.InternalFailure;
    }
    return this.defineStatus;
  }

  /** The host's id (0 until defined or when the definition failed). */
  get metricId(): u32 {
    return this.id;
  }
}

export class Counter extends MetricBase {
  constructor(name: string) {
    super(name, MetricType.Counter);
  }

  /** Adds `delta` (> 0). Returns BadArgument without a hostcall for delta <= 0. */
  increment(delta: i64 = 1): u32 {
    if (delta <= 0) return WasmResult.BadArgument;
    const s = this.define();
    if (s != WasmResult.Ok) return s;
    return host.incrementMetric(this.id, delta);
  }

  /** Current value, or 0 when undefined/unreadable (see lastStatus). */
  get(): u64 {
    if (this.define() != WasmResult.Ok) return 0;
    return host.getMetric(this.id);
  }

  private later: i64 = 0;

  /** Counts `delta` in the VM only; the next flush() hands it to the host. No hostcall. */
  @inline addLater(delta: i64 = 1): void { this.later += delta; }

  /** One increment for everything counted with addLater since the last flush (none when nothing was). */
  flush(): void {
    if (this.later <= 0) return;
    this.increment(this.later);
    this.later = 0;
  }
}

export class Gauge extends MetricBase {
  constructor(name: string) {
    super(name, MetricType.Gauge);
  }

  /** Adds `delta`; a negative delta subtracts. */
  add(delta: i64): u32 {
    const s = this.define();
    if (s != WasmResult.Ok) return s;
    return host.incrementMetric(this.id, delta);
  }

  set(value: u64): u32 {
    const s = this.define();
    if (s != WasmResult.Ok) return s;
    return host.recordMetric(this.id, value);
  }

  get(): u64 {
    if (this.define() != WasmResult.Ok) return 0;
    return host.getMetric(this.id);
  }

  private later: i64 = 0;

  /** Adds `delta` in the VM only; the next flush() hands the sum to the host. No hostcall. */
  @inline addLater(delta: i64): void { this.later += delta; }

  /** One add for the sum of addLater since the last flush (none when it is 0). */
  flush(): void {
    if (this.later == 0) return;
    this.add(this.later);
    this.later = 0;
  }
}

/** Records samples; Envoy cannot read a histogram back, so there is no get(). */
export class Histogram extends MetricBase {
  constructor(name: string) {
    super(name, MetricType.Histogram);
  }

  record(value: u64): u32 {
    const s = this.define();
    if (s != WasmResult.Ok) return s;
    return host.recordMetric(this.id, value);
  }
}
