// The check/record paths must not allocate. The harness is compiled with the incremental runtime
// and ASC_RTRACE, so the allocator reports every block to our `rtrace.onalloc` counter.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { loadHarness } from "./compile.ts";
import { bytes, T0 } from "./util.ts";

const h = await loadHarness("sentinel-harness.ts", { rtrace: true });
const e = h.exports;

const CONFIG = {
  resource: "tcp:orders",
  flowRules: [
    { resource: "tcp:orders", threshold: 50 },
    { resource: "tcp:orders", threshold: 400, statIntervalInMs: 5000 },
    { resource: "tcp:orders", threshold: 900, statIntervalInMs: 20000 },
  ],
  isolationRules: [{ resource: "tcp:orders", threshold: 3 }],
  circuitBreakerRules: [
    { resource: "tcp:orders", strategy: 0, retryTimeoutMs: 50, minRequestAmount: 5, statIntervalMs: 1000, statSlidingWindowBucketCount: 10, maxAllowedRtMs: 2, threshold: 0.5, probeNum: 2 },
    { resource: "tcp:orders", strategy: 1, retryTimeoutMs: 20, minRequestAmount: 5, statIntervalMs: 1000, threshold: 0.1 },
    { resource: "tcp:orders", strategy: 2, retryTimeoutMs: 30, minRequestAmount: 0, statIntervalMs: 500, threshold: 3 },
  ],
};

function allocsDuring(fn: () => void): number {
  const before = h.allocs.alloc + h.allocs.resize + h.allocs.move;
  fn();
  return h.allocs.alloc + h.allocs.resize + h.allocs.move - before;
}

describe("no allocation on hot paths", () => {
  const g = e.guardNew(bytes(JSON.stringify(CONFIG)), "tcp:orders");

  test("the counter sees allocations (negative control)", () => {
    assert.ok(g >= 0, e.getLastError());
    assert.ok(allocsDuring(() => e.allocateOnPurpose(10)) >= 10);
  });

  test("10,000 entries and exits through flow, isolation and three breakers allocate nothing", () => {
    let passed = 0;
    e.churn(g, T0, 1000); // warm-up
    const n = allocsDuring(() => { passed = e.churn(g, T0 + 5000n, 10000); });
    assert.equal(n, 0);
    assert.ok(passed > 100, `the workload must exercise the pass path too (passed ${passed})`);
  });

  test("batched breaker completions and state changes allocate nothing", () => {
    e.churnBreakers(g, T0 + 100000n, 100);
    assert.equal(allocsDuring(() => e.churnBreakers(g, T0 + 200000n, 5000)), 0);
  });

  test("flow checks on every statistic binding allocate nothing", () => {
    const n = allocsDuring(() => {
      for (let i = 0; i < 2000; i++) for (let r = 0; r < 3; r++) e.flowCheck(g, r, T0 + 300000n + BigInt(i), 1);
    });
    assert.equal(n, 0);
  });
});
