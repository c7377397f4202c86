// Drives connections through the host's real ThreadRuntime -> FilterManager -> Vm -> host functions,
// inside the Emulator (virtual clock, real SharedStore, main thread with the services). The
// Emulator's own VirtualConnection copies every written chunk and drains its task queue after each
// event; for a benchmark a leaner Transport is used instead: it only counts bytes, and the driver
// calls the handler's events directly in the order the network layer would. Everything the host
// does per connection still runs; what this file adds is the same for every variant.
import type { ConnectionHandler, HostConfig, LogLevelName, SocketAddress, Transport } from "../../../host/src/contracts.ts";
import { Emulator } from "../../../host/src/runtime/emulator.ts";
import type { UpstreamAddressSource } from "../../../host/src/runtime/filter-manager.ts";
import type { ThreadRuntime } from "../../../host/src/runtime/thread-runtime.ts";

const EMPTY = new Uint8Array(0);
const SOURCE: SocketAddress = { address: "10.0.0.1", port: 40000 };

/** Downstream socket + upstream of one connection, reduced to what the FilterManager calls. */
class BenchTransport implements Transport, UpstreamAddressSource {
  readonly connectionId: bigint;
  readonly source: SocketAddress = SOURCE;
  readonly destination: SocketAddress;
  readonly #upstream: SocketAddress;
  upstreamRequested = false;
  upstreamConnected = false;
  hostClosed = false;
  bytesUp = 0;
  bytesDown = 0;
  upstreamEnd = false;
  downstreamEnd = false;

  constructor(id: bigint, destination: SocketAddress, upstream: SocketAddress) {
    this.connectionId = id;
    this.destination = destination;
    this.#upstream = upstream;
  }
  connectUpstream(): void { this.upstreamRequested = true; }
  writeUpstream(data: Uint8Array, endStream: boolean): void {
    this.bytesUp += data.length;
    if (endStream) this.upstreamEnd = true;
  }
  writeDownstream(data: Uint8Array, endStream: boolean): void {
    this.bytesDown += data.length;
    if (endStream) this.downstreamEnd = true;
  }
  closeDownstream(): void { this.hostClosed = true; }
  closeUpstream(): void { /* nothing is open for real */ }
  readDisable(): void { /* the driver never reads ahead */ }
  upstreamAddress(): SocketAddress | undefined { return this.upstreamConnected ? this.#upstream : undefined; }
}

export interface OpenConnection {
  transport: BenchTransport;
  handler: ConnectionHandler;
  payloadBytes: number;
  /** The host closed it before the exchange was through (a filter's block, or a fail-closed VM). */
  blocked: boolean;
  /** The upstream refused it (the host then closes the downstream). */
  upstreamFailed: boolean;
}

/** How connections are spread over virtual time: `batch` connections, then the clock moves `stepMs`. */
export interface VirtualClock { batch: number; stepMs: number }

/** A clock for about `perSecond` connections per virtual second (whole connections, whole ms). */
export function virtualClock(perSecond: number): VirtualClock {
  if (!(perSecond > 0)) throw new RangeError(`virtual rate must be > 0 connections/s (got ${perSecond})`);
  return perSecond >= 1000 ? { batch: Math.round(perSecond / 1000), stepMs: 1 } : { batch: 1, stepMs: Math.round(1000 / perSecond) };
}

export function clockRate(c: VirtualClock): number { return (c.batch * 1000) / c.stepMs; }

/** What the driver saw, to prove a run did what it claims. */
export interface Tally {
  connections: number;
  /** Went through the whole sequence: the payload and the FIN passed both ways. */
  completed: number;
  /** Closed by the host before the exchange was through (a filter's block, or a fail-closed VM). */
  closedByHost: number;
  /** The upstream refused (the driver's `failEvery`); tcp_proxy closed the downstream. */
  upstreamFailed: number;
  /** None of these: bytes missing, no upstream requested. Must stay 0. */
  broken: number;
}

export interface BenchTargetOptions {
  config: HostConfig;
  workers?: number;
  logLevel?: LogLevelName;
  /** The upstream refuses every n-th connect (an error in Sentinel's sense); 0 = never. */
  failEvery?: number;
}

export class BenchTarget {
  readonly emu: Emulator;
  readonly listener: string;
  readonly tally: Tally = { connections: 0, completed: 0, closedByHost: 0, upstreamFailed: 0, broken: 0 };
  readonly #destination: SocketAddress;
  readonly #upstream: SocketAddress;
  #nextId = 1n;
  #nextWorker = 0;
  #held: Array<OpenConnection | null> = [];

  static async create(opts: BenchTargetOptions): Promise<BenchTarget> {
    const emu = await Emulator.create({ config: opts.config, workers: opts.workers ?? 1, logLevel: opts.logLevel ?? "info" });
    return new BenchTarget(emu, opts.failEvery ?? 0);
  }

  readonly #failEvery: number;
  #upstreamAttempts = 0;
  #wrapHandler: ((h: ConnectionHandler) => ConnectionHandler) | undefined;

  /** Every later connection's events go through `wrap(handler)` (bench/micro/cold.ts times and spaces them). */
  wrapHandlers(wrap: (h: ConnectionHandler) => ConnectionHandler): void {
    this.#wrapHandler = wrap;
  }

  private constructor(emu: Emulator, failEvery: number) {
    this.emu = emu;
    this.#failEvery = failEvery;
    const l = emu.config.listeners[0];
    if (!l) throw new Error("BenchTarget: the configuration has no listener");
    this.listener = l.name;
    this.#destination = l.address;
    const tcp = l.filters.find((f) => f.kind === "tcp_proxy");
    const cluster = emu.config.clusters.find((c) => tcp?.kind === "tcp_proxy" && c.name === tcp.cluster);
    this.#upstream = cluster?.endpoints[0] ?? { address: "127.0.0.1", port: 9000 };
  }

  get workers(): ThreadRuntime[] { return this.emu.workers; }

  /**
   * One connection, in the order the network layer (host/src/network/socket-transport.ts) produces
   * events for a client that sends, reads the echo and closes: accepted -> downstream bytes (held
   * by tcp_proxy while it connects) -> upstream connected (the held bytes go through the chain) ->
   * upstream bytes -> client FIN -> upstream FIN -> upstream socket closed (tcp_proxy closes the
   * downstream) -> downstream closed: close callbacks, done, log, delete.
   */
  connection(payload: Uint8Array): void {
    this.close(this.open(payload));
  }

  /** The first half of `connection`: up to and including the upstream's bytes; the connection stays open. */
  open(payload: Uint8Array): OpenConnection {
    const rt = this.emu.workers[this.#nextWorker];
    if (++this.#nextWorker === this.emu.workers.length) this.#nextWorker = 0;
    const t = new BenchTransport(this.#nextId++, this.#destination, this.#upstream);
    const created: ConnectionHandler = rt.createConnection(this.listener, t);
    const h = this.#wrapHandler === undefined ? created : this.#wrapHandler(created);
    h.onNewConnection();
    if (!t.hostClosed) h.onDownstreamData(payload, false);
    const reachesUpstream = !t.hostClosed && t.upstreamRequested;
    if (reachesUpstream && this.#failEvery > 0 && ++this.#upstreamAttempts % this.#failEvery === 0) {
      h.onUpstreamConnectFailed("connection refused");
      return { transport: t, handler: h, payloadBytes: payload.length, blocked: false, upstreamFailed: true };
    }
    if (!t.hostClosed && t.upstreamRequested) {
      t.upstreamConnected = true;
      h.onUpstreamConnected();
    }
    if (!t.hostClosed && t.upstreamConnected) h.onUpstreamData(payload, false);
    return { transport: t, handler: h, payloadBytes: payload.length, blocked: t.hostClosed, upstreamFailed: false };
  }

  /** The second half: both sides close (or, for a connection the host closed, its close event arrives). */
  close(c: OpenConnection): void {
    const { transport: t, handler: h } = c;
    const tally = this.tally;
    tally.connections++;
    if (c.blocked || c.upstreamFailed) {
      h.onDownstreamClosed(true);
      if (c.blocked) tally.closedByHost++;
      else if (t.hostClosed) tally.upstreamFailed++;
      else tally.broken++;
      return;
    }
    if (!t.hostClosed) h.onDownstreamData(EMPTY, true);
    if (!t.hostClosed) h.onUpstreamData(EMPTY, true);
    if (!t.hostClosed) h.onUpstreamClosed(false);
    // tcp_proxy answers the upstream close by closing the downstream (LocalClose); a client that
    // went first would give RemoteClose: the same callbacks either way.
    h.onDownstreamClosed(t.hostClosed);
    const echoed = t.bytesUp === c.payloadBytes && t.bytesDown === c.payloadBytes && t.upstreamEnd && t.downstreamEnd;
    if (echoed) tally.completed++;
    else tally.broken++;
  }

  /**
   * n connections at a virtual rate: after every `clock.batch` connections the virtual clock moves
   * `clock.stepMs` (ticks, queue wake-ups and timers run then, as they interleave on a real
   * worker). Returns the wall time spent in connections and in clock steps separately, in ns,
   * and the virtual time that passed.
   */
  run(n: number, payload: Uint8Array, clock: VirtualClock): { connectionsNs: number; clockNs: number; virtualMs: number } {
    let connectionsNs = 0, clockNs = 0, virtualMs = 0;
    for (let done = 0; done < n;) {
      const batch = Math.min(clock.batch, n - done);
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) this.connection(payload);
      const t1 = process.hrtime.bigint();
      this.emu.advanceTime(clock.stepMs);
      const t2 = process.hrtime.bigint();
      connectionsNs += Number(t1 - t0);
      clockNs += Number(t2 - t1);
      virtualMs += clock.stepMs;
      done += batch;
    }
    return { connectionsNs, clockNs, virtualMs };
  }

  /**
   * Like `run`, but every connection lives while the next `lifetime` connections arrive, then the
   * client closes it (a blocked one is closed by the host at once and only keeps its place in
   * line). So the filter's concurrency accounting and the host's context maps run at a steady
   * level of open connections. n counts opened connections; `closeHeld` closes the rest.
   */
  runHeld(n: number, payload: Uint8Array, clock: VirtualClock, lifetime: number): void {
    for (let done = 0; done < n;) {
      const batch = Math.min(clock.batch, n - done);
      for (let i = 0; i < batch; i++) {
        const c = this.open(payload);
        const gone = c.blocked || c.upstreamFailed;
        if (gone) this.close(c);
        this.#held.push(gone ? null : c);
        if (this.#held.length > lifetime) {
          const old = this.#held.shift();
          if (old) this.close(old);
        }
      }
      this.emu.advanceTime(clock.stepMs);
      done += batch;
    }
  }

  /** Closes every connection `runHeld` left open. */
  closeHeld(): void {
    for (const c of this.#held.splice(0)) if (c) this.close(c);
  }

  /** Connections `runHeld` keeps open right now. */
  get heldOpen(): number { return this.#held.reduce((n, c) => n + (c ? 1 : 0), 0); }

  /** Lets ticks and queue deliveries catch up (the service drains what the filters reported). */
  settle(ms: number): void {
    for (let i = 0; i < ms; i += 10) this.emu.advanceTime(10);
  }

  /** Every wasm-defined stat (`wasmcustom.*`), by full name. */
  wasmMetrics(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of this.emu.store.snapshotMetrics()) {
      if (m.name.startsWith("wasmcustom.")) out[m.name] = m.kind === 2 ? `histogram count=${m.histogram?.count ?? 0n}` : String(m.value);
    }
    return out;
  }

  /** Log lines by level name since the last call (they are dropped so a long run does not hoard them). */
  takeLogCounts(): Record<string, number> {
    const names = ["trace", "debug", "info", "warn", "error", "critical"];
    const out: Record<string, number> = {};
    for (const e of this.emu.logEntries()) {
      const n = names[e.level] ?? String(e.level);
      out[n] = (out[n] ?? 0) + 1;
    }
    this.emu.clearLogs();
    return out;
  }

  shutdown(): void { this.emu.shutdown(); }
}

/** Which metric proves how many connections the filter saw, and its value. */
export interface FilterSaw { metric: string; value: number }

/**
 * The connection count the Sentinel filter itself reports. Its connection counter is preferred;
 * else the sum of its per-resource pass and block counters (every connection is exactly one of them).
 */
export function filterSawFromMetrics(metrics: Record<string, string>): FilterSaw | undefined {
  const total = metrics["wasmcustom.sentinel.filter.cx_total"];
  if (total !== undefined) return { metric: "wasmcustom.sentinel.filter.cx_total", value: Number(total) };
  const parts = Object.keys(metrics).filter((k) => /^wasmcustom\.sentinel\.(entry\.pass|block\.[a-z_]+)(_resource=|$)/.test(k));
  if (parts.length === 0) return undefined;
  return { metric: parts.join(" + "), value: parts.reduce((s, k) => s + Number(metrics[k]), 0) };
}
