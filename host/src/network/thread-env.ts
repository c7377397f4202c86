// ThreadEnv for a real thread (main = 0, workers 1..N): clocks, timers, logging through the LogSink,
// and queue-ready notifications routed to the owner's thread by `route`.
import type { QueueOwner, SharedStoreApi, ThreadEnv } from "../contracts.ts";
import { LOG_COMPONENTS, type LogSink } from "../log/log-sink.ts";
import { addU64Halves } from "../runtime/u64-halves.ts";

const SRC = "host/src/runtime";

export type QueueReadyRoute = (owner: QueueOwner, token: number) => void;

export class RealThreadEnv implements ThreadEnv {
  readonly threadId: number;
  readonly store: SharedStoreApi;
  private readonly sink: LogSink;
  private readonly route: QueueReadyRoute;
  // Wall time = the wall clock at start as two u32 halves plus the monotonic time since, from
  // performance.now() (ms as a double: sub-ns rounding for the first days of uptime, a few ns after
  // 100 days). No BigInt per reading in wallTimeNsInto. Both wall forms are this one clock: built on
  // two monotonic readings (hrtime and performance.now) they would differ by however long the
  // thread was preempted between taking the two bases.
  private readonly baseLo: number;
  private readonly baseHi: number;
  private readonly basePerfMs: number;
  private readonly wallScratch = new Uint32Array(2);
  /** The shared per-component levels (LogLevels' SharedArrayBuffer) and the wasm slot in it. */
  private readonly levels: Int32Array;
  private readonly wasmSlot: number;

  constructor(threadId: number, store: SharedStoreApi, sink: LogSink, route: QueueReadyRoute) {
    this.threadId = threadId;
    this.store = store;
    this.sink = sink;
    this.route = route;
    this.basePerfMs = performance.now();
    const wallBaseNs = BigInt(Date.now()) * 1_000_000n;
    this.baseLo = Number(wallBaseNs & 0xffffffffn);
    this.baseHi = Number(wallBaseNs >> 32n);
    this.levels = new Int32Array(sink.levels.buffer);
    this.wasmSlot = LOG_COMPONENTS.indexOf("wasm");
  }

  wallTimeNs(): bigint {
    const out = this.wallScratch;
    this.wallTimeNsInto(out);
    return (BigInt(out[1]) << 32n) | BigInt(out[0]);
  }

  wallTimeNsInto(out: Uint32Array): void {
    addU64Halves(this.baseLo, this.baseHi, Math.round((performance.now() - this.basePerfMs) * 1e6), out);
  }

  monotonicNs(): bigint {
    return process.hrtime.bigint();
  }

  setTimer(delayMs: number, fn: () => void): unknown {
    return setTimeout(fn, delayMs);
  }

  cancelTimer(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  restartTimer(handle: unknown): void {
    // Timeout.refresh re-inserts the same timer (also one that has fired): no allocation, and no
    // timer list torn down and built again as clearTimeout + setTimeout would.
    (handle as NodeJS.Timeout).refresh();
  }

  postQueueReady(owner: QueueOwner, token: number): void {
    this.route(owner, token);
  }

  // Read on every host<->VM call (the trace check): one shared-memory load instead of a lookup by
  // component name. Same word LogLevels.levelOf("wasm") reads, so POST /logging applies at once.
  wasmLogLevel(): number {
    return Atomics.load(this.levels, this.wasmSlot);
  }

  emitLog(level: number, component: string, line: string): void {
    this.sink.emit(level, component, SRC, line);
  }
}
