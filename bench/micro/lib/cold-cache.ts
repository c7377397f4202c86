// On a real proxy each socket event arrives after a stretch of kernel and event-loop work that has
// pushed the host's and the modules' code and data out of the CPU caches; callbacks.ts runs the
// callback sequence back to back, with everything hot. Here a handler wrapper writes over an
// eviction buffer before every event and times the event alone, so what a connection costs with
// cold caches is measured without the kernel's noise.
import type { ConnectionHandler } from "../../../host/src/contracts.ts";

/** The ConnectionHandler events, in the order of a proxied connection. */
export const EVENTS = [
  "onNewConnection", "onDownstreamData", "onUpstreamConnected", "onUpstreamConnectFailed",
  "onUpstreamData", "onUpstreamClosed", "onDownstreamClosed",
] as const;

const LINE = 64;

/** Writes one byte per cache line of a buffer: the lines it evicts are dirty, as after real work. */
export class CacheEvictor {
  readonly #buf: Uint8Array;

  constructor(kib: number) {
    this.#buf = new Uint8Array(Math.round(kib * 1024));
  }

  evict(): void {
    const b = this.#buf;
    for (let i = 0; i < b.length; i += LINE) b[i]++;
  }
}

/** Wall ms spent inside each kind of event, summed (performance.now: sub-µs resolution). */
export class EventTimes {
  readonly ms = new Float64Array(EVENTS.length);
  reset(): void { this.ms.fill(0); }
  get totalMs(): number { return this.ms.reduce((a, b) => a + b, 0); }
}

const [NEW, DOWN_DATA, UP_CONNECTED, UP_FAILED, UP_DATA, UP_CLOSED, DOWN_CLOSED] = EVENTS.map((_, i) => i);

/**
 * Evicts, then times the inner handler's event. One method per event, each spelled out: a shared
 * helper taking the event as a callback would add a closure call inside every timed interval.
 */
export class ColdHandler implements ConnectionHandler {
  readonly #inner: ConnectionHandler;
  readonly #evictor: CacheEvictor;
  readonly #times: Float64Array;

  constructor(inner: ConnectionHandler, evictor: CacheEvictor, times: EventTimes) {
    this.#inner = inner;
    this.#evictor = evictor;
    this.#times = times.ms;
  }

  onNewConnection(): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onNewConnection();
    this.#times[NEW] += performance.now() - t0;
  }

  onDownstreamData(chunk: Uint8Array, endStream: boolean): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onDownstreamData(chunk, endStream);
    this.#times[DOWN_DATA] += performance.now() - t0;
  }

  onUpstreamConnected(): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onUpstreamConnected();
    this.#times[UP_CONNECTED] += performance.now() - t0;
  }

  onUpstreamConnectFailed(reason: string): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onUpstreamConnectFailed(reason);
    this.#times[UP_FAILED] += performance.now() - t0;
  }

  onUpstreamData(chunk: Uint8Array, endStream: boolean): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onUpstreamData(chunk, endStream);
    this.#times[UP_DATA] += performance.now() - t0;
  }

  onUpstreamClosed(reset: boolean): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onUpstreamClosed(reset);
    this.#times[UP_CLOSED] += performance.now() - t0;
  }

  onDownstreamClosed(local: boolean): void {
    this.#evictor.evict();
    const t0 = performance.now();
    this.#inner.onDownstreamClosed(local);
    this.#times[DOWN_CLOSED] += performance.now() - t0;
  }
}
