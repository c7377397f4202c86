import { test } from "node:test";
import assert from "node:assert/strict";
import { pairedRatios, type CompareResult } from "./compare.ts";

/** A run with only what pairedRatios reads: per (target, round), a conn/s phase and a MB/s phase. */
function run(rounds: Array<Record<string, { cps: number; cpu: number; mbps: number }>>): CompareResult {
  const phases = rounds.flatMap((byTarget, round) => Object.entries(byTarget).flatMap(([target, f]) => [
    { target, phase: "cps", round, connPerSec: f.cps, proxyCpuUsPerConn: f.cpu, mbPerSec: 0 },
    { target, phase: "mbps", round, connPerSec: 0, proxyCpuUsPerConn: 0, mbPerSec: f.mbps },
  ]));
  return { settings: { rounds: rounds.length }, phases } as unknown as CompareResult;
}

test("pairedRatios pairs each round's phases: variant / base for rates, base / variant for CPU per connection", () => {
  // A busy spell (round 2) makes everything dearer; pairing by round cancels it, as the ratio of
  // the two medians (140 / 147 = 0.952 here) does not.
  const r = run([
    { host: { cps: 1000, cpu: 100, mbps: 500 }, both: { cps: 950, cpu: 104, mbps: 490 } },
    { host: { cps: 1000, cpu: 140, mbps: 500 }, both: { cps: 960, cpu: 147, mbps: 480 } },
    { host: { cps: 700, cpu: 200, mbps: 400 }, both: { cps: 700, cpu: 198, mbps: 400 } },
  ]);
  const p = pairedRatios(r, "both", "host");
  assert.equal(p.connPerSec, 0.96);
  assert.equal(p.mbPerSec, 0.98);
  assert.equal(p.cpuPerConn, 0.962, "median of 100/104, 140/147, 200/198");
});

test("pairedRatios skips rounds where either side is missing or measured nothing, and is null without any", () => {
  const r = run([
    { host: { cps: 1000, cpu: 0, mbps: 0 }, both: { cps: 900, cpu: 110, mbps: 450 } },
    { host: { cps: 1000, cpu: 100, mbps: 500 } },
  ]);
  const p = pairedRatios(r, "both", "host");
  assert.equal(p.connPerSec, 0.9);
  assert.equal(p.cpuPerConn, null, "the host's only CPU figure is 0: no ratio");
  assert.equal(p.mbPerSec, null);
});
