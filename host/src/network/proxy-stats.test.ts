import { test } from "node:test";
import assert from "node:assert/strict";
import { SharedStore } from "../store/index.ts";
import { ClusterStats, ListenerStats, listenerStatPrefix, PendingCounters } from "./proxy-stats.ts";

test("listenerStatPrefix prints the address as Envoy does, ':' -> '_'", () => {
  assert.equal(listenerStatPrefix({ address: "127.0.0.1", port: 10000 }), "listener.127.0.0.1_10000");
  assert.equal(listenerStatPrefix({ address: "0.0.0.0", port: 80 }), "listener.0.0.0.0_80");
  assert.equal(listenerStatPrefix({ address: "::1", port: 10000 }), "listener.[__1]_10000");
});

test("stats defined on several threads share one stat per name", () => {
  const store = SharedStore.create({ bytes: 1 << 16 });
  const a = new ListenerStats(store, { address: "127.0.0.1", port: 1 }, 0);
  const b = new ListenerStats(SharedStore.attach(store.buffer), { address: "127.0.0.1", port: 1 }, 1);
  assert.equal(a.cxTotal, b.cxTotal);
  assert.notEqual(a.workerCxTotal, b.workerCxTotal);
  const names = store.snapshotMetrics().map((m) => m.name).sort();
  assert.ok(names.includes("listener.127.0.0.1_1.worker_0.downstream_cx_total"));
  assert.ok(names.includes("listener.127.0.0.1_1.worker_1.downstream_cx_active"));
});

test("PendingCounters adds locally and reaches the store only on flush", () => {
  const store = SharedStore.create({ bytes: 1 << 16 });
  const c = new ClusterStats(store, "b");
  const pending = new PendingCounters(store);
  const rx = pending.slot(c.cxRxBytesTotal);
  assert.equal(pending.slot(c.cxRxBytesTotal), rx, "one slot per stat");
  pending.add(rx, 100);
  pending.add(rx, 23);
  assert.equal(store.metricValue(c.cxRxBytesTotal), 0n);
  pending.flush();
  assert.equal(store.metricValue(c.cxRxBytesTotal), 123n);
  pending.flush();
  assert.equal(store.metricValue(c.cxRxBytesTotal), 123n, "a second flush adds nothing");
});
