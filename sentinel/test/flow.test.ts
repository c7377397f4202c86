// Direct/Reject flow control and concurrency isolation through the resource slot chain (vectors 5-8, 20).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { guard, T0 } from "./util.ts";

const PASS = 0, FLOW = 1, ISOLATION = 2;
const at = (ms: number) => T0 + BigInt(ms);

describe("flow Direct + Reject", () => {
  test("vector 5: threshold 10 per 1000 ms lets 10 pass; the 11th is blocked with snapshot 10", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "tcp:orders", threshold: 10, statIntervalInMs: 1000 }] }, "tcp:orders");
    const results = Array.from({ length: 11 }, (_, i) => e.guardEntry(h, at(100 + i), 1));
    assert.deepEqual(results, [...Array(10).fill(PASS), FLOW]);
    assert.equal(e.guardSnapshot(h), 10);
    assert.equal(e.guardBlockRule(h), 0);
  });

  test("vector 6: after 8 passes, batch 3 is blocked (8+3 > 10) and batch 2 passes", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 10 }] }, "r");
    for (let i = 0; i < 8; i++) assert.equal(e.guardEntry(h, at(10), 1), PASS);
    assert.equal(e.guardEntry(h, at(20), 3), FLOW);
    assert.equal(e.guardSnapshot(h), 8);
    assert.equal(e.guardEntry(h, at(30), 2), PASS);
    assert.equal(e.guardEntry(h, at(40), 1), FLOW);
  });

  test("vector 7: threshold 0 blocks every entry", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 0 }] }, "r");
    for (let i = 0; i < 5; i++) assert.equal(e.guardEntry(h, at(i * 700), 1), FLOW);
    assert.equal(e.guardSnapshot(h), 0);
  });

  test("a fractional threshold admits floor(threshold) per window", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 2.5 }] }, "r");
    assert.deepEqual([0, 1, 2].map(() => e.guardEntry(h, at(5), 1)), [PASS, PASS, FLOW]);
    assert.equal(e.flowRemaining(h, 0, at(5)), 0n);
  });

  test("the window slides: capacity returns one 500 ms bucket at a time", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 4 }] }, "r");
    assert.equal(e.guardEntry(h, at(100), 1), PASS);
    assert.equal(e.guardEntry(h, at(100), 1), PASS);
    assert.equal(e.guardEntry(h, at(600), 1), PASS);
    assert.equal(e.guardEntry(h, at(600), 1), PASS);
    assert.equal(e.guardEntry(h, at(999), 1), FLOW);
    // At 1000 the [0, 500) bucket leaves the window: two units come back.
    assert.equal(e.guardEntry(h, at(1000), 1), PASS);
    assert.equal(e.guardEntry(h, at(1000), 1), PASS);
    assert.equal(e.guardEntry(h, at(1000), 1), FLOW);
  });

  test("vector 8: threshold 100 over 20000 ms; 50 entries all pass into a standalone window of 50", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 100, statIntervalInMs: 20000 }] }, "r");
    for (let i = 0; i < 50; i++) assert.equal(e.guardEntry(h, at(i * 100), 1), PASS);
    assert.equal(e.flowStatKind(h, 0), 2);
    assert.equal(e.flowCurrent(h, 0, at(4999)), 50n);
  });

  test("a standalone 20000 ms window is tumbling, aligned to epoch multiples of 20 s", async () => {
    // T0 = ...550000 is a multiple of 10000 but not of 20000: the window boundary is at T0 + 10000.
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 3, statIntervalInMs: 20000 }] }, "r");
    assert.equal(T0 % 20000n, 10000n);
    for (let i = 0; i < 3; i++) assert.equal(e.guardEntry(h, at(9000), 1), PASS);
    assert.equal(e.guardEntry(h, at(9999), 1), FLOW);
    assert.equal(e.guardEntry(h, at(10000), 1), PASS);
  });

  test("a standalone window counts only entries that passed every check", async () => {
    const { h, e } = await guard({
      flowRules: [{ resource: "r", threshold: 100, statIntervalInMs: 20000 }, { resource: "r", threshold: 2 }],
    }, "r");
    for (let i = 0; i < 5; i++) e.guardEntry(h, at(1), 1);
    assert.equal(e.flowCurrent(h, 0, at(1)), 2n);
    assert.equal(e.guardBlockRule(h), 1);
  });

  test("multiple rules: the first blocking rule in load order wins", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 5 }, { resource: "r", threshold: 1, statIntervalInMs: 2000 }] }, "r");
    assert.equal(e.guardEntry(h, at(1), 1), PASS);
    assert.equal(e.guardEntry(h, at(2), 1), FLOW);
    assert.equal(e.guardBlockRule(h), 1);
    assert.equal(e.guardSnapshot(h), 1);
  });

  test("rules for other resources are not applied", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "other", threshold: 0 }] }, "r");
    assert.equal(e.guardEntry(h, at(1), 1), PASS);
  });
});

test("block types carry Sentinel's names and messages", async () => {
  const { e } = await guard({}, "r");
  assert.equal(e.blockDescription(FLOW), "BlockTypeFlowControl: flow reject check blocked");
  assert.equal(e.blockDescription(ISOLATION), "BlockTypeIsolation: concurrency exceeds threshold");
  assert.equal(e.blockDescription(3), "BlockTypeCircuitBreaking: circuit breaker check blocked");
});

describe("isolation (concurrency)", () => {
  test("vector 20: threshold 10; 10 open entries pass, the 11th is blocked, exits free capacity", async () => {
    const { h, e } = await guard({ isolationRules: [{ resource: "r", threshold: 10 }] }, "r");
    for (let i = 0; i < 10; i++) assert.equal(e.guardEntry(h, at(i), 1), PASS);
    assert.equal(e.guardEntry(h, at(20), 1), ISOLATION);
    assert.equal(e.guardSnapshot(h), 10);
    for (let i = 0; i < 10; i++) e.guardExit(h, at(30 + i), 5n, false, 1);
    assert.equal(e.guardConcurrency(h), 0n);
    for (let i = 0; i < 10; i++) assert.equal(e.guardEntry(h, at(50 + i), 1), PASS);
    assert.equal(e.guardEntry(h, at(70), 1), ISOLATION);
  });

  test("a batch larger than the headroom is blocked (cur + batch > threshold)", async () => {
    const { h, e } = await guard({ isolationRules: [{ resource: "r", threshold: 3 }] }, "r");
    assert.equal(e.guardEntry(h, at(1), 1), PASS);
    assert.equal(e.guardEntry(h, at(2), 3), ISOLATION);
    assert.equal(e.guardEntry(h, at(3), 2), PASS);
  });

  test("flow is checked before isolation (slot order)", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 1 }], isolationRules: [{ resource: "r", threshold: 1 }] }, "r");
    assert.equal(e.guardEntry(h, at(1), 1), PASS);
    assert.equal(e.guardEntry(h, at(2), 1), FLOW);
  });

  test("a blocked entry does not hold a concurrency slot", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 0 }] }, "r");
    e.guardEntry(h, at(1), 1);
    assert.equal(e.guardConcurrency(h), 0n);
  });
});
