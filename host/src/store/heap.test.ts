import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Status } from "../contracts.ts";
import { Heap, StoreCorruptError } from "./heap.ts";
import { W } from "./layout.ts";
import { SharedStore } from "./shared-store.ts";

/** A bare heap of 2^log2 bytes after a 256-byte control block. */
function bareHeap(log2: number): { heap: Heap; u8: Uint8Array } {
  const sab = new SharedArrayBuffer(256 + 2 ** log2);
  const i32 = new Int32Array(sab);
  Heap.format(i32, 256, log2);
  return { heap: new Heap(i32), u8: new Uint8Array(sab) };
}

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

describe("Heap (buddy allocator)", () => {
  it("never hands out overlapping blocks and coalesces back to one free block", () => {
    const { heap, u8 } = bareHeap(20);
    const rand = rng(7);
    const live: { p: number; n: number; tag: number }[] = [];
    for (let step = 0; step < 20_000; step++) {
      if (live.length > 0 && (rand() < 0.45 || live.length > 200)) {
        const [b] = live.splice(Math.floor(rand() * live.length), 1);
        for (let i = 0; i < b.n; i++) assert.equal(u8[b.p + i], b.tag, "block content was overwritten");
        heap.free(b.p);
      } else {
        const n = Math.floor(rand() ** 3 * 20_000);
        const p = heap.tryAlloc(n);
        if (p === 0) continue;
        assert.ok(heap.capacity(p) >= n);
        assert.equal(p % 8, 0, "payloads are 8-byte aligned");
        const tag = step & 0xff;
        u8.fill(tag, p, p + n);
        live.push({ p, n, tag });
      }
    }
    for (const b of live) heap.free(b.p);
    assert.equal(heap.i32[W.HEAP_IN_USE], 0);
    assert.equal(heap.freeBytes(), 2 ** 20);
    // everything merged: the whole heap is one block again
    assert.notEqual(heap.tryAlloc(2 ** 20 - 8), 0);
  });

  it("rejects a double free and requests larger than the heap", () => {
    const { heap } = bareHeap(16);
    const p = heap.tryAlloc(100);
    heap.free(p);
    assert.throws(() => heap.free(p), StoreCorruptError);
    assert.equal(heap.tryAlloc(2 ** 16), 0);
    assert.throws(() => heap.alloc(2 ** 16, "a test value"), /cannot allocate 64\.0 KiB for a test value/);
  });
});

describe("SharedStore memory reuse", () => {
  it("keeps the heap bounded while megabytes of changing values and queue items pass through", () => {
    const s = SharedStore.create({ bytes: 1 << 20 }); // far smaller than the traffic below
    const rand = rng(42);
    const t = s.registerQueue("svc", "q", { threadId: 0, vmInstanceId: 1, rootContextId: 1 });
    s.setData("vm", "warm", new Uint8Array(1), 0);
    const baseline = s.heapStats().inUseBytes;
    let moved = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = Math.floor(rand() ** 2 * 8192);
      assert.equal(s.setData("vm", `key-${i % 16}`, new Uint8Array(n).fill(i & 0xff), 0), Status.Ok);
      assert.equal(s.enqueue(t, new Uint8Array(n >> 1)), Status.Ok);
      moved += n + (n >> 1);
      if (s.queueSize(t) > 8) {
        const item = s.dequeue(t);
        assert.ok(item instanceof Uint8Array);
        moved += item.length;
      }
    }
    assert.ok(moved > 40_000_000, `test moved only ${moved} bytes`);
    while (s.queueSize(t) > 0) s.dequeue(t);
    const stats = s.heapStats();
    // 16 values of < 8 KiB (blocks <= 16 KiB) + <= 9 items of < 4 KiB (blocks <= 8 KiB) + tables
    assert.ok(stats.peakInUseBytes < 16 * 16384 + 9 * 8192 + 64 * 1024, `peak in use ${stats.peakInUseBytes}`);
    assert.ok(stats.peakEndBytes <= stats.heapBytes);
    assert.equal(stats.inUseBytes + stats.freeBytes, stats.heapBytes, "free lists and in-use count agree");
    // only the 16 live values (and the grown tables) remain beyond the baseline
    assert.ok(stats.inUseBytes - baseline <= 16 * 16384 + 4096, `in use grew by ${stats.inUseBytes - baseline}`);
  });
});
