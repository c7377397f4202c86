// LeapArray ring, window views and the flow-rule statistic binding (vectors 1-4 and 9).
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { sentinel, guard, T0 } from "./util.ts";

const NOW = 1578416556900n;

/** Ring (20, 10000) with one pass written in each of the 20 buckets up to `now`, oldest first. */
async function filledRing(now: bigint) {
  const { exports: e } = await sentinel();
  const r = e.ringNew(20, 10000);
  for (let k = 19n; k >= 0n; k--) assert.ok(e.ringAddPass(r, now - k * 500n, 1n));
  return { e, r };
}

describe("window views over the ring", () => {
  test("vector 1: view (2, 1000) reads the current and previous 500 ms buckets", async () => {
    const { e, r } = await filledRing(NOW);
    assert.equal(e.viewStarts(r, 2, 1000, NOW), "1578416556000,1578416556500");
    assert.equal(e.viewSum(r, 2, 1000, NOW), 2n);
  });

  test("vector 2: view (4, 2000) reads four buckets back from the current one", async () => {
    const { e, r } = await filledRing(NOW);
    assert.equal(e.viewStarts(r, 4, 2000, NOW), "1578416555000,1578416555500,1578416556000,1578416556500");
  });

  test("the full-ring view (20, 10000) reads all twenty buckets", async () => {
    const { e, r } = await filledRing(NOW);
    assert.equal(e.viewSum(r, 20, 10000, NOW), 20n);
  });

  const reuseCases: { name: string; view: [number, number]; expected: number }[] = [
    { name: "vector 3: (4, 2000) is reusable on (20, 10000)", view: [4, 2000], expected: 0 },
    { name: "vector 3: (0, 0) is an illegal view", view: [0, 0], expected: 1 },
    { name: "vector 3: (4, 2001) is an illegal view (interval not divisible)", view: [4, 2001], expected: 1 },
    { name: "vector 3: (2, 2002) is not reusable (ring not divisible by interval)", view: [2, 2002], expected: 3 },
    { name: "vector 3: (4, 200000) is not reusable (longer than the ring)", view: [4, 200000], expected: 3 },
    { name: "(4, 1000) is not reusable (250 ms buckets finer than the ring's 500)", view: [4, 1000], expected: 3 },
  ];
  for (const c of reuseCases) test(c.name, async () => {
    const { exports: e } = await sentinel();
    assert.equal(e.reuse(c.view[0], c.view[1], 20, 10000), c.expected);
  });

  test("vector 4: 10 passes at t = 100..400 count at t = 999 and are gone at t = 1000", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 1000 }] }, "r");
    for (let i = 0; i < 10; i++) assert.equal(e.guardEntry(h, BigInt(100 + i * 30), 1), 0);
    assert.equal(e.guardPassSum(h, 999n), 10n);
    assert.equal(e.guardPassSum(h, 1000n), 0n);
  });

  test("passes at t = 600 are counted until t = 1499 and gone at 1500", async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 1000 }] }, "r");
    const base = T0;
    for (let i = 0; i < 3; i++) e.guardEntry(h, base + 600n, 1);
    assert.equal(e.guardPassSum(h, base + 1499n), 3n);
    assert.equal(e.guardPassSum(h, base + 1500n), 0n);
  });

  test("a write from a clock that went backwards is dropped; reads never reset", async () => {
    const { exports: e } = await sentinel();
    const r = e.ringNew(2, 1000);
    assert.ok(e.ringAddPass(r, T0 + 1000n, 1n));     // bucket idx 0, start T0+1000
    assert.equal(e.ringAddPass(r, T0 + 0n, 1n), false); // same idx, older start: dropped
    assert.equal(e.ringDropped(r), 1n);
    assert.equal(e.viewSum(r, 2, 1000, T0 + 1000n), 1n);
    // Reading far in the future sees nothing but leaves the bucket alone.
    assert.equal(e.viewSum(r, 2, 1000, T0 + 50000n), 0n);
    assert.equal(e.viewSum(r, 2, 1000, T0 + 1000n), 1n);
  });

  test("a single-bucket ring writes into the newer bucket when the clock goes back (as Sentinel)", async () => {
    const { exports: e } = await sentinel();
    const r = e.ringNew(1, 1000);
    assert.ok(e.ringAddPass(r, T0 + 1500n, 1n));
    assert.ok(e.ringAddPass(r, T0 + 500n, 1n));
    assert.equal(e.viewSum(r, 1, 1000, T0 + 1500n), 2n);
  });

  test("time 0 is refused like Go's now <= 0", async () => {
    const { exports: e } = await sentinel();
    const r = e.ringNew(2, 1000);
    assert.equal(e.ringAddPass(r, 0n, 1n), false);
  });

  test("resource node keeps avg RT, min RT (60000 when empty) and max concurrency per window", async () => {
    const { h, e } = await guard({}, "r");
    assert.equal(e.guardMinRt(h, T0), 60000n);
    for (let i = 0; i < 3; i++) assert.equal(e.guardEntry(h, T0 + 10n, 1), 0);
    e.guardExit(h, T0 + 20n, 10n, false, 1);
    e.guardExit(h, T0 + 30n, 20n, true, 1);
    e.guardExit(h, T0 + 40n, 31n, false, 1);
    assert.equal(e.guardAvgRt(h, T0 + 50n), 20n);
    assert.equal(e.guardMinRt(h, T0 + 50n), 10n);
    assert.equal(e.guardMaxConcurrency(h, T0 + 50n), 3n);
    assert.equal(e.guardConcurrency(h), 0n);
  });
});

describe("generateStatFor binding (vector 9)", () => {
  const DEFAULT = 0, RING = 1, STANDALONE = 2;
  const cases: { name: string; interval: number; kind: number; samples: number }[] = [
    { name: "interval 0 reuses the default 1 s view", interval: 0, kind: DEFAULT, samples: 2 },
    { name: "interval 1000 reuses the default view", interval: 1000, kind: DEFAULT, samples: 2 },
    { name: "interval 5000 is a 10-bucket view on the ring", interval: 5000, kind: RING, samples: 10 },
    { name: "interval 2000 is a 4-bucket view on the ring", interval: 2000, kind: RING, samples: 4 },
    { name: "interval 10000 is the whole ring", interval: 10000, kind: RING, samples: 20 },
    { name: "interval 50000 is a standalone tumbling window", interval: 50000, kind: STANDALONE, samples: 1 },
    { name: "interval 3000 is standalone with 6 x 500 ms", interval: 3000, kind: STANDALONE, samples: 6 },
    { name: "interval 20000 is standalone 1 x 20000", interval: 20000, kind: STANDALONE, samples: 1 },
    { name: "interval 100 is standalone 1 x 100", interval: 100, kind: STANDALONE, samples: 1 },
    { name: "interval 750 is standalone 1 x 750", interval: 750, kind: STANDALONE, samples: 1 },
  ];
  for (const c of cases) test(c.name, async () => {
    const { h, e } = await guard({ flowRules: [{ resource: "r", threshold: 5, statIntervalInMs: c.interval }] }, "r");
    assert.equal(e.flowStatKind(h, 0), c.kind);
    assert.equal(e.flowSampleCount(h, 0), c.samples);
  });
});
