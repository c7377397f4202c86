// Circuit breaker state machine: Sentinel's three strategies, probeNum, the exit hook, window
// clearing, ratio equality, ErrorCount truncation, events, and the batch API (vectors 22-29).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { guard, T0 } from "./util.ts";

const at = (ms: number) => T0 + BigInt(ms);
const PASS = 0, CB = 3;

const SLOW = { resource: "r", strategy: 0, retryTimeoutMs: 3000, minRequestAmount: 10, statIntervalMs: 10000, maxAllowedRtMs: 50, threshold: 0.5 };

/** A breaker tripped at `at(0)` by 10 slow completions. */
async function trippedSlow(extra: Record<string, unknown> = {}) {
  const g = await guard({ circuitBreakerRules: [{ ...SLOW, ...extra }] }, "r");
  for (let i = 0; i < 10; i++) g.e.cbOnComplete(g.h, 0, at(0), 100n, false);
  assert.equal(g.e.cbState(g.h, 0), "Open");
  assert.equal(g.e.cbEvents(g.h, 0), "Closed>Open@1");
  return g;
}

describe("circuit breaker: Sentinel vectors", () => {
  test("vector 22: after retryTimeoutMs an Open breaker lets one entry through and is HalfOpen", async () => {
    const { h, e } = await trippedSlow();
    assert.equal(e.cbTryPass(h, 0, at(2999)), false);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbTryPass(h, 0, at(3000)), true);
    assert.equal(e.cbState(h, 0), "HalfOpen");
    assert.equal(e.cbEvents(h, 0), "Open>HalfOpen");
    // probeNum 0: only the single probe passes while HalfOpen.
    assert.equal(e.cbTryPass(h, 0, at(3001)), false);
  });

  test("vector 23: probeNum 10 lets every HalfOpen entry pass and closes after the 10th good completion", async () => {
    const { h, e } = await trippedSlow({ probeNum: 10 });
    for (let i = 0; i < 10; i++) {
      assert.equal(e.cbTryPass(h, 0, at(3000 + i)), true);
      assert.equal(e.cbState(h, 0), i === 0 ? "HalfOpen" : "HalfOpen");
      e.cbOnComplete(h, 0, at(3000 + i), 1n, false);
      assert.equal(e.cbState(h, 0), i < 9 ? "HalfOpen" : "Closed", `after completion ${i + 1}`);
    }
    assert.equal(e.cbEvents(h, 0), "Open>HalfOpen;HalfOpen>Closed");
    // Window counters were cleared on HalfOpen -> Closed.
    assert.equal(e.cbWindow(h, 0, at(3010)), "0/0");
  });

  test("vector 24: slow probe reopens, fast probe closes", async () => {
    {
      const { h, e } = await trippedSlow();
      e.cbTryPass(h, 0, at(3000));
      e.cbOnComplete(h, 0, at(3005), 1000000n, false);
      assert.equal(e.cbState(h, 0), "Open");
      assert.equal(e.cbNextRetry(h, 0), at(3005 + 3000));
      assert.equal(e.cbEvents(h, 0), "Open>HalfOpen;HalfOpen>Open@1");
    }
    {
      const { h, e } = await trippedSlow();
      e.cbTryPass(h, 0, at(3000));
      e.cbOnComplete(h, 0, at(3005), 10n, false);
      assert.equal(e.cbState(h, 0), "Closed");
    }
  });

  test("vector 24: probeNum 2 - one good probe keeps HalfOpen (count 1), then a slow one reopens (count 0)", async () => {
    const { h, e } = await trippedSlow({ probeNum: 2 });
    e.cbTryPass(h, 0, at(3000));
    e.cbOnComplete(h, 0, at(3001), 10n, false);
    assert.equal(e.cbState(h, 0), "HalfOpen");
    assert.equal(e.cbCurProbe(h, 0), 1n);
    e.cbOnComplete(h, 0, at(3002), 51n, false);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbCurProbe(h, 0), 0n);
  });

  test("vector 25: ErrorRatio HalfOpen closes on success and reopens on error", async () => {
    for (const [failed, expected] of [[false, "Closed"], [true, "Open"]] as const) {
      const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 1, retryTimeoutMs: 100, statIntervalMs: 1000, threshold: 0.5, minRequestAmount: 1 }] }, "r");
      e.cbOnComplete(h, 0, at(0), 1n, true);
      assert.equal(e.cbState(h, 0), "Open");
      assert.equal(e.cbTryPass(h, 0, at(100)), true);
      e.cbOnComplete(h, 0, at(101), 1n, failed);
      assert.equal(e.cbState(h, 0), expected);
    }
  });

  test("vector 26: a probe blocked by a later breaker sends the first back to Open without a new retry time", async () => {
    const { h, e } = await guard({
      circuitBreakerRules: [
        { resource: "abc", strategy: 0, retryTimeoutMs: 1, minRequestAmount: 0, statIntervalMs: 10000, maxAllowedRtMs: 3, threshold: 0.1 },
        { resource: "abc", strategy: 1, retryTimeoutMs: 2000000, minRequestAmount: 0, statIntervalMs: 10000, threshold: 0.1 },
      ],
    }, "abc");
    assert.equal(e.guardEntry(h, at(0), 1), PASS);
    e.guardExit(h, at(50), 50n, true, 1);
    assert.equal(e.cbEvents(h, 0), "Closed>Open@1");
    assert.equal(e.cbEvents(h, 1), "Closed>Open@1");
    const retryBefore = e.cbNextRetry(h, 0);
    assert.equal(e.guardEntry(h, at(150), 1), CB);
    assert.equal(e.guardBlockRule(h), 1, "blocked by the ErrorRatio breaker");
    assert.equal(e.cbEvents(h, 0), "Open>HalfOpen;HalfOpen>Open@1");
    assert.equal(e.cbEvents(h, 1), "");
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbNextRetry(h, 0), retryBefore, "exit hook does not renew nextRetry");
    // So the next entry probes the slow breaker again at once.
    assert.equal(e.guardEntry(h, at(151), 1), CB);
    assert.equal(e.cbEvents(h, 0), "Open>HalfOpen;HalfOpen>Open@1");
  });

  test("vector 27: slow entry opens (retry 20 ms); 100 ms later a fast entry probes and closes", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 0, retryTimeoutMs: 20, minRequestAmount: 0, statIntervalMs: 1000, maxAllowedRtMs: 10, threshold: 0.5 }] }, "r");
    assert.equal(e.guardEntry(h, at(0), 1), PASS);
    e.guardExit(h, at(50), 50n, false, 1);
    assert.equal(e.cbEvents(h, 0), "Closed>Open@1");
    assert.equal(e.guardEntry(h, at(150), 1), PASS);
    e.guardExit(h, at(150), 0n, false, 1);
    assert.equal(e.cbEvents(h, 0), "Open>HalfOpen;HalfOpen>Closed");
    assert.equal(e.cbState(h, 0), "Closed");
  });

  test("vector 28: ErrorCount 5, min 10 - Closed through 9 completions with 5 errors, Open at the 10th (a success)", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: "ErrorCount", retryTimeoutMs: 1000, minRequestAmount: 10, statIntervalMs: 1000, threshold: 5 }] }, "r");
    for (let i = 0; i < 9; i++) {
      e.cbOnComplete(h, 0, at(100 + i), 1n, i < 5);
      assert.equal(e.cbState(h, 0), "Closed", `after completion ${i + 1}`);
    }
    e.cbOnComplete(h, 0, at(200), 1n, false);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbEvents(h, 0), "Closed>Open@5");
  });

  test("ErrorCount threshold is truncated: 5.9 trips at 5 errors", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 2, retryTimeoutMs: 1000, minRequestAmount: 0, statIntervalMs: 1000, threshold: 5.9 }] }, "r");
    for (let i = 0; i < 4; i++) e.cbOnComplete(h, 0, at(1), 1n, true);
    assert.equal(e.cbState(h, 0), "Closed");
    e.cbOnComplete(h, 0, at(1), 1n, true);
    assert.equal(e.cbState(h, 0), "Open");
  });

  test("vector 29: ErrorRatio 0.5, min 10 - 5 errors in 10 completions trips (equality)", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 1, retryTimeoutMs: 1000, minRequestAmount: 10, statIntervalMs: 10000, threshold: 0.5 }] }, "r");
    for (let i = 0; i < 9; i++) e.cbOnComplete(h, 0, at(i), 1n, i % 2 === 0 ? false : true);
    assert.equal(e.cbState(h, 0), "Closed");
    e.cbOnComplete(h, 0, at(9), 1n, true);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbEvents(h, 0), "Closed>Open@0.5");
  });
});

describe("circuit breaker: details", () => {
  const ratioCases: { name: string; threshold: number; trips: boolean }[] = [
    { name: "1/3 against threshold 0.333333335 trips (within 1e-8)", threshold: 0.333333335, trips: true },
    { name: "1/3 against threshold 0.33333335 does not trip (1.7e-8 above)", threshold: 0.33333335, trips: false },
    { name: "1/3 against threshold 0.3 trips (above)", threshold: 0.3, trips: true },
    { name: "threshold 0 trips even with no errors once min is reached", threshold: 0, trips: true },
  ];
  for (const c of ratioCases) test(c.name, async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 1, retryTimeoutMs: 1000, minRequestAmount: 3, statIntervalMs: 10000, threshold: c.threshold }] }, "r");
    e.cbOnComplete(h, 0, at(1), 1n, c.threshold === 0 ? false : true);
    e.cbOnComplete(h, 0, at(2), 1n, false);
    e.cbOnComplete(h, 0, at(3), 1n, false);
    assert.equal(e.cbState(h, 0), c.trips ? "Open" : "Closed");
  });

  test("slow means rt > maxAllowedRtMs (rt equal to it is not slow)", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ ...SLOW, minRequestAmount: 1, threshold: 1 }] }, "r");
    e.cbOnComplete(h, 0, at(1), 50n, false);
    assert.equal(e.cbState(h, 0), "Closed");
    e.cbOnComplete(h, 0, at(2), 51n, false);
    assert.equal(e.cbWindow(h, 0, at(2)), "2/1");
  });

  test("completions while Open are recorded but change nothing", async () => {
    const { h, e } = await trippedSlow();
    for (let i = 0; i < 5; i++) e.cbOnComplete(h, 0, at(100), 1n, false);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbWindow(h, 0, at(100)), "15/10");
  });

  test("a tumbling window (bucket count 0) forgets at each aligned interval", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 2, retryTimeoutMs: 1000, minRequestAmount: 0, statIntervalMs: 1000, threshold: 2 }] }, "r");
    e.cbOnComplete(h, 0, at(999), 1n, true);
    e.cbOnComplete(h, 0, at(1000), 1n, true);
    assert.equal(e.cbState(h, 0), "Closed");
    e.cbOnComplete(h, 0, at(1999), 1n, true);
    assert.equal(e.cbState(h, 0), "Open");
  });

  test("a sliding window (4 buckets) keeps the last interval", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ resource: "r", strategy: 2, retryTimeoutMs: 1000, minRequestAmount: 0, statIntervalMs: 1000, statSlidingWindowBucketCount: 4, threshold: 2 }] }, "r");
    e.cbOnComplete(h, 0, at(900), 1n, true);
    e.cbOnComplete(h, 0, at(1100), 1n, true);
    assert.equal(e.cbState(h, 0), "Open");
  });

  test("blocked entries do not complete, so they never feed the breaker", async () => {
    const { h, e } = await guard({
      flowRules: [{ resource: "r", threshold: 0 }],
      circuitBreakerRules: [{ resource: "r", strategy: 2, retryTimeoutMs: 1000, minRequestAmount: 0, statIntervalMs: 1000, threshold: 1 }],
    }, "r");
    assert.equal(e.guardEntry(h, at(1), 1), 1);
    assert.equal(e.cbWindow(h, 0, at(1)), "0/0");
  });
});

describe("circuit breaker: batch API (aggregated completions)", () => {
  const ER = { resource: "r", strategy: 1, retryTimeoutMs: 100, minRequestAmount: 10, statIntervalMs: 1000, threshold: 0.5 };

  test("Closed: a batch is evaluated once on the window totals", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [ER] }, "r");
    e.cbOnCompletions(h, 0, at(1), 9n, 9n);
    assert.equal(e.cbState(h, 0), "Closed", "below minRequestAmount");
    // One at a time, the first of these 11 good completions would have seen 9/10 and tripped; the
    // batch is judged on its end state, 9/20 (documented difference in the README).
    e.cbOnCompletions(h, 0, at(2), 11n, 0n);
    assert.equal(e.cbState(h, 0), "Closed");
    assert.equal(e.cbWindow(h, 0, at(2)), "20/9");
    e.cbOnCompletions(h, 0, at(3), 2n, 2n);
    assert.equal(e.cbState(h, 0), "Open", "11/22 = 0.5 trips");
    assert.equal(e.cbEvents(h, 0), "Closed>Open@0.5");
  });

  test("Closed: equal to one-at-a-time when the batch is a single completion", async () => {
    const a = await guard({ circuitBreakerRules: [ER] }, "r");
    const b = await guard({ circuitBreakerRules: [ER] }, "r");
    for (let i = 0; i < 12; i++) {
      const failed = i % 2 === 1;
      a.e.cbOnComplete(a.h, 0, at(i), 1n, failed);
      b.e.cbOnCompletions(b.h, 0, at(i), 1n, failed ? 1n : 0n);
      assert.equal(a.e.cbState(a.h, 0), b.e.cbState(b.h, 0));
    }
    assert.equal(b.e.cbState(b.h, 0), "Open");
  });

  test("HalfOpen: any bad completion in the batch reopens", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ ...ER, probeNum: 3 }] }, "r");
    e.cbOnCompletions(h, 0, at(1), 10n, 10n);
    assert.equal(e.cbTryPass(h, 0, at(101)), true);
    e.cbOnCompletions(h, 0, at(102), 5n, 1n);
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbNextRetry(h, 0), at(202));
  });

  test("HalfOpen: good completions count as probes; the rest land in the cleared Closed window", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [{ ...ER, probeNum: 3 }] }, "r");
    e.cbOnCompletions(h, 0, at(1), 10n, 10n);
    e.cbTryPass(h, 0, at(101));
    e.cbOnCompletions(h, 0, at(102), 2n, 0n);
    assert.equal(e.cbState(h, 0), "HalfOpen");
    assert.equal(e.cbCurProbe(h, 0), 2n);
    e.cbOnCompletions(h, 0, at(103), 5n, 0n);
    assert.equal(e.cbState(h, 0), "Closed");
    assert.equal(e.cbWindow(h, 0, at(103)), "4/0");
    assert.equal(e.cbEvents(h, 0), "Closed>Open@1;Open>HalfOpen;HalfOpen>Closed");
  });

  test("probeNum 0: exactly one probe across all callers until it completes", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [ER] }, "r");
    e.cbOnCompletions(h, 0, at(1), 10n, 10n);
    const admitted = Array.from({ length: 8 }, (_, i) => e.cbTryPass(h, 0, at(200 + i))).filter(Boolean).length;
    assert.equal(admitted, 1);
    e.cbOnCompletions(h, 0, at(300), 1n, 0n);
    assert.equal(e.cbState(h, 0), "Closed");
  });

  test("the explicit probe-blocked hook reopens without renewing nextRetry", async () => {
    const { h, e } = await guard({ circuitBreakerRules: [ER] }, "r");
    e.cbOnCompletions(h, 0, at(1), 10n, 10n);
    e.cbTryPass(h, 0, at(101));
    e.cbProbeBlocked(h, 0, at(101));
    assert.equal(e.cbState(h, 0), "Open");
    assert.equal(e.cbNextRetry(h, 0), at(101));
    assert.equal(e.cbTryPass(h, 0, at(102)), true);
  });
});
