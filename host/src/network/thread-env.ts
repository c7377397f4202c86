// ThreadEnv for a real thread (main = 0, workers 1..N): clocks, timers, logging through the LogSink,
// and queue-ready notifications routed to the owner's thread by `route`.
import type { QueueOwner, SharedStoreApi, ThreadEnv } from "../contracts.ts";
import type { LogSink } from "../log/log-sink.ts";

const SRC = "host/src/runtime";

export type QueueReadyRoute = (owner: QueueOwner, token: number) => void;

export class RealThreadEnv implements ThreadEnv {
  readonly threadId: number;
  readonly store: SharedStoreApi;
  private readonly sink: LogSink;
  private readonly route: QueueReadyRoute;
  // Wall time = wall clock at start + monotonic elapsed: ns resolution without float rounding.
  private readonly wallBaseNs: bigint;
  private readonly monoBaseNs: bigint;

  constructor(threadId: number, store: SharedStoreApi, sink: LogSink, route: QueueReadyRoute) {
    this.threadId = threadId;
    this.store = store;
    this.sink = sink;
    this.route = route;
    this.monoBaseNs = process.hrtime.bigint();
    this.wallBaseNs = BigInt(Date.now()) * 1_000_000n;
  }

  wallTimeNs(): bigint {
    return this.wallBaseNs + (process.hrtime.bigint() - this.monoBaseNs);
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

  postQueueReady(owner: QueueOwner, token: number): void {
    this.route(owner, token);
  }

  wasmLogLevel(): number {
    return this.sink.levelOf("wasm");
  }

  emitLog(level: number, component: string, line: string): void {
    this.sink.emit(level, component, SRC, line);
  }
}
