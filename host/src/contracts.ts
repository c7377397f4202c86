// Contracts between the host's parts. Each part is built and tested on its own against these types;
// change them only together with every implementer.
//
//   config/   envoy YAML -> validated HostConfig                 (loadHostConfig)
//   store/    process-wide shared data, queues, metrics in one SharedArrayBuffer (SharedStore)
//   runtime/  a Wasm VM (one instance) + every proxy-wasm host function, the L4 filter manager,
//             and the in-process Emulator for deterministic tests
//   network/  worker threads, listeners (SO_REUSEPORT), socket Transport + tcp_proxy, main/worker wiring
//   admin/    /stats, /stats?format=json, /stats/prometheus, /ready, /listeners
//   cli.ts    Envoy-like command line

/** proxy-wasm WasmResult codes (spec 0.2.1). */
export const Status = {
  Ok: 0, NotFound: 1, BadArgument: 2, SerializationFailure: 3, ParseFailure: 4, BadExpression: 5,
  InvalidMemoryAccess: 6, Empty: 7, CasMismatch: 8, ResultMismatch: 9, InternalFailure: 10,
  BrokenConnection: 11, Unimplemented: 12,
} as const;

/** Envoy/spdlog levels as proxy-wasm numbers them; 6 = off. */
export const LogLevel = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, critical: 5, off: 6 } as const;
export type LogLevelName = keyof typeof LogLevel;

export const MetricKind = { Counter: 0, Gauge: 1, Histogram: 2 } as const;

// ---------------------------------------------------------------------------------------------
// config/  (loadHostConfig(path) -> HostConfig; throws ConfigError whose message names the field path)

export interface SocketAddress { address: string; port: number }

/** envoy.extensions.wasm.v3.PluginConfig, reduced to what the host implements. */
export interface PluginSpec {
  name: string;            // PluginConfig.name ("" allowed)
  rootId: string;          // PluginConfig.root_id ("" allowed)
  vmId: string;            // vm_config.vm_id
  runtime: string;         // vm_config.runtime, "envoy.wasm.runtime.v8"
  codePath: string;        // vm_config.code.local.filename, resolved against the process cwd as Envoy does
  vmConfiguration: Uint8Array;     // vm_config.configuration (StringValue/BytesValue raw bytes; empty if unset)
  pluginConfiguration: Uint8Array; // configuration (StringValue raw, Struct as JSON, empty if unset)
  failOpen: boolean;       // fail_open / failure_policy FAIL_OPEN
  failurePolicy: "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD";
  environmentVariables: Record<string, string>; // vm_config.environment_variables.key_values
}

export interface WasmNetworkFilterSpec { kind: "wasm"; plugin: PluginSpec }
export interface TcpProxySpec { kind: "tcp_proxy"; statPrefix: string; cluster: string }
export type NetworkFilterSpec = WasmNetworkFilterSpec | TcpProxySpec;

export interface ListenerSpec {
  name: string;
  address: SocketAddress;
  /** wasm filters in order, then exactly one tcp_proxy last. */
  filters: NetworkFilterSpec[];
}

export interface ClusterSpec {
  name: string;
  connectTimeoutMs: number;     // connect_timeout (default 5000 as Envoy)
  endpoints: SocketAddress[];   // STATIC load_assignment, round robin
}

export interface StatsTagSpec { tagName: string; regex: string }

export interface HostConfig {
  path: string;
  admin?: SocketAddress;
  listeners: ListenerSpec[];
  clusters: ClusterSpec[];
  /** bootstrap_extensions envoy.bootstrap.wasm (singleton: true). */
  wasmServices: PluginSpec[];
  statsTags: StatsTagSpec[];    // stats_config.stats_tags (tag_name + regex)
  useAllDefaultTags: boolean;   // stats_config.use_all_default_tags; unset is true, as in Envoy (admin/tag-extractors.ts)
}

// ---------------------------------------------------------------------------------------------
// store/  SharedStore: one SharedArrayBuffer shared by the main thread and every worker thread.
// Every call is synchronous and atomic (a lock inside the buffer), like Envoy's mutex-guarded maps.

/** Who gets proxy_on_queue_ready for a queue: the last registrant (Envoy semantics). */
export interface QueueOwner { threadId: number; vmInstanceId: number; rootContextId: number }

export interface MetricSnapshot {
  name: string;                 // full stat name, e.g. "wasmcustom.sentinel_pass" or "listener.x.downstream_cx_total"
  kind: 0 | 1 | 2;
  value: bigint;                // counter / gauge value (0n for histograms)
  histogram?: { bounds: number[]; cumulativeCounts: bigint[]; count: bigint; sum: number };
}

export interface SharedStoreApi {
  readonly buffer: SharedArrayBuffer;
  // shared data (keyed by vm_id, then key). get: undefined if absent. set: Status.Ok | Status.CasMismatch.
  getData(vmId: string, key: string): { value: Uint8Array; cas: number } | undefined;
  setData(vmId: string, key: string, value: Uint8Array, cas: number): number;
  // queues: tokens are process-global from 1. resolve returns 0 when not registered.
  registerQueue(vmId: string, name: string, owner: QueueOwner): number;
  resolveQueue(vmId: string, name: string): number;
  queueOwner(token: number): QueueOwner | undefined;
  enqueue(token: number, value: Uint8Array): number;                // Ok | NotFound
  dequeue(token: number): Uint8Array | number;                     // bytes, or Status.Empty / Status.NotFound
  queueSize(token: number): number;
  // metrics: one stat per full name process-wide. define returns a stat index (>= 0), or -1 when the
  // name exists with another kind.
  defineMetric(kind: 0 | 1 | 2, name: string): number;
  counterAdd(stat: number, delta: bigint): void;
  gaugeAdd(stat: number, delta: bigint): void;
  gaugeSet(stat: number, value: bigint): void;
  histogramRecord(stat: number, value: number): void;
  metricValue(stat: number): bigint;
  metricKind(stat: number): number;
  snapshotMetrics(): MetricSnapshot[];
}

// ---------------------------------------------------------------------------------------------
// runtime/  What a VM needs from the thread it lives on. The real host (network/) and the Emulator
// each provide one ThreadEnv per thread (main = threadId 0, workers 1..N).

export interface ThreadEnv {
  readonly threadId: number;
  readonly store: SharedStoreApi;
  /** proxy_get_current_time_nanoseconds and WASI clock 0 (wall clock). */
  wallTimeNs(): bigint;
  /**
   * Optional: the same clock as out[0] = low 32 bits, out[1] = high 32 bits, without allocating (a
   * BigInt per read is garbage on a path every connection takes twice).
   */
  wallTimeNsInto?(out: Uint32Array): void;
  /** WASI clock 1 and timer scheduling (monotonic). */
  monotonicNs(): bigint;
  /** One-shot timer on this thread; returns a handle for cancelTimer / restartTimer. */
  setTimer(delayMs: number, fn: () => void): unknown;
  cancelTimer(handle: unknown): void;
  /**
   * Arms a timer again, whether pending or already fired (not cancelled), for its delay counted
   * from now, with the same callback: a tick re-armed with an unchanged period costs no new timer.
   */
  restartTimer(handle: unknown): void;
  /** Post proxy_on_queue_ready(token) to the owner's thread: always asynchronous, one per enqueue. */
  postQueueReady(owner: QueueOwner, token: number): void;
  /** The `wasm` component's current level (LogLevel number). */
  wasmLogLevel(): number;
  /** Emit one already-formatted log line at a level (the sink applies nothing more). */
  emitLog(level: number, component: string, line: string): void;
}

/** Peer type for on_downstream_connection_close / on_upstream_connection_close. */
export const PeerType = { Unknown: 0, Local: 1, Remote: 2 } as const;

/**
 * One downstream connection as the L4 filter manager sees it. Implemented over net.Socket by
 * network/ and virtually by the Emulator. The FilterManager owns the wasm filters and the tcp_proxy
 * decision logic (when to connect upstream, what to forward); the Transport only moves bytes.
 */
export interface Transport {
  readonly connectionId: bigint;
  readonly source: SocketAddress;       // downstream peer
  readonly destination: SocketAddress;  // local address the listener accepted on
  /** tcp_proxy: open the upstream connection (once). Result arrives via FilterManager.onUpstreamConnected/Failed. */
  connectUpstream(): void;
  /** Forward bytes (possibly empty with endStream) to the upstream. */
  writeUpstream(data: Uint8Array, endStream: boolean): void;
  /** Write bytes (possibly empty with endStream) to the downstream client. */
  writeDownstream(data: Uint8Array, endStream: boolean): void;
  /** Close the downstream connection. flush: after pending writes (Envoy FlushWrite). */
  closeDownstream(flush: boolean, reason: string): void;
  /** Close the upstream connection, if any. */
  closeUpstream(): void;
  /** Stop/resume reading the downstream socket (backpressure, or a filter returning StopIteration keeps reading). */
  readDisable(disable: boolean): void;
}

// ---------------------------------------------------------------------------------------------
// runtime/ -> network/  What one thread of the real host runs. Built by runtime/thread-runtime.ts.
//
//   main thread:   const rt = await ThreadRuntime.create({ config, env, role: "main", modules })
//                  -> runs the canary of every plugin (a false from vm_start/configure rejects the
//                     config: create() throws ConfigRejected naming the plugin), then starts every
//                     singleton WasmService VM.
//   worker thread: const rt = await ThreadRuntime.create({ config, env, role: "worker", modules })
//                  -> one VM per distinct vm_key per worker, one root context per plugin; then for
//                     each accepted socket: rt.createConnection(listenerName, transport)
//   any thread:    rt.deliverQueueReady(vmInstanceId, rootContextId, token) when a posted
//                  queue-ready notification arrives for this thread.

export interface ConnectionHandler {
  /** The socket was accepted (Envoy: read filters initialised -> on_new_connection). */
  onNewConnection(): void;
  /** Bytes read from the downstream socket (eos: the client half-closed). */
  onDownstreamData(chunk: Uint8Array, endStream: boolean): void;
  onUpstreamConnected(): void;
  /** tcp_proxy could not connect (refused, timeout): the downstream connection is closed. */
  onUpstreamConnectFailed(reason: string): void;
  /** Bytes read from the upstream socket (eos: upstream half-closed / FIN). */
  onUpstreamData(chunk: Uint8Array, endStream: boolean): void;
  /** The upstream socket is fully closed (after FIN both ways, or reset). */
  onUpstreamClosed(reset: boolean): void;
  /** The downstream socket is fully closed. local: we closed it (LocalClose), else RemoteClose. */
  onDownstreamClosed(local: boolean): void;
}

export interface ThreadRuntimeApi {
  createConnection(listenerName: string, transport: Transport): ConnectionHandler;
  deliverQueueReady(vmInstanceId: number, rootContextId: number, token: number): void;
  /** on_done/on_delete for every root context, in order; stop timers. */
  shutdown(): void;
}
