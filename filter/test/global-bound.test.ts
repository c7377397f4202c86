// The process-wide flow bound with 4 emulated workers: connections placed uniformly or 90/10 on
// worker 1, offered at 3x the threshold. Sentinel's window (2 x 500 ms, threshold T per 1000 ms)
// must admit at most T in every window [k*500, k*500 + 1000), and at least 97% of T once warm.
// Counts are conserved: what the clients saw accepted == the filters' pass stat == the service's
// aggregated passes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { start, stat, admitted, BUILDS } from "./helpers.ts";

const R = "tcp:orders";
const WALL0 = 1_700_000_000_000;

/** Small deterministic PRNG (mulberry32) so placements are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Run { windows: number[]; accepted: number; passStat: number; servicePass: number; blocked: number }

async function run(threshold: number, skew: boolean, seconds: number, build = BUILDS[0], naive = false): Promise<Run> {
  const workers = 4;
  // naive: no service, so after 50 ms every worker falls back to its own threshold/4 limiter.
  const doc = naive
    ? { resource: R, flowRules: [{ resource: R, threshold }], fallback: "local", workers, staleAfterMs: 50 }
    : { resource: R, flowRules: [{ resource: R, threshold }] };
  const emu = await start({ doc, workers, build, serviceDoc: naive ? null : undefined });
  // Start on a whole second so windows are easy to name.
  emu.advanceTime(1000 - ((WALL0 + emu.nowMs) % 1000));
  const t0 = emu.nowMs;
  const random = rng(skew ? 7 : 11);
  const perMs = (3 * threshold) / 1000;
  const times: number[] = [];
  let owed = 0, blocked = 0;
  for (let ms = 0; ms < seconds * 1000; ms++) {
    owed += perMs;
    while (owed >= 1) {
      owed -= 1;
      const u = random();
      const worker = skew ? (u < 0.9 ? 1 : 2 + Math.floor(((u - 0.9) / 0.1) * 3)) : 1 + Math.floor(u * workers);
      const c = emu.connect({ worker });
      if (admitted(c)) {
        times.push(emu.nowMs - t0);
        c.downstreamData("q").upstreamData("a").clientClose();
      } else blocked++;
    }
    emu.advanceTime(1);
  }
  emu.advanceTime(300); // last reports reach the service
  const windows: number[] = [];
  for (let k = 0; k + 2 <= seconds * 2; k++) {
    const lo = k * 500, hi = lo + 1000;
    windows.push(times.filter((t) => t >= lo && t < hi).length);
  }
  const r: Run = { windows, accepted: times.length, passStat: stat(emu, "sentinel.entry.pass", R),
    servicePass: stat(emu, "sentinel.service.pass", R), blocked };
  emu.shutdown();
  return r;
}

for (const [name, skew] of [["uniform", false], ["90/10 skew", true]] as const) {
  for (const threshold of [100, 1000]) {
    test(`flow bound, 4 workers, ${name}, threshold ${threshold}, 3x offered: every window <= T and >= 97% of T`, async () => {
      const r = await run(threshold, skew, 4);
      const max = Math.max(...r.windows);
      const steady = r.windows.slice(1); // the first window starts empty-handed
      const min = Math.min(...steady);
      assert.ok(max <= threshold, `a window admitted ${max} > ${threshold}: ${r.windows}`);
      assert.ok(min >= 0.97 * threshold, `a window admitted only ${min} < 97% of ${threshold}: ${r.windows}`);
      assert.equal(r.passStat, r.accepted, "filters' sentinel.entry.pass == connections the clients saw accepted");
      assert.equal(r.servicePass, r.accepted, "service's aggregated passes == connections accepted");
      assert.ok(r.blocked > 0);
    });
  }
}

test("flow bound on the debug build too (90/10, threshold 50)", async () => {
  const r = await run(50, true, 2, BUILDS[1]);
  assert.ok(Math.max(...r.windows) <= 50, `${r.windows}`);
  assert.ok(Math.min(...r.windows.slice(1)) >= 0.97 * 50 - 1e-9, `${r.windows}`);
  assert.equal(r.servicePass, r.accepted);
});

test("for comparison: a naive per-worker limiter (threshold/4 each) under 90/10 skew admits about half", async () => {
  const r = await run(1000, true, 3, BUILDS[0], true);
  const steady = r.windows.slice(1);
  const share = Math.max(...steady) / 1000;
  assert.ok(Math.max(...r.windows) <= 1000);
  assert.ok(share < 0.6, `naive limiter admitted up to ${share * 100}% of the threshold`);
});
