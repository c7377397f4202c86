// In-process, deterministic driver for tests (in the spirit of proxytest's HostEmulator). It runs the
// SAME ThreadRuntime / Vm / host functions / FilterManager as the real host; only the ThreadEnv
// (virtual clock, captured logs, queued wake-ups) and the Transport (virtual connections) differ.
import { LogLevel, type ConnectionHandler, type HostConfig, type LogLevelName, type PluginSpec, type QueueOwner,
  type SharedStoreApi, type SocketAddress, type ThreadEnv, type Transport } from "../contracts.ts";
import { SharedStore } from "../store/shared-store.ts";
import type { UpstreamAddressSource } from "./filter-manager.ts";
import { ThreadRuntime } from "./thread-runtime.ts";
import { addU64Halves } from "./u64-halves.ts";
import { loadWasmModule, type LoadedModule } from "./wasm-module.ts";

export type PluginInput = Partial<Omit<PluginSpec, "vmConfiguration" | "pluginConfiguration">> & {
  codePath: string;
  vmConfiguration?: string | Uint8Array;
  pluginConfiguration?: string | Uint8Array;
};

export interface EmulatorOptions {
  /** Worker threads (threadIds 1..N); main is threadId 0. Default 1. */
  workers?: number;
  /** A full host config; or give `filters` (one listener "listener_0" -> tcp_proxy) and `services`. */
  config?: HostConfig;
  filters?: PluginInput[];
  services?: PluginInput[];
  store?: SharedStoreApi;
  /** The `wasm` logger level; default info, as Envoy. */
  logLevel?: LogLevelName;
  /** Wall clock at virtual time 0, in ms since the epoch. */
  wallClockStartMs?: number;
  reloadBackoffMs?: number;
  /** Connections ask for the upstream and get it on the next drain, unless told otherwise. Default true. */
  autoConnectUpstream?: boolean;
  /** Also receives every log entry as it is emitted (the only way to see logs of a rejected config). */
  logSink?: (entry: LogEntry) => void;
}

export interface LogEntry { threadId: number; level: number; component: string; line: string }

interface Timer { id: number; due: number; delayMs: number; fn: () => void; cancelled: boolean }

const MAX_DRAIN_STEPS = 100_000;
const enc = new TextEncoder();
const toBytes = (d: string | Uint8Array): Uint8Array => (typeof d === "string" ? enc.encode(d) : d);

export const DEFAULT_LISTENER = "listener_0";
export const DEFAULT_CLUSTER = "upstream";

export function pluginSpec(p: PluginInput): PluginSpec {
  return {
    name: p.name ?? "", rootId: p.rootId ?? "", vmId: p.vmId ?? "", runtime: p.runtime ?? "envoy.wasm.runtime.v8",
    codePath: p.codePath,
    vmConfiguration: toBytes(p.vmConfiguration ?? ""),
    pluginConfiguration: toBytes(p.pluginConfiguration ?? ""),
    failOpen: p.failOpen ?? false,
    failurePolicy: p.failurePolicy ?? (p.failOpen ? "FAIL_OPEN" : "FAIL_CLOSED"),
    environmentVariables: p.environmentVariables ?? {},
  };
}

function configFrom(opts: EmulatorOptions): HostConfig {
  if (opts.config) return opts.config;
  return {
    path: "<emulator>",
    listeners: [{
      name: DEFAULT_LISTENER, address: { address: "127.0.0.1", port: 10000 },
      filters: [
        ...(opts.filters ?? []).map((p) => ({ kind: "wasm" as const, plugin: pluginSpec(p) })),
        { kind: "tcp_proxy" as const, statPrefix: "tcp", cluster: DEFAULT_CLUSTER },
      ],
    }],
    clusters: [{ name: DEFAULT_CLUSTER, connectTimeoutMs: 5000, endpoints: [{ address: "127.0.0.1", port: 9000 }] }],
    wasmServices: (opts.services ?? []).map(pluginSpec),
    statsTags: [],
    useAllDefaultTags: false,
  };
}

export class Emulator {
  readonly store: SharedStoreApi;
  readonly config: HostConfig;
  main!: ThreadRuntime;
  readonly workers: ThreadRuntime[] = [];
  logLevel: number;
  autoConnectUpstream: boolean;
  #now = 0;
  #wallStart: number;
  /** The virtual wall clock's start in ns as u32 halves, for wallTimeNsInto (no BigInt per reading). */
  #wallStartLo: number;
  #wallStartHi: number;
  #timers: Timer[] = [];
  #timerSeq = 0;
  #pending: (() => void)[] = [];
  #logs: LogEntry[] = [];
  #nextConnectionId = 1n;
  #logSink: ((entry: LogEntry) => void) | undefined;

  static async create(opts: EmulatorOptions = {}): Promise<Emulator> {
    const emu = new Emulator(opts);
    const modules = new Map<string, LoadedModule>();
    const plugins = [...emu.config.wasmServices];
    for (const l of emu.config.listeners) for (const f of l.filters) if (f.kind === "wasm") plugins.push(f.plugin);
    for (const p of plugins) {
      if (modules.has(p.codePath)) continue;
      // A module that fails its checks is left to the ThreadRuntime, which rejects the config by plugin name.
      try { modules.set(p.codePath, loadWasmModule(p.codePath)); } catch { /* reported by ThreadRuntime.create */ }
    }
    const common = { config: emu.config, modules, reloadBackoffMs: opts.reloadBackoffMs };
    emu.main = await ThreadRuntime.create({ ...common, env: emu.#env(0), role: "main" });
    for (let i = 1; i <= (opts.workers ?? 1); i++) {
      emu.workers.push(await ThreadRuntime.create({ ...common, env: emu.#env(i), role: "worker" }));
    }
    emu.runPending();
    return emu;
  }

  private constructor(opts: EmulatorOptions) {
    this.config = configFrom(opts);
    this.store = opts.store ?? SharedStore.create({ bytes: 1 << 22 });
    this.logLevel = LogLevel[opts.logLevel ?? "info"];
    this.#wallStart = opts.wallClockStartMs ?? 1_700_000_000_000;
    const startNs = BigInt(this.#wallStart) * 1_000_000n;
    this.#wallStartLo = Number(startNs & 0xffffffffn);
    this.#wallStartHi = Number(startNs >> 32n);
    this.autoConnectUpstream = opts.autoConnectUpstream ?? true;
    this.#logSink = opts.logSink;
  }

  #env(threadId: number): ThreadEnv {
    return {
      threadId,
      store: this.store,
      wallTimeNs: () => BigInt(this.#wallStart + this.#now) * 1_000_000n,
      // The real host's form of the same clock (network/thread-env.ts), so the clock a module reads
      // here takes the host's own path.
      wallTimeNsInto: (out) => addU64Halves(this.#wallStartLo, this.#wallStartHi, this.#now * 1_000_000, out),
      monotonicNs: () => BigInt(this.#now) * 1_000_000n,
      setTimer: (delayMs, fn) => {
        const t: Timer = { id: ++this.#timerSeq, due: this.#now + Math.max(0, delayMs), delayMs: Math.max(0, delayMs), fn, cancelled: false };
        this.#timers.push(t);
        return t;
      },
      cancelTimer: (h) => { (h as Timer).cancelled = true; },
      restartTimer: (h) => {
        // Pending or fired, it runs again delayMs from now (ordered as a new timer, like setTimer).
        const t = h as Timer;
        t.id = ++this.#timerSeq;
        t.due = this.#now + t.delayMs;
        t.cancelled = false;
        if (!this.#timers.includes(t)) this.#timers.push(t); // a fired timer may not be swept out yet
      },
      postQueueReady: (owner: QueueOwner, token: number) => {
        this.#pending.push(() => this.runtime(owner.threadId)?.deliverQueueReady(owner.vmInstanceId, owner.rootContextId, token));
      },
      wasmLogLevel: () => this.logLevel,
      emitLog: (level, component, line) => {
        const entry = { threadId, level, component, line };
        this.#logs.push(entry);
        this.#logSink?.(entry);
      },
    };
  }

  /** The runtime of a thread: 0 = main, 1..N = workers. */
  runtime(threadId: number): ThreadRuntime | undefined {
    return threadId === 0 ? this.main : this.workers[threadId - 1];
  }

  /** Virtual ms since the emulator started. */
  get nowMs(): number { return this.#now; }

  /** Runs posted work (queue wake-ups, connection events) and timers already due, in order. */
  runPending(): void {
    for (let steps = 0; steps < MAX_DRAIN_STEPS; steps++) {
      const task = this.#pending.shift();
      if (task) { task(); continue; }
      const due = this.#nextTimer(this.#now);
      if (!due) return;
      this.#fire(due);
    }
    throw new Error(`Emulator.runPending: more than ${MAX_DRAIN_STEPS} steps; a callback keeps re-posting work`);
  }

  /** Moves the virtual clock forward, firing due timers (ticks) in time order. */
  advanceTime(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advanceTime: ms must be >= 0 (got ${ms})`);
    const target = this.#now + ms;
    this.runPending();
    for (let steps = 0; steps < MAX_DRAIN_STEPS; steps++) {
      const t = this.#nextTimer(target);
      if (!t) break;
      this.#now = t.due;
      this.#fire(t);
      this.runPending();
    }
    this.#now = target;
    this.runPending();
  }

  #nextTimer(limit: number): Timer | undefined {
    this.#timers = this.#timers.filter((t) => !t.cancelled);
    let best: Timer | undefined;
    for (const t of this.#timers) if (t.due <= limit && (!best || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
    return best;
  }

  #fire(t: Timer): void {
    t.cancelled = true;
    t.fn();
  }

  post(fn: () => void): void {
    this.#pending.push(fn);
  }

  /** A virtual downstream connection accepted on a worker (default: worker 1, the first listener). */
  connect(opts: { worker?: number; listener?: string; source?: SocketAddress; autoConnectUpstream?: boolean } = {}): VirtualConnection {
    const worker = opts.worker ?? 1;
    const rt = this.workers[worker - 1];
    if (!rt) throw new RangeError(`Emulator.connect: no worker ${worker} (have ${this.workers.length})`);
    const listenerName = opts.listener ?? this.config.listeners[0]?.name;
    const listener = this.config.listeners.find((l) => l.name === listenerName);
    if (!listener) throw new Error(`Emulator.connect: no listener named "${listenerName}"`);
    const id = this.#nextConnectionId++;
    const tcp = listener.filters.find((f) => f.kind === "tcp_proxy");
    const cluster = this.config.clusters.find((c) => tcp?.kind === "tcp_proxy" && c.name === tcp.cluster);
    const upstream = cluster?.endpoints[0] ?? { address: "127.0.0.1", port: 9000 };
    const conn = new VirtualConnection(this, id, opts.source ?? { address: "10.0.0.1", port: 40000 + Number(id) }, listener.address,
      upstream, opts.autoConnectUpstream ?? this.autoConnectUpstream);
    conn.handler = rt.createConnection(listener.name, conn);
    conn.handler.onNewConnection();
    this.runPending();
    return conn;
  }

  // read-outs ---------------------------------------------------------------------------------

  logEntries(): LogEntry[] { return [...this.#logs]; }

  /** Log lines, optionally only those at one level. */
  logs(level?: LogLevelName): string[] {
    const want = level === undefined ? undefined : LogLevel[level];
    return this.#logs.filter((l) => want === undefined || l.level === want).map((l) => l.line);
  }

  clearLogs(): void { this.#logs = []; }

  /** A stat's value by full name ("wasmcustom.x") or by the name the module defined ("x"). */
  metric(name: string): bigint | undefined {
    const all = this.store.snapshotMetrics();
    const m = all.find((s) => s.name === name) ?? all.find((s) => s.name === `wasmcustom.${name}`);
    return m?.value;
  }

  sharedData(vmId: string, key: string): { value: Uint8Array; cas: number } | undefined {
    return this.store.getData(vmId, key);
  }

  queueSize(vmId: string, name: string): number | undefined {
    const token = this.store.resolveQueue(vmId, name);
    return token === 0 ? undefined : this.store.queueSize(token);
  }

  shutdown(): void {
    for (const w of this.workers) w.shutdown();
    this.main.shutdown();
    this.runPending();
  }
}

/** A downstream connection and its (virtual) upstream, driven by the test. */
export class VirtualConnection implements Transport, UpstreamAddressSource {
  readonly connectionId: bigint;
  readonly source: SocketAddress;
  readonly destination: SocketAddress;
  handler!: ConnectionHandler;
  readonly #emu: Emulator;
  readonly #auto: boolean;
  upstreamRequested = false;
  upstreamState: "none" | "connecting" | "connected" | "refused" | "closed" = "none";
  /** The host closed the upstream (tcp_proxy after the downstream went away). */
  upstreamClosedByHost = false;
  readDisabled = false;
  /** How the downstream ended: by the host (local, with flush and reason) or by the client. */
  closed: { by: "host" | "client"; flush: boolean; reason: string } | undefined;
  readonly toUpstream: Uint8Array[] = [];
  readonly toDownstream: Uint8Array[] = [];
  upstreamEndStream = false;
  downstreamEndStream = false;

  readonly #upstream: SocketAddress;

  constructor(emu: Emulator, id: bigint, source: SocketAddress, destination: SocketAddress, upstream: SocketAddress, auto: boolean) {
    this.#emu = emu;
    this.connectionId = id;
    this.source = source;
    this.destination = destination;
    this.#upstream = upstream;
    this.#auto = auto;
  }

  // Transport (called by the FilterManager) ------------------------------------------------------
  connectUpstream(): void {
    this.upstreamRequested = true;
    this.upstreamState = "connecting";
    if (this.#auto) this.#emu.post(() => { if (this.upstreamState === "connecting") this.#connected(); });
  }
  writeUpstream(data: Uint8Array, endStream: boolean): void {
    if (data.length > 0) this.toUpstream.push(data.slice());
    if (endStream) this.upstreamEndStream = true;
  }
  writeDownstream(data: Uint8Array, endStream: boolean): void {
    if (data.length > 0) this.toDownstream.push(data.slice());
    if (endStream) this.downstreamEndStream = true;
  }
  closeDownstream(flush: boolean, reason: string): void {
    if (this.closed) return;
    this.closed = { by: "host", flush, reason };
    this.#emu.post(() => this.handler.onDownstreamClosed(true));
  }
  closeUpstream(): void {
    if (this.upstreamState === "connected" || this.upstreamState === "connecting") {
      this.upstreamState = "closed";
      this.upstreamClosedByHost = true;
    }
  }
  readDisable(disable: boolean): void { this.readDisabled = disable; }
  upstreamAddress(): SocketAddress | undefined {
    return this.upstreamState === "connected" ? this.#upstream : undefined;
  }

  // driver (called by the test); each drains the emulator's pending work ------------------------
  #connected(): void {
    this.upstreamState = "connected";
    this.handler.onUpstreamConnected();
  }
  #drive(fn: () => void): this {
    fn();
    this.#emu.runPending();
    return this;
  }
  downstreamData(data: string | Uint8Array, endStream = false): this {
    if (this.closed) throw new Error(`connection ${this.connectionId} is closed (${this.closed.reason})`);
    return this.#drive(() => this.handler.onDownstreamData(toBytes(data), endStream));
  }
  upstreamConnect(): this {
    if (this.upstreamState !== "connecting") throw new Error(`connection ${this.connectionId}: no upstream connect pending (${this.upstreamState})`);
    return this.#drive(() => this.#connected());
  }
  upstreamRefuse(reason = "connection refused"): this {
    return this.#drive(() => { this.upstreamState = "refused"; this.handler.onUpstreamConnectFailed(reason); });
  }
  upstreamData(data: string | Uint8Array, endStream = false): this {
    return this.#drive(() => this.handler.onUpstreamData(toBytes(data), endStream));
  }
  clientClose(): this {
    return this.#drive(() => {
      if (!this.closed) this.closed = { by: "client", flush: false, reason: "remote close" };
      this.handler.onDownstreamClosed(false);
    });
  }
  upstreamClose(reset = false): this {
    return this.#drive(() => { this.upstreamState = "closed"; this.handler.onUpstreamClosed(reset); });
  }

  // read-outs
  upstreamText(): string { return Buffer.concat(this.toUpstream).toString(); }
  downstreamText(): string { return Buffer.concat(this.toDownstream).toString(); }
}
