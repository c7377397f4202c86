import { test } from "node:test";
import assert from "node:assert/strict";
import { clientCrossingMs, transitions } from "./circuit-breaker.ts";

const rule = { threshold: 0.5, minRequestAmount: 10, statIntervalMs: 1000, buckets: 2 };

test("crossing: counted over Sentinel's bucketed window (current 500 ms bucket + the previous one)", () => {
  // 100 ms intervals on a wall clock starting at 10_000 (a bucket edge); 10 good per interval, then
  // from 1000 ms on, 10 bad per interval.
  const intervals = Array.from({ length: 30 }, (_, i) => ({ endMs: (i + 1) * 100, admitted: i < 10 ? 10 : 0, blocked: i < 10 ? 0 : 10 }));
  // Buckets on the wall clock at multiples of 500; scenario time 0 = wall 10_000 (a bucket edge).
  // At end 1500 the window is [500, 1500): 50 good + 50 bad = 0.5, the first end to reach it.
  assert.equal(clientCrossingMs(intervals, rule, 1000, 10_000), 1500);
  // Scenario 0 = wall 10_300: at end 1300 (wall 11_600) the window is wall [11_000, 11_600) =
  // scenario [700, 1300): 30 good + 30 bad. A trailing 1000 ms window would still see 70 good.
  assert.equal(clientCrossingMs(intervals, rule, 1000, 10_300), 1300);
});

test("crossing needs minRequestAmount connections in the window", () => {
  const few = [{ endMs: 100, admitted: 0, blocked: 5 }, { endMs: 200, admitted: 0, blocked: 4 }];
  assert.equal(clientCrossingMs(few, rule, 0, 0), null);
  assert.equal(clientCrossingMs([...few, { endMs: 300, admitted: 0, blocked: 1 }], rule, 0, 0), 300);
});

test("transitions keep state changes only, with names", () => {
  assert.deepEqual(transitions([[0, 0], [50, 0], [100, 2], [150, 2], [200, 1], [250, 0]]),
    [{ atMs: 0, state: "Closed" }, { atMs: 100, state: "Open" }, { atMs: 200, state: "HalfOpen" }, { atMs: 250, state: "Closed" }]);
});
