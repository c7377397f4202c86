import { test } from "node:test";
import assert from "node:assert/strict";
import { buildSchedule, parseSchedule, rateAt, scheduledCount } from "./schedule.ts";

test("a step schedules rate x time connections, evenly", () => {
  const s = parseSchedule("1000@2s");
  assert.equal(s.durationMs, 2000);
  assert.equal(s.totalCount, 2000);
  assert.equal(Math.floor(scheduledCount(s, 0)), 0);
  assert.equal(Math.floor(scheduledCount(s, 1)), 1);
  assert.equal(Math.floor(scheduledCount(s, 500)), 500);
  assert.equal(Math.floor(scheduledCount(s, 5000)), 2000);
});

test("a ramp schedules the integral of its rate: (from + to) / 2 x time", () => {
  const s = parseSchedule("0..1000@2s");
  assert.equal(s.totalCount, 1000);
  assert.equal(Math.floor(scheduledCount(s, 1000)), 250);   // first half of a linear ramp: a quarter
  assert.equal(rateAt(s, 1000), 500);
});

test("bursts add their count at one instant between segments", () => {
  const s = parseSchedule("100@1s,+50,200@500ms");
  assert.equal(s.totalCount, 100 + 50 + 100);
  assert.equal(Math.floor(scheduledCount(s, 999)), 99);
  assert.equal(Math.floor(scheduledCount(s, 1000)), 150);
  assert.equal(Math.floor(scheduledCount(s, 1250)), 200);
  assert.equal(rateAt(s, 1200), 200);
  assert.equal(rateAt(s, 5000), 0);
});

test("scheduledCount is non-decreasing across segment boundaries", () => {
  const s = parseSchedule("300@1s,300..900@1s,+40,900..0@1s,50@1s");
  let prev = 0;
  for (let t = 0; t <= s.durationMs + 10; t += 7) {
    const n = scheduledCount(s, t);
    assert.ok(n >= prev, `decreased at ${t}`);
    prev = n;
  }
  assert.equal(Math.floor(prev), s.totalCount);
});

test("bad schedules are refused with the item that is wrong", () => {
  assert.throws(() => parseSchedule("100"), /schedule item 1 "100": expected RATE@DURATION/);
  assert.throws(() => parseSchedule("100@2s,fast@1s"), /schedule item 2 "fast@1s"/);
  assert.throws(() => parseSchedule("100@2min"), /bad duration "2min"/);
  assert.throws(() => buildSchedule([]), /at least one segment/);
  assert.throws(() => buildSchedule([{ kind: "step", rate: -1, durationMs: 10 }]), /rate must be a finite number >= 0/);
});
