// One downstream connection of the real host: the Transport the ConnectionHandler (the network filter
// manager, with or without wasm filters) drives, over a downstream net.Socket and the upstream one tcp_proxy opens.
//   - half-close both ways (allowHalfOpen): a FIN is passed on as endStream and the sockets close only
//     when both directions are done;
//   - backpressure both ways: a write that returns false pauses the opposite socket until 'drain';
//   - connect_timeout / refused: upstream_cx_connect_fail, then onUpstreamConnectFailed;
//   - nothing reaches the handler after the downstream connection has closed.
import net from "node:net";
import { performance } from "node:perf_hooks";
import { LogLevel } from "../contracts.ts";
import type { ConnectionHandler, SharedStoreApi, SocketAddress, Transport } from "../contracts.ts";
import type { LogSink } from "../log/log-sink.ts";
import type { ListenerStats, PendingCounters, ServerStats, TcpProxyStats } from "./proxy-stats.ts";
import type { UpstreamCluster } from "./upstream-cluster.ts";

const SRC = "host/src/network/socket-transport.ts";
const EMPTY = new Uint8Array(0);
/** Envoy's delayed_close_timeout default: a FlushWrite close waits at most this long for the peer. */
const DELAYED_CLOSE_TIMEOUT_MS = 1000;

/** end() after the queued writes, then destroy; a peer that never reads cannot hold the socket open. */
function flushThenDestroy(socket: net.Socket): void {
  socket.pause();
  const timer = setTimeout(() => socket.destroy(), DELAYED_CLOSE_TIMEOUT_MS);
  socket.end(() => {
    clearTimeout(timer);
    socket.destroy();
  });
  socket.once("close", () => clearTimeout(timer));
}

/** What every connection of one listener on one worker shares. */
export interface ListenerContext {
  readonly name: string;
  readonly store: SharedStoreApi;
  readonly pending: PendingCounters;
  readonly log: LogSink;
  readonly listenerStats: ListenerStats;
  readonly serverStats: ServerStats;
  readonly tcpStats: TcpProxyStats;
  readonly tcpRxSlot: number;
  readonly tcpTxSlot: number;
  readonly cluster: UpstreamCluster;
  readonly connections: Set<SocketTransport>;
  createHandler(transport: Transport): ConnectionHandler;
}

export class SocketTransport implements Transport {
  readonly connectionId: bigint;
  readonly source: SocketAddress;
  readonly destination: SocketAddress;
  private readonly ctx: ListenerContext;
  private readonly ds: net.Socket;
  private us: net.Socket | null = null;
  private handler: ConnectionHandler | null = null;
  private readonly openedAtMs: number;
  private upstreamStartMs = 0;
  private connectTimer: NodeJS.Timeout | null = null;
  private upstreamConnected = false;
  private upstreamTimedOut = false;
  private upstreamClosedLocally = false;
  private upstreamError = "";
  /** Kept after connect: a closed socket no longer reports its peer. */
  private upstreamPeer: SocketAddress | undefined;
  private downstreamClosed = false;
  private closedLocally = false;
  private filterReadDisabled = false;
  /** Downstream reading paused because the upstream socket's write buffer is full. */
  private downstreamBackpressured = false;
  /** Upstream reading paused because the downstream socket's write buffer is full. */
  private upstreamBackpressured = false;
  /** Bytes a handler wrote before asking for the upstream connection. */
  private preConnect: { data: Uint8Array; end: boolean }[] = [];

  constructor(ctx: ListenerContext, socket: net.Socket, connectionId: bigint) {
    this.ctx = ctx;
    this.ds = socket;
    this.connectionId = connectionId;
    this.openedAtMs = performance.now();
    this.source = { address: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
    this.destination = { address: socket.localAddress ?? "", port: socket.localPort ?? 0 };
  }

  /** Called once by the listener after accept. */
  start(): void {
    const { store, listenerStats: ls, tcpStats, serverStats } = this.ctx;
    store.counterAdd(ls.cxTotal, 1n);
    store.gaugeAdd(ls.cxActive, 1n);
    store.counterAdd(ls.workerCxTotal, 1n);
    store.gaugeAdd(ls.workerCxActive, 1n);
    store.counterAdd(tcpStats.cxTotal, 1n);
    store.gaugeAdd(serverStats.totalConnections, 1n);
    this.ctx.connections.add(this);
    const ds = this.ds;
    ds.setNoDelay(true);
    ds.on("data", (chunk: Buffer) => this.onDownstreamRead(chunk));
    ds.on("end", () => this.guard(() => this.handler!.onDownstreamData(EMPTY, true)));
    ds.on("error", (err) => this.debug(`downstream error: ${err.message}`));
    ds.on("close", () => this.onDownstreamSocketClosed());
    this.debug(`new connection from ${this.source.address}:${this.source.port}`);
    this.handler = this.ctx.createHandler(this);
    this.guard(() => this.handler!.onNewConnection());
  }

  connectUpstream(): void {
    if (this.us !== null || this.downstreamClosed) return;
    const { cluster, store } = this.ctx;
    const ep = cluster.nextEndpoint();
    store.counterAdd(cluster.stats.cxTotal, 1n);
    this.upstreamStartMs = performance.now();
    const us = net.connect({ host: ep.address, port: ep.port, allowHalfOpen: true, noDelay: true });
    this.us = us;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      this.upstreamTimedOut = true;
      store.counterAdd(cluster.stats.cxConnectTimeout, 1n);
      us.destroy();
    }, cluster.spec.connectTimeoutMs);
    us.on("connect", () => this.onUpstreamSocketConnected());
    us.on("data", (chunk: Buffer) => this.onUpstreamRead(chunk));
    us.on("end", () => {
      if (!this.downstreamClosed) this.guard(() => this.handler!.onUpstreamData(EMPTY, true));
    });
    us.on("error", (err: NodeJS.ErrnoException) => {
      this.upstreamError = err.code ?? err.message;
      this.debug(`upstream error: ${err.message}`);
    });
    us.on("close", (hadError: boolean) => this.onUpstreamSocketClosed(hadError));
    const queued = this.preConnect;
    this.preConnect = [];
    for (const w of queued) this.writeUpstream(w.data, w.end);
  }

  writeUpstream(data: Uint8Array, endStream: boolean): void {
    const us = this.us;
    if (us === null) {
      if (!this.downstreamClosed) this.preConnect.push({ data, end: endStream });
      return;
    }
    if (us.destroyed || us.writableEnded) return;
    if (data.length > 0) {
      this.ctx.pending.add(this.ctx.cluster.txSlot, data.length);
      if (!us.write(data) && !this.downstreamBackpressured) {
        this.downstreamBackpressured = true;
        this.ctx.store.counterAdd(this.ctx.tcpStats.pausedReadingTotal, 1n);
        this.applyDownstreamReading();
        us.once("drain", () => {
          this.downstreamBackpressured = false;
          this.ctx.store.counterAdd(this.ctx.tcpStats.resumedReadingTotal, 1n);
          this.applyDownstreamReading();
        });
      }
    }
    if (endStream) us.end();
  }

  writeDownstream(data: Uint8Array, endStream: boolean): void {
    const ds = this.ds;
    if (ds.destroyed || ds.writableEnded) return;
    if (data.length > 0) {
      this.ctx.pending.add(this.ctx.tcpTxSlot, data.length);
      const us = this.us;
      if (!ds.write(data) && us !== null && !this.upstreamBackpressured) {
        this.upstreamBackpressured = true;
        this.ctx.store.counterAdd(this.ctx.cluster.stats.pausedReadingTotal, 1n);
        us.pause();
        ds.once("drain", () => {
          this.upstreamBackpressured = false;
          this.ctx.store.counterAdd(this.ctx.cluster.stats.resumedReadingTotal, 1n);
          if (!us.destroyed) us.resume();
        });
      }
    }
    if (endStream) ds.end();
  }

  closeDownstream(flush: boolean, reason: string): void {
    if (this.downstreamClosed || this.closedLocally) return;
    this.closedLocally = true;
    this.debug(`closing downstream (${flush ? "FlushWrite" : "NoFlush"}): ${reason}`);
    const ds = this.ds;
    if (flush && ds.writableLength > 0) {
      flushThenDestroy(ds);
    } else {
      ds.destroy();
    }
  }

  closeUpstream(): void {
    const us = this.us;
    if (us === null || us.destroyed) return;
    this.upstreamClosedLocally = true;
    if (this.upstreamConnected && us.writableLength > 0) {
      // Envoy closes the upstream with FlushWrite after a downstream close: queued bytes still go out.
      flushThenDestroy(us);
    } else {
      us.destroy();
    }
  }

  /** runtime/'s optional UpstreamAddressSource: the upstream.address/port properties. */
  upstreamAddress(): SocketAddress | undefined {
    return this.upstreamPeer;
  }

  readDisable(disable: boolean): void {
    this.filterReadDisabled = disable;
    this.applyDownstreamReading();
  }

  /** Server shutdown: both sockets go at once. */
  abort(): void {
    this.closeDownstream(false, "server shutdown");
    this.closeUpstream();
  }

  private applyDownstreamReading(): void {
    const ds = this.ds;
    if (ds.destroyed) return;
    const pause = this.filterReadDisabled || this.downstreamBackpressured;
    if (pause && !ds.isPaused()) ds.pause();
    else if (!pause && ds.isPaused()) ds.resume();
  }

  private onDownstreamRead(chunk: Buffer): void {
    this.ctx.pending.add(this.ctx.tcpRxSlot, chunk.length);
    if (this.downstreamClosed || this.closedLocally) return;
    // try/catch inline rather than guard(): no closure per read on the hot path.
    try {
      this.handler!.onDownstreamData(chunk, false);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  private onUpstreamRead(chunk: Buffer): void {
    this.ctx.pending.add(this.ctx.cluster.rxSlot, chunk.length);
    if (this.downstreamClosed) return;
    try {
      this.handler!.onUpstreamData(chunk, false);
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  private onUpstreamSocketConnected(): void {
    const { store, cluster } = this.ctx;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.upstreamConnected = true;
    const us = this.us!;
    this.upstreamPeer = { address: us.remoteAddress ?? "", port: us.remotePort ?? 0 };
    store.gaugeAdd(cluster.stats.cxActive, 1n);
    store.histogramRecord(cluster.stats.cxConnectMs, performance.now() - this.upstreamStartMs);
    if (this.downstreamClosed) {
      this.us!.destroy();
      return;
    }
    this.guard(() => this.handler!.onUpstreamConnected());
  }

  private onUpstreamSocketClosed(hadError: boolean): void {
    const { store, cluster } = this.ctx;
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    if (!this.upstreamConnected) {
      store.counterAdd(cluster.stats.cxConnectFail, 1n);
      const reason = this.upstreamTimedOut ? "connect timeout" : this.upstreamError || "connect failed";
      if (!this.downstreamClosed && !this.upstreamClosedLocally) {
        this.debug(`upstream connect failed: ${reason}`);
        this.guard(() => this.handler!.onUpstreamConnectFailed(reason));
      }
      return;
    }
    store.gaugeAdd(cluster.stats.cxActive, -1n);
    store.counterAdd(cluster.stats.cxDestroy, 1n);
    store.counterAdd(this.upstreamClosedLocally ? cluster.stats.cxDestroyLocal : cluster.stats.cxDestroyRemote, 1n);
    store.histogramRecord(cluster.stats.cxLengthMs, performance.now() - this.upstreamStartMs);
    if (!this.downstreamClosed) this.guard(() => this.handler!.onUpstreamClosed(hadError));
  }

  private onDownstreamSocketClosed(): void {
    if (this.downstreamClosed) return;
    this.downstreamClosed = true;
    const { store, listenerStats: ls, serverStats } = this.ctx;
    store.counterAdd(ls.cxDestroy, 1n);
    store.gaugeAdd(ls.cxActive, -1n);
    store.gaugeAdd(ls.workerCxActive, -1n);
    store.gaugeAdd(serverStats.totalConnections, -1n);
    store.histogramRecord(ls.cxLengthMs, performance.now() - this.openedAtMs);
    this.ctx.connections.delete(this);
    this.debug(`closed (${this.closedLocally ? "local" : "remote"})`);
    this.guard(() => this.handler!.onDownstreamClosed(this.closedLocally));
    // The handler normally closes the upstream; make sure no socket outlives its connection.
    this.closeUpstream();
  }

  /** A throwing handler is a host bug: log it and drop the connection rather than the worker. */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  private handlerFailed(err: unknown): void {
    this.ctx.log.log(LogLevel.error, "connection", SRC,
      `[Tags: "ConnectionId":"${this.connectionId}"] handler failed: ${(err as Error).stack ?? err}`);
    if (!this.downstreamClosed) {
      this.closedLocally = true;
      this.ds.destroy();
    }
    this.closeUpstream();
  }

  private debug(msg: string): void {
    const log = this.ctx.log;
    if (log.enabled(LogLevel.debug, "connection")) {
      log.emit(LogLevel.debug, "connection", SRC, `[Tags: "ConnectionId":"${this.connectionId}"] ${msg}`);
    }
  }
}
