// The listeners of one worker thread: one SO_REUSEPORT socket per configured listener (the kernel
// spreads connections over the workers, as with Envoy's workers), each accepted socket wrapped in a
// SocketTransport and driven by the listener's ConnectionHandler.
import net from "node:net";
import type { ConnectionHandler, HostConfig, SharedStoreApi, ThreadRuntimeApi, Transport } from "../contracts.ts";
import { LogLevel } from "../contracts.ts";
import type { LogSink } from "../log/log-sink.ts";
import { FilterManager } from "../runtime/filter-manager.ts";
import { ListenerStats, PendingCounters, ServerStats, TcpProxyStats } from "./proxy-stats.ts";
import { SocketTransport } from "./socket-transport.ts";
import type { ListenerContext } from "./socket-transport.ts";
import { UpstreamCluster } from "./upstream-cluster.ts";

const SRC = "host/src/network/worker-listeners.ts";
/** How often byte counters reach the shared store. */
const STATS_FLUSH_MS = 250;

export interface WorkerListenersOptions {
  config: HostConfig;
  store: SharedStoreApi;
  log: LogSink;
  workerIndex: number;       // 0-based (Envoy's worker_N)
  nextConnectionId: () => bigint;
  /** Null when no listener has a wasm filter. */
  runtime: ThreadRuntimeApi | null;
}

export class WorkerListeners {
  private readonly opts: WorkerListenersOptions;
  private readonly servers: net.Server[] = [];
  private readonly contexts: ListenerContext[] = [];
  private readonly pending: PendingCounters;
  private flushTimer: NodeJS.Timeout | null = null;

  constructor(opts: WorkerListenersOptions) {
    this.opts = opts;
    this.pending = new PendingCounters(opts.store);
  }

  /** Binds every listener; rejects with Envoy's "cannot bind" message naming the address. */
  async start(): Promise<void> {
    const { config, store, log, runtime, workerIndex } = this.opts;
    const serverStats = new ServerStats(store);
    const clusters = new Map<string, UpstreamCluster>();
    for (const c of config.clusters) clusters.set(c.name, new UpstreamCluster(c, store, this.pending));
    for (const spec of config.listeners) {
      const tcp = spec.filters[spec.filters.length - 1];
      if (tcp === undefined || tcp.kind !== "tcp_proxy") {
        throw new Error(`listener '${spec.name}': the last network filter must be tcp_proxy`);
      }
      const cluster = clusters.get(tcp.cluster);
      if (cluster === undefined) throw new Error(`listener '${spec.name}': unknown cluster '${tcp.cluster}'`);
      const tcpStats = new TcpProxyStats(store, tcp.statPrefix);
      const wasm = spec.filters.some((f) => f.kind === "wasm");
      if (wasm && runtime === null) throw new Error(`listener '${spec.name}' has wasm filters but no runtime`);
      const name = spec.name;
      // Without wasm filters Envoy still runs its network filter manager with tcp_proxy as the only
      // read filter: the same FilterManager and tcp_proxy here, so a listener behaves the same (read
      // disabled while the upstream connects, downstream closed with FlushWrite when the upstream
      // closes) with or without filters, and a benchmark's "no filter" baseline differs from the
      // filtered case by the filters alone.
      const tcpLog = (level: number, line: string): void => log.log(level, "filter", SRC, line);
      const createHandler = wasm
        ? (t: Transport): ConnectionHandler => runtime!.createConnection(name, t)
        : (t: Transport): ConnectionHandler => new FilterManager({ transport: t, filters: [], tcpProxy: tcp, log: tcpLog });
      const ctx: ListenerContext = {
        name, store, log, pending: this.pending, serverStats, cluster, createHandler,
        listenerStats: new ListenerStats(store, spec.address, workerIndex),
        tcpStats,
        tcpRxSlot: this.pending.slot(tcpStats.rxBytesTotal),
        tcpTxSlot: this.pending.slot(tcpStats.txBytesTotal),
        connections: new Set(),
      };
      this.contexts.push(ctx);
      const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
        new SocketTransport(ctx, socket, this.opts.nextConnectionId()).start();
      });
      server.on("error", (err) => log.log(LogLevel.error, "main", SRC, `listener '${name}': ${err.message}`));
      await new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          const why = err.code === "EADDRINUSE" ? "Address already in use" : err.message;
          reject(new Error(`cannot bind '${spec.address.address}:${spec.address.port}': ${why}`));
        };
        server.once("error", onError);
        server.listen({ host: spec.address.address, port: spec.address.port, reusePort: true }, () => {
          server.off("error", onError);
          resolve();
        });
      });
      this.servers.push(server);
      log.log(LogLevel.debug, "main", SRC, `worker_${workerIndex} listening on ${spec.address.address}:${spec.address.port} (${name})`);
    }
    this.flushTimer = setInterval(() => this.pending.flush(), STATS_FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Stops accepting, closes every connection, flushes counters. */
  async stop(): Promise<void> {
    // close() waits for open connections, so abort them after it stopped accepting.
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const ctx of this.contexts) for (const c of [...ctx.connections]) c.abort();
    await closed;
    if (this.flushTimer !== null) clearInterval(this.flushTimer);
    this.pending.flush();
  }

  flushStats(): void {
    this.pending.flush();
  }
}
