import { test } from "node:test";
import assert from "node:assert/strict";
import { pairedRatios, phaseConfig, plannedMs, roundPhases, type CompareResult, type CompareSettings } from "./compare.ts";

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

const SETTINGS: CompareSettings = {
  concurrency: 1, rounds: 8, warmupMs: 2000, cpsMs: 4000, mbpsMs: 2500, cpsWorkers: 64, cpsPayloadBytes: 64,
  mbpsConnections: 4, mbpsPayloadBytes: 65536, fixedRate: 0, pin: null,
};

test("a fixed rate adds an open-loop phase to every round: that many connections per second for the conn/s phase's length", () => {
  assert.deepEqual(roundPhases(SETTINGS), ["cps", "mbps"]);
  const withRate = { ...SETTINGS, fixedRate: 2000 };
  assert.deepEqual(roundPhases(withRate), ["cps", "mbps", "rate"]);
  const load = phaseConfig(withRate, "rate", withRate.cpsMs);
  assert.equal(load.mode, "open");
  assert.equal(load.schedule, "2000@4s");
  assert.equal(load.exchanges, 1);
  assert.equal(load.payloadBytes, 64);
  // The plan grows by one conn/s phase's length (and one client start) per variant and round.
  assert.equal(plannedMs(withRate, 4) - plannedMs(SETTINGS, 4), 4 * 8 * (4000 + 250));
});

/** One round's phases of one kind each, as pairedRatios reads them. */
const phaseRow = (target: string, phase: string, connPerSec: number, proxyCpuUsPerConn: number) =>
  ({ target, phase, round: 0, connPerSec, proxyCpuUsPerConn, mbPerSec: 0 });
const oneRound = (phases: ReturnType<typeof phaseRow>[]) => ({ settings: { rounds: 1 }, phases }) as unknown as CompareResult;

test("a pin adds a pinned phase to every round: the conn/s phase's load, with the proxy on CPUs of its own", () => {
  const pinned = { ...SETTINGS, fixedRate: 2000, pin: { proxy: [0], rest: [1] } };
  assert.deepEqual(roundPhases(pinned), ["cps", "mbps", "rate", "pinned"]);
  assert.deepEqual(phaseConfig(pinned, "pinned", 4000), phaseConfig(pinned, "cps", 4000));
  assert.equal(plannedMs(pinned, 4) - plannedMs({ ...pinned, pin: null }, 4), 4 * 8 * (4000 + 250));
});

test("pairedRatios pairs the fixed-rate and the pinned phases each on their own, and is null for a kind the run did not have", () => {
  const phases = [
    phaseRow("host", "cps", 6000, 130), phaseRow("both", "cps", 5400, 150),
    phaseRow("host", "rate", 2000, 200), phaseRow("both", "rate", 2000, 204),
    phaseRow("host", "pinned", 6600, 120), phaseRow("both", "pinned", 6534, 123),
  ];
  const p = pairedRatios(oneRound(phases), "both", "host");
  assert.equal(p.connPerSec, 0.9, "neither the fixed-rate nor the pinned phases count as conn/s phases");
  assert.equal(p.cpuPerConn, 0.867);
  assert.equal(p.cpuPerConnAtFixedRate, 0.98);
  assert.equal(p.connPerSecPinned, 0.99);
  assert.equal(p.cpuPerConnPinned, 0.976);
  const cpsOnly = pairedRatios(oneRound(phases.slice(0, 2)), "both", "host");
  assert.equal(cpsOnly.cpuPerConnAtFixedRate, null);
  assert.equal(cpsOnly.connPerSecPinned, null);
  assert.equal(cpsOnly.cpuPerConnPinned, null);
});
