// A STATIC cluster as one worker sees it: round-robin over its endpoints (Envoy's round-robin LB keeps
// its cursor per worker) plus the cluster's stat indices.
import type { ClusterSpec, SharedStoreApi, SocketAddress } from "../contracts.ts";
import { ClusterStats, PendingCounters } from "./proxy-stats.ts";

export class UpstreamCluster {
  readonly spec: ClusterSpec;
  readonly stats: ClusterStats;
  readonly rxSlot: number;
  readonly txSlot: number;
  private cursor = 0;

  constructor(spec: ClusterSpec, store: SharedStoreApi, pending: PendingCounters) {
    if (spec.endpoints.length === 0) throw new Error(`cluster '${spec.name}' has no endpoints`);
    this.spec = spec;
    this.stats = new ClusterStats(store, spec.name);
    this.rxSlot = pending.slot(this.stats.cxRxBytesTotal);
    this.txSlot = pending.slot(this.stats.cxTxBytesTotal);
    store.gaugeSet(this.stats.membershipTotal, BigInt(spec.endpoints.length));
  }

  nextEndpoint(): SocketAddress {
    const e = this.spec.endpoints[this.cursor];
    this.cursor = (this.cursor + 1) % this.spec.endpoints.length;
    return e;
  }
}
