// Real sockets, a real 2-worker host: calibrate source tuples, then steer 90 % of an open-loop
// load to worker_0 and read what the host's per-worker counters say happened.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startHostProc, startUpstreamProc, hostPorts } from "./targets.ts";
import { noFilterYaml } from "./host-config.ts";
import { stopAll } from "./procs.ts";
import { statDelta } from "./admin-stats.ts";
import { calibrateWorkers, listeningPorts } from "./worker-calibration.ts";
import { candidateTuples, poolsByWorker, workerShares } from "./tuple-pool.ts";
import { resolveConfig, runLoad } from "./load-client.ts";

after(() => stopAll());

test("calibrated tuples land on their worker; a requested 0.9 skew is what the host counts", { timeout: 60_000 }, async () => {
  const up = await startUpstreamProc();
  const host = await startHostProc("host", "host, no wasm", noFilterYaml(await hostPorts(up.port)), 2);
  const prefix = host.config!.listenerStatPrefix;
  const cal = await calibrateWorkers({
    host: "127.0.0.1", port: host.port, admin: host.admin!, listenerStatPrefix: prefix, workers: 2,
    candidates: candidateTuples({ addressFrom: 2, addressTo: 250, portFrom: 21000, portTo: 22000, exclude: listeningPorts(), count: 600 }),
    perWorker: 60, timeoutMs: 20_000,
  });
  assert.equal(cal.stoppedBy, "enough", JSON.stringify({ ...cal, mapping: cal.mapping.length }));
  assert.equal(cal.ambiguous, 0);

  const shares = workerShares(2, 0.9);
  const plan = path.join(os.tmpdir(), `skew-plan-test-${process.pid}.json`);
  writeFileSync(plan, JSON.stringify({ shares, pools: poolsByWorker(cal.mapping, 2) }));
  const before = await host.stats!();
  // 600 arrivals on 120 tuples: every tuple is used several times (bind after close must work)
  const run = runLoad(resolveConfig({ port: host.port, mode: "open", schedule: "400@1500ms", skewPlanFile: plan, intervalMs: 500, wallClockBucketMs: 500 }), () => {});
  const s = await run.done;
  const delta = statDelta(before, await host.stats!());
  const got = [0, 1].map((w) => delta.get(`${prefix}.worker_${w}.downstream_cx_total`) ?? -1);
  assert.equal(s.failed + s.refused + s.skipped, 0, JSON.stringify(s.errorsByCode));
  assert.equal(s.completed, 600);
  // the host's counters agree with the client's choice connection for connection
  assert.deepEqual(got, s.offeredByWorker);
  assert.ok(Math.abs(got[0] / (got[0] + got[1]) - 0.9) <= 0.01, `worker_0 got ${got[0]} of ${got[0] + got[1]}`);
  // wall-clock buckets hold every arrival and every admission, per worker too
  const w = s.wallClock!;
  const total = (a: number[]) => a.reduce((x, y) => x + y, 0);
  assert.equal(w.firstEpochMs % 500, 0);
  assert.equal(total(w.offered), 600);
  assert.equal(total(w.admitted), s.admitted);
  assert.deepEqual([0, 1].map((k) => total(w.admittedByWorker!.map((b) => b[k]))), s.admittedByWorker);
});
