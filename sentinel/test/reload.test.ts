// Reload semantics: what a new configuration takes over from the previous guard (Sentinel's
// rule managers keep equal breakers, reusable statistics, and resource nodes outlive rule loads).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { guard, bytes, T0 } from "./util.ts";

const at = (ms: number) => T0 + BigInt(ms);
const CB = { resource: "r", strategy: 1, retryTimeoutMs: 1000, minRequestAmount: 2, statIntervalMs: 10000, threshold: 0.5 };

async function reload(e: Record<string, any>, prev: number, config: unknown): Promise<number> {
  const h = e.guardReload(prev, bytes(JSON.stringify(config)), "r");
  if (h < 0) throw new Error(e.getLastError());
  return h;
}

describe("reload", () => {
  test("an identical configuration keeps breaker state, window counts and in-flight connections", async () => {
    const cfg = { flowRules: [{ resource: "r", threshold: 3 }], circuitBreakerRules: [CB] };
    const { h, e } = await guard(cfg, "r");
    e.cbOnComplete(h, 0, at(1), 1n, true);
    e.cbOnComplete(h, 0, at(2), 1n, true);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.guardEntry(h, at(3), 1), 3, "breaker blocks");
    const h2 = await reload(e, h, cfg);
    assert.equal(e.cbState(h2, 0), "Open");
    assert.equal(e.cbNextRetry(h2, 0), at(1002));
    const g = await guard({ flowRules: [{ resource: "r", threshold: 3 }] }, "r");
    for (let i = 0; i < 2; i++) assert.equal(g.e.guardEntry(g.h, at(5), 1), 0);
    const g2 = await reload(e, g.h, { flowRules: [{ resource: "r", threshold: 3 }] });
    assert.equal(e.guardConcurrency(g2), 2n);
    assert.equal(e.guardEntry(g2, at(6), 1), 0);
    assert.equal(e.guardEntry(g2, at(7), 1), 1, "the two passes before the reload still count");
  });

  test("a changed threshold gives a new Closed breaker on the same counters", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [CB] }, "r");
    e.cbOnComplete(h, 0, at(1), 1n, true);
    e.cbOnComplete(h, 0, at(2), 1n, true);
    const h2 = await reload(e, h, { circuitBreakerRules: [{ ...CB, threshold: 0.9 }] });
    assert.equal(e.cbState(h2, 0), "Closed");
    assert.equal(e.cbWindow(h2, 0, at(3)), "2/2");
    e.cbOnComplete(h2, 0, at(3), 1n, true);
    assert.equal(e.cbState(h2, 0), "Open", "3/3 errors on the kept counters");
  });

  test("a changed strategy or interval starts from empty counters", async () => {
    for (const change of [{ strategy: 2, threshold: 5 }, { statIntervalMs: 5000 }]) {
      const { h, e } = await guard({ circuitBreakerRules: [CB] }, "r");
      e.cbOnComplete(h, 0, at(1), 1n, true);
      const h2 = await reload(e, h, { circuitBreakerRules: [{ ...CB, ...change }] });
      assert.equal(e.cbWindow(h2, 0, at(2)), "0/0", JSON.stringify(change));
    }
  });

  test("a changed probeNum does not keep the old breaker (stricter than Sentinel's isEqualsTo)", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [CB] }, "r");
    e.cbOnComplete(h, 0, at(1), 1n, true);
    e.cbOnComplete(h, 0, at(2), 1n, true);
    const h2 = await reload(e, h, { circuitBreakerRules: [{ ...CB, probeNum: 3 }] });
    assert.equal(e.cbState(h2, 0), "Closed");
  });

  test("a standalone flow window survives a threshold change with the same interval", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 10, statIntervalInMs: 20000 }] }, "r");
    for (let i = 0; i < 4; i++) e.guardEntry(h, at(100), 1);
    const h2 = await reload(e, h, { flowRules: [{ resource: "r", threshold: 5, statIntervalInMs: 20000 }] });
    assert.equal(e.flowCurrent(h2, 0, at(200)), 4n);
    assert.equal(e.guardEntry(h2, at(200), 1), 0);
    assert.equal(e.guardEntry(h2, at(200), 1), 1);
  });

  test("changed stat settings rebuild the windows but keep the in-flight count", async () => {
    const { h, e } = await guard({ isolationRules: [{ resource: "r", threshold: 2 }] }, "r");
    e.guardEntry(h, at(1), 1);
    e.guardEntry(h, at(1), 1);
    const h2 = await reload(e, h, { isolationRules: [{ resource: "r", threshold: 2 }], stat: { metricStatisticSampleCount: 1 } });
    assert.equal(e.guardConcurrency(h2), 2n);
    assert.equal(e.guardPassSum(h2, at(2)), 0n);
    assert.equal(e.guardEntry(h2, at(2), 1), 2);
  });
});
