import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Status } from "../contracts.ts";
import { W } from "./layout.ts";
import { SharedStore, StoreLockTimeoutError } from "./shared-store.ts";

describe("SharedStore create/attach and lock", () => {
  it("attach sees everything the creator wrote, and writes go both ways", () => {
    const a = SharedStore.create({ bytes: 1 << 20 });
    a.setData("vm", "k", new Uint8Array([1]), 0);
    const b = SharedStore.attach(a.buffer);
    assert.deepEqual(b.getData("vm", "k"), { value: new Uint8Array([1]), cas: 1 });
    const t = b.registerQueue("svc", "q", { threadId: 2, vmInstanceId: 3, rootContextId: 4 });
    assert.equal(a.resolveQueue("svc", "q"), t);
    assert.equal(a.enqueue(t, new Uint8Array([5])), Status.Ok);
    assert.deepEqual(b.dequeue(t), new Uint8Array([5]));
  });

  it("defaults to a 64 MiB heap and at least 16384 metrics, rounding the heap up to a power of two", () => {
    const d = SharedStore.create();
    assert.equal(d.heapStats().heapBytes, 64 << 20);
    const r = SharedStore.create({ bytes: 100_000 });
    assert.equal(r.heapStats().heapBytes, 131072);
  });

  it("rejects bad options and foreign buffers with messages naming the problem", () => {
    assert.throws(() => SharedStore.create({ bytes: 1000 }), /bytes must be an integer from 65536/);
    assert.throws(() => SharedStore.create({ bytes: 2 ** 31 }), /bytes must be an integer/);
    assert.throws(() => SharedStore.create({ maxMetrics: 0 }), /maxMetrics must be an integer from 1/);
    assert.throws(() => SharedStore.create({ lockTimeoutMs: -5 }), /lockTimeoutMs must be a positive number/);
    assert.throws(() => SharedStore.attach(new ArrayBuffer(1024) as unknown as SharedArrayBuffer), /expected the SharedArrayBuffer of a SharedStore, got ArrayBuffer/);
    assert.throws(() => SharedStore.attach(new SharedArrayBuffer(1024)), /bad magic/);
    const s = SharedStore.create({ bytes: 1 << 16 });
    const copy = new SharedArrayBuffer(s.buffer.byteLength + 8);
    new Uint8Array(copy).set(new Uint8Array(s.buffer));
    assert.throws(() => SharedStore.attach(copy), /header says/);
  });

  it("throws StoreLockTimeoutError instead of hanging when a holder never releases", () => {
    const s = SharedStore.create({ bytes: 1 << 16, lockTimeoutMs: 150 });
    const word = new Int32Array(s.buffer);
    Atomics.store(word, W.LOCK, 1); // a thread that died inside a store call
    const t0 = performance.now();
    assert.throws(() => s.setData("vm", "k", new Uint8Array(1), 0), StoreLockTimeoutError);
    assert.ok(performance.now() - t0 >= 140);
    // Defining takes the lock; updates and snapshots of defined stats do not, so they keep working.
    Atomics.store(word, W.LOCK, 0);
    const c = s.defineMetric(0, "c");
    Atomics.store(word, W.LOCK, 1);
    s.counterAdd(c, 1n);
    assert.equal(s.metricValue(c), 1n);
    assert.equal(s.snapshotMetrics().length, 1);
    Atomics.store(word, W.LOCK, 0);
    assert.equal(s.setData("vm", "k", new Uint8Array(1), 0), Status.Ok);
  });
});
