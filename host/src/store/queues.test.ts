import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Status } from "../contracts.ts";
import { SharedStore, StoreFullError } from "./shared-store.ts";

const owner = (threadId: number, vmInstanceId = 1, rootContextId = 1) => ({ threadId, vmInstanceId, rootContextId });
const bytes = (...b: number[]) => new Uint8Array(b);

describe("SharedStore queues", () => {
  it("hands out process-global tokens from 1 and resolves 0 before registration", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    assert.equal(s.resolveQueue("svc", "q"), 0);
    assert.equal(s.registerQueue("svc", "q", owner(0)), 1);
    assert.equal(s.registerQueue("other", "q", owner(0)), 2);
    assert.equal(s.registerQueue("svc", "q2", owner(0)), 3);
    assert.equal(s.resolveQueue("svc", "q"), 1);
    assert.equal(s.resolveQueue("other", "q"), 2);
    assert.equal(s.resolveQueue("svc", "q3"), 0);
    assert.equal(s.resolveQueue("", "q"), 0);
  });

  it("re-registering keeps token and items but the last owner wins", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const t = s.registerQueue("svc", "q", owner(1, 10, 2));
    s.enqueue(t, bytes(1));
    assert.equal(s.registerQueue("svc", "q", owner(3, 30, 4)), t);
    assert.deepEqual(s.queueOwner(t), owner(3, 30, 4));
    assert.equal(s.queueSize(t), 1);
    assert.deepEqual(s.dequeue(t), bytes(1));
  });

  it("is FIFO across many items and sizes, then Empty", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const t = s.registerQueue("svc", "q", owner(0));
    assert.equal(s.dequeue(t), Status.Empty);
    const items = Array.from({ length: 200 }, (_, i) => new Uint8Array(i * 13).fill(i & 0xff));
    for (const it of items) assert.equal(s.enqueue(t, it), Status.Ok);
    assert.equal(s.queueSize(t), 200);
    for (const it of items) assert.deepEqual(s.dequeue(t), it);
    assert.equal(s.queueSize(t), 0);
    assert.equal(s.dequeue(t), Status.Empty);
    // usable again after draining
    s.enqueue(t, bytes(42));
    assert.deepEqual(s.dequeue(t), bytes(42));
  });

  it("answers NotFound / undefined / 0 for unknown tokens", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    s.registerQueue("svc", "q", owner(0));
    for (const bad of [0, 2, -1, 1.5, 2 ** 40]) {
      assert.equal(s.enqueue(bad, bytes(1)), Status.NotFound, `enqueue ${bad}`);
      assert.equal(s.dequeue(bad), Status.NotFound, `dequeue ${bad}`);
      assert.equal(s.queueOwner(bad), undefined);
      assert.equal(s.queueSize(bad), 0);
    }
  });

  it("keeps queues apart and grows the token table past its first size", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const tokens = Array.from({ length: 100 }, (_, i) => s.registerQueue("svc", `q${i}`, owner(i)));
    assert.deepEqual(tokens, Array.from({ length: 100 }, (_, i) => i + 1));
    tokens.forEach((t, i) => s.enqueue(t, bytes(i)));
    tokens.forEach((t, i) => {
      assert.deepEqual(s.queueOwner(t), owner(i));
      assert.deepEqual(s.dequeue(t), bytes(i));
    });
  });

  it("throws StoreFullError for an item the heap cannot hold and keeps the queue intact", () => {
    const s = SharedStore.create({ bytes: 64 * 1024 });
    const t = s.registerQueue("svc", "q", owner(0));
    s.enqueue(t, bytes(1));
    assert.throws(() => s.enqueue(t, new Uint8Array(70_000)), StoreFullError);
    assert.equal(s.queueSize(t), 1);
    assert.deepEqual(s.dequeue(t), bytes(1));
  });

  it("rejects malformed owners with a message naming the field", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    assert.throws(() => s.registerQueue("svc", "q", { threadId: -1, vmInstanceId: 0, rootContextId: 0 }), /owner\.threadId/);
    assert.throws(() => s.registerQueue("svc", "q", { threadId: 0, vmInstanceId: 0 } as never), /owner\.rootContextId/);
    assert.equal(s.resolveQueue("svc", "q"), 0);
  });
});
