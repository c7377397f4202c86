// Envoy's listener, tcp_proxy, cluster and server stats, defined once per thread in the SharedStore so
// the hot path only adds to pre-resolved stat indices. Names follow Envoy's docs:
//   listener.<ip>_<port>.{downstream_cx_total,downstream_cx_destroy,downstream_cx_active,downstream_cx_length_ms}
//   listener.<ip>_<port>.worker_<n>.{downstream_cx_total,downstream_cx_active}   (per-handler stats)
//   tcp.<stat_prefix>.{downstream_cx_total,downstream_cx_rx_bytes_total,downstream_cx_tx_bytes_total,
//                      downstream_flow_control_paused_reading_total,..._resumed_reading_total}
//   cluster.<name>.{upstream_cx_total,upstream_cx_active,upstream_cx_connect_fail,upstream_cx_connect_timeout,
//                   upstream_cx_rx_bytes_total,upstream_cx_tx_bytes_total,upstream_cx_destroy,
//                   upstream_cx_destroy_local,upstream_cx_destroy_remote,upstream_cx_connect_ms,upstream_cx_length_ms,
//                   upstream_flow_control_paused_reading_total,upstream_flow_control_resumed_reading_total}
//   server.{concurrency,live,uptime,total_connections,state}
import { MetricKind } from "../contracts.ts";
import type { SharedStoreApi, SocketAddress } from "../contracts.ts";

function define(store: SharedStoreApi, kind: 0 | 1 | 2, name: string): number {
  const stat = store.defineMetric(kind, name);
  if (stat < 0) throw new Error(`stat ${name} already exists with another type`);
  return stat;
}

/**
 * Envoy's listener stat prefix: the address as Envoy prints it ("127.0.0.1:10000", "[::1]:10000") with
 * ':' replaced by '_', e.g. listener.127.0.0.1_10000 or listener.[__1]_10000.
 */
export function listenerStatPrefix(address: SocketAddress): string {
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return `listener.${host}:${address.port}`.replace(/:/g, "_");
}

export class ListenerStats {
  readonly cxTotal: number;
  readonly cxDestroy: number;
  readonly cxActive: number;
  readonly cxLengthMs: number;
  readonly workerCxTotal: number;
  readonly workerCxActive: number;

  /** workerIndex: Envoy's per-handler stats use worker_0..worker_{N-1}. */
  constructor(store: SharedStoreApi, address: SocketAddress, workerIndex: number) {
    const p = listenerStatPrefix(address);
    this.cxTotal = define(store, MetricKind.Counter, `${p}.downstream_cx_total`);
    this.cxDestroy = define(store, MetricKind.Counter, `${p}.downstream_cx_destroy`);
    this.cxActive = define(store, MetricKind.Gauge, `${p}.downstream_cx_active`);
    this.cxLengthMs = define(store, MetricKind.Histogram, `${p}.downstream_cx_length_ms`);
    this.workerCxTotal = define(store, MetricKind.Counter, `${p}.worker_${workerIndex}.downstream_cx_total`);
    this.workerCxActive = define(store, MetricKind.Gauge, `${p}.worker_${workerIndex}.downstream_cx_active`);
  }
}

export class TcpProxyStats {
  readonly cxTotal: number;
  readonly rxBytesTotal: number;
  readonly txBytesTotal: number;
  readonly pausedReadingTotal: number;
  readonly resumedReadingTotal: number;

  constructor(store: SharedStoreApi, statPrefix: string) {
    const p = `tcp.${statPrefix}`;
    this.cxTotal = define(store, MetricKind.Counter, `${p}.downstream_cx_total`);
    this.rxBytesTotal = define(store, MetricKind.Counter, `${p}.downstream_cx_rx_bytes_total`);
    this.txBytesTotal = define(store, MetricKind.Counter, `${p}.downstream_cx_tx_bytes_total`);
    this.pausedReadingTotal = define(store, MetricKind.Counter, `${p}.downstream_flow_control_paused_reading_total`);
    this.resumedReadingTotal = define(store, MetricKind.Counter, `${p}.downstream_flow_control_resumed_reading_total`);
  }
}

export class ClusterStats {
  readonly cxTotal: number;
  readonly cxActive: number;
  readonly cxConnectFail: number;
  readonly cxConnectTimeout: number;
  readonly cxRxBytesTotal: number;
  readonly cxTxBytesTotal: number;
  readonly cxDestroy: number;
  readonly cxDestroyLocal: number;
  readonly cxDestroyRemote: number;
  readonly cxConnectMs: number;
  readonly cxLengthMs: number;
  readonly pausedReadingTotal: number;
  readonly resumedReadingTotal: number;
  readonly membershipTotal: number;

  constructor(store: SharedStoreApi, clusterName: string) {
    const p = `cluster.${clusterName}`;
    this.cxTotal = define(store, MetricKind.Counter, `${p}.upstream_cx_total`);
    this.cxActive = define(store, MetricKind.Gauge, `${p}.upstream_cx_active`);
    this.cxConnectFail = define(store, MetricKind.Counter, `${p}.upstream_cx_connect_fail`);
    this.cxConnectTimeout = define(store, MetricKind.Counter, `${p}.upstream_cx_connect_timeout`);
    this.cxRxBytesTotal = define(store, MetricKind.Counter, `${p}.upstream_cx_rx_bytes_total`);
    this.cxTxBytesTotal = define(store, MetricKind.Counter, `${p}.upstream_cx_tx_bytes_total`);
    this.cxDestroy = define(store, MetricKind.Counter, `${p}.upstream_cx_destroy`);
    this.cxDestroyLocal = define(store, MetricKind.Counter, `${p}.upstream_cx_destroy_local`);
    this.cxDestroyRemote = define(store, MetricKind.Counter, `${p}.upstream_cx_destroy_remote`);
    this.cxConnectMs = define(store, MetricKind.Histogram, `${p}.upstream_cx_connect_ms`);
    this.cxLengthMs = define(store, MetricKind.Histogram, `${p}.upstream_cx_length_ms`);
    this.pausedReadingTotal = define(store, MetricKind.Counter, `${p}.upstream_flow_control_paused_reading_total`);
    this.resumedReadingTotal = define(store, MetricKind.Counter, `${p}.upstream_flow_control_resumed_reading_total`);
    this.membershipTotal = define(store, MetricKind.Gauge, `${p}.membership_total`);
  }
}

/** Envoy's server.state gauge values. */
export const ServerState = { LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 } as const;
export type ServerStateName = keyof typeof ServerState;

export class ServerStats {
  readonly concurrency: number;
  readonly live: number;
  readonly uptime: number;
  readonly totalConnections: number;
  readonly state: number;

  constructor(store: SharedStoreApi) {
    this.concurrency = define(store, MetricKind.Gauge, "server.concurrency");
    this.live = define(store, MetricKind.Gauge, "server.live");
    this.uptime = define(store, MetricKind.Gauge, "server.uptime");
    this.totalConnections = define(store, MetricKind.Gauge, "server.total_connections");
    this.state = define(store, MetricKind.Gauge, "server.state");
  }
}

/**
 * Byte counters accumulate in a per-thread Float64Array and reach the store on flush(): adding a
 * bigint per read would allocate on the hot path. The owner flushes on a short timer and at shutdown.
 */
export class PendingCounters {
  private readonly store: SharedStoreApi;
  private stats: number[] = [];
  private values = new Float64Array(16);

  constructor(store: SharedStoreApi) {
    this.store = store;
  }

  /** Returns a local slot for a counter stat index (call at setup, not per connection). */
  slot(stat: number): number {
    const existing = this.stats.indexOf(stat);
    if (existing >= 0) return existing;
    if (this.stats.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.stats.push(stat);
    return this.stats.length - 1;
  }

  add(slot: number, n: number): void {
    this.values[slot] += n;
  }

  flush(): void {
    const v = this.values;
    for (let i = 0; i < this.stats.length; i++) {
      if (v[i] === 0) continue;
      this.store.counterAdd(this.stats[i], BigInt(v[i]));
      v[i] = 0;
    }
  }
}
