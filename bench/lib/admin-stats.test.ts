// settledStats: a benchmark's before/after snapshot waits for the filter's tick-batched counters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseStatsJson, settledStats, statDelta, type StatMap } from "./admin-stats.ts";

/** Successive admin reads: the filter's pass counter reaches 41 on the third; a window gauge never stops moving. */
function reads(passes: number[]): { read: () => Promise<StatMap>; count: () => number } {
  let n = 0;
  return {
    read: async () => {
      const pass = passes[Math.min(n, passes.length - 1)];
      n++;
      return new Map([
        ["wasmcustom.sentinel.entry.pass_resource=tcp:echo;", pass],
        ["wasmcustom.sentinel.window.pass_qps_resource=tcp:echo;", n * 7],
        ["listener.127.0.0.1_1.downstream_cx_total", 41],
      ]);
    },
    count: () => n,
  };
}

test("settledStats reads until the filter's counters stop changing, ignoring the service's moving window gauges", async () => {
  const r = reads([40, 40.5, 41]);
  const s = await settledStats(r.read, 5);
  assert.equal(s.get("wasmcustom.sentinel.entry.pass_resource=tcp:echo;"), 41);
  assert.equal(r.count(), 4, "41 seen twice in a row");
});

test("settledStats gives up after maxMs and returns the latest read", async () => {
  let v = 0;
  const s = await settledStats(async () => new Map([["wasmcustom.sentinel.filter.cx_total", v++]]), 5, 40);
  assert.ok((s.get("wasmcustom.sentinel.filter.cx_total") ?? 0) >= 3);
});

test("parseStatsJson keeps numeric stats and statDelta gives after - before", () => {
  const before = parseStatsJson('{"stats":[{"name":"a","value":1},{"name":"b","value":"x"},{"histograms":{}}]}');
  assert.deepEqual([...before], [["a", 1]]);
  assert.deepEqual([...statDelta(before, new Map([["a", 5], ["c", 2]]))], [["a", 4], ["c", 2]]);
  assert.throws(() => parseStatsJson("nope"), /not JSON/);
});
