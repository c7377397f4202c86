// StreamTable: stream contexts by id, as the Vm keeps them between on_context_create and on_delete.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Context } from "./context.ts";
import { StreamTable } from "./stream-table.ts";

const VM = { vmId: "t", vmConfiguration: new Uint8Array(0) };
const stream = (id: number) => new Context(VM, id, "stream");

describe("StreamTable", () => {
  it("finds what was added by id, and nothing under an id never added", () => {
    const t = new StreamTable(8);
    const a = stream(3), b = stream(11); // 11 & 7 == 3: the same slot
    t.add(a); t.add(b);
    assert.equal(t.get(3), a);
    assert.equal(t.get(11), b);
    assert.equal(t.get(19), undefined);
    assert.equal(t.size, 2);
  });

  it("removes a context from the head, the middle or the end of a slot's chain", () => {
    for (const victim of [0, 1, 2]) {
      const t = new StreamTable(8);
      const cs = [stream(5), stream(13), stream(21)]; // one slot
      for (const c of cs) t.add(c);
      assert.equal(t.delete(cs[victim]), true);
      assert.equal(t.get(cs[victim].id), undefined);
      for (const c of cs) if (c !== cs[victim]) assert.equal(t.get(c.id), c);
      assert.equal(t.size, 2);
      assert.equal(t.delete(cs[victim]), false, "a second delete finds nothing");
    }
  });

  it("grows past its capacity and still finds every context; deletes empty it again", () => {
    const t = new StreamTable(8);
    const cs = Array.from({ length: 1000 }, (_, i) => stream(1 + i * 3));
    for (const c of cs) t.add(c);
    assert.equal(t.size, 1000);
    for (const c of cs) assert.equal(t.get(c.id), c);
    for (const c of cs) assert.equal(t.delete(c), true);
    assert.equal(t.size, 0);
    for (const c of cs) assert.equal(t.get(c.id), undefined);
  });

  it("a context rebound to a new id after its delete is found under the new id only", () => {
    const t = new StreamTable(8);
    const c = stream(7);
    t.add(c);
    t.delete(c);
    c.rebind(8);
    t.add(c);
    assert.equal(t.get(7), undefined);
    assert.equal(t.get(8), c);
  });
});
