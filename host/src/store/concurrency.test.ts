// Real worker threads sharing one store buffer: no lost updates, no stuck lock.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MetricKind, Status } from "../contracts.ts";
import { SharedStore } from "./shared-store.ts";
import { runWorkers } from "./test-helpers.fixture.ts";

const WORKERS = 4;

describe("SharedStore across worker threads", () => {
  it("aggregates a counter incremented 100k times by each of 4 workers exactly", async () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const results = (await runWorkers(s, "counter", WORKERS, 100_000)) as { stat: number }[];
    const stat = s.defineMetric(MetricKind.Counter, "test.shared_counter");
    assert.deepEqual(results.map((r) => r.stat), [stat, stat, stat, stat]);
    assert.equal(s.metricValue(stat), 400_000n);
    assert.equal(s.snapshotMetrics().length, 1);
  });

  it("aggregates gauge adds and histogram records from 4 workers", async () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const n = 20_000;
    await runWorkers(s, "gauge-histogram", WORKERS, n);
    const [gauge, hist] = s.snapshotMetrics();
    assert.equal(gauge.name, "test.gauge");
    assert.equal(gauge.value, BigInt(WORKERS * n));
    const h = hist.histogram!;
    assert.equal(h.count, BigInt(WORKERS * n));
    assert.equal(h.sum, (WORKERS * n / 2) * (3 + 700));
    assert.equal(h.cumulativeCounts[h.bounds.indexOf(5)], BigInt(WORKERS * n / 2));
    assert.equal(h.cumulativeCounts[h.bounds.indexOf(500)], BigInt(WORKERS * n / 2));
    assert.equal(h.cumulativeCounts[h.bounds.indexOf(1000)], BigInt(WORKERS * n));
  });

  it("loses no update when 4 workers increment one shared-data value with cas retry loops", async () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const per = 2_000;
    s.setData("vm", "counter", new Uint8Array(4), 0);
    await runWorkers(s, "cas", WORKERS, per);
    const final = s.getData("vm", "counter")!;
    assert.equal(new DataView(final.value.buffer).getUint32(0, true), WORKERS * per);
    // the creation took cas 1, then each successful increment exactly one more
    assert.equal(final.cas, 1 + WORKERS * per);
  });

  it("keeps each producer's enqueue order and loses no item with 4 concurrent producers", async () => {
    const s = SharedStore.create({ bytes: 4 << 20 });
    const token = s.registerQueue("svc", "q", { threadId: 0, vmInstanceId: 1, rootContextId: 1 });
    const per = 5_000;
    await runWorkers(s, "queue", WORKERS, per);
    assert.equal(s.queueSize(token), WORKERS * per);
    const next = new Map<number, number>();
    for (let i = 0; i < WORKERS * per; i++) {
      const item = s.dequeue(token) as Uint8Array;
      const v = new DataView(item.buffer);
      const id = v.getUint32(0, true);
      const seq = v.getUint32(4, true);
      assert.equal(seq, next.get(id) ?? 0, `producer ${id} out of order`);
      next.set(id, seq + 1);
    }
    assert.equal(s.dequeue(token), Status.Empty);
    assert.deepEqual([...next.values()], Array(WORKERS).fill(per));
  });

  it("keeps the heap and tables consistent under mixed data and queue traffic from 4 workers", async () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const token = s.registerQueue("svc", "mixed", { threadId: 0, vmInstanceId: 1, rootContextId: 1 });
    const per = 3_000;
    const results = (await runWorkers(s, "mixed", WORKERS, per)) as { last: [string, number][]; dequeued: number }[];
    let drained = 0;
    while (s.dequeue(token) instanceof Uint8Array) drained++;
    assert.equal(results.reduce((a, r) => a + r.dequeued, 0) + drained, WORKERS * per, "every item dequeued once");
    for (const r of results) {
      for (const [key, code] of r.last) {
        const got = s.getData("vm", key)!;
        const n = Math.floor(code / 256);
        assert.equal(got.value.length, n, key);
        assert.ok(got.value.every((b) => b === code % 256), key);
      }
    }
    const stats = s.heapStats();
    assert.equal(stats.inUseBytes + stats.freeBytes, stats.heapBytes);
    assert.ok(stats.peakInUseBytes < stats.heapBytes / 2, `peak ${stats.peakInUseBytes}`);
  });

  it("releases the lock when a worker's call throws inside the critical section", async () => {
    const s = SharedStore.create({ bytes: 64 * 1024, lockTimeoutMs: 2000 });
    const results = (await runWorkers(s, "heap-full", WORKERS, 1)) as { thrown: string; rc: number }[];
    assert.deepEqual(results.map((r) => [r.thrown, r.rc]), Array(WORKERS).fill(["StoreFullError", Status.Ok]));
    for (let id = 1; id <= WORKERS; id++) assert.deepEqual(s.getData("vm", `small-${id}`)!.value, new Uint8Array([id]));
  });
});
