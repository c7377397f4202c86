// How a worker sizes its token leases from a flow rule's process-wide ledger
// (filter/assembly/ledger/flow-ledger.ts, worker-rules.ts FlowState): about one tick of its local
// demand per lease while the window is contended, and the expected demand of the next 250 ms (or
// the rest of the bucket, if shorter) in one lease when that fits in a quarter of the window's room
// (the limit is far away: two leases per 500 ms bucket instead of one per tick). The ledger is read
// back from shared data as the service would.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "../../host/src/runtime/emulator.ts";
import { start, admitted, finish } from "./helpers.ts";

const R = "tcp:orders";
const WALL0 = 1_700_000_000_000; // the Emulator's wall clock at virtual time 0
const BUCKET_MS = 500; // Sentinel's default statistic: 2 buckets per 1000 ms window
const KEY = `sentinel/flow/0/${R}`;

/** counts[bucket] of the ledger: tokens granted for the bucket starting at wall time `startMs`. */
function granted(emu: Emulator, startMs: number): number {
  const v = emu.sharedData("sentinel", KEY);
  assert.ok(v, `${KEY} is in shared data`);
  const dv = new DataView(v.value.buffer, v.value.byteOffset, v.value.byteLength);
  const n = dv.getUint32(4, true);
  const idx = (startMs / BUCKET_MS) % n;
  assert.equal(dv.getBigUint64(24 + 8 * idx, true), BigInt(startMs), "the bucket is the ledger's current one");
  return dv.getUint32(24 + 8 * n + 4 * idx, true);
}

/** One connection every 10 ms (50 per bucket) for `ms`, each finished at once. */
function drive(emu: Emulator, ms: number): number {
  let passed = 0;
  for (let t = 0; t < ms; t += 10) {
    const c = emu.connect();
    if (admitted(c)) { passed++; finish(c); }
    emu.advanceTime(10);
  }
  return passed;
}

/** Runs one whole bucket at 50 connections, then the first connection of the next; its bucket start. */
async function afterOneBucket(threshold: number): Promise<{ emu: Emulator; bucket: number; firstPassed: number }> {
  const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold }] } });
  emu.advanceTime(BUCKET_MS - ((WALL0 + emu.nowMs) % BUCKET_MS)); // a bucket boundary
  const firstPassed = drive(emu, BUCKET_MS);
  const bucket = WALL0 + emu.nowMs;
  const c = emu.connect();
  assert.ok(admitted(c));
  return { emu, bucket, firstPassed };
}

test("room to spare: a lease takes the previous bucket's rate for 250 ms, so a bucket takes two", async () => {
  const { emu, bucket, firstPassed } = await afterOneBucket(1000);
  assert.equal(firstPassed, 50);
  const g = granted(emu, bucket);
  // 0.1 connections/ms for 250 ms; one tick's worth (20 ms) would be 2.
  assert.ok(g >= 24 && g <= 25, `granted ${g} by the bucket's first lease`);
  // The bucket's 50 connections draw on that lease and one more like it.
  emu.advanceTime(10);
  drive(emu, BUCKET_MS - 10);
  const total = granted(emu, bucket);
  assert.ok(total >= 50 && total <= 51, `granted ${total} over the bucket`);
  emu.shutdown();
});

test("room to spare, a 20 s tumbling window: a lease still reaches only 250 ms ahead", async () => {
  // Longer than Sentinel's 10 s statistic ring: one bucket of 20 s (sentinel/assembly/stat/binding.ts).
  const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 100000, statIntervalInMs: 20000 }] } });
  const len = 20000;
  emu.advanceTime(len - ((WALL0 + emu.nowMs) % len));
  drive(emu, len); // 2000 connections in the bucket before
  const bucket = WALL0 + emu.nowMs;
  assert.ok(admitted(emu.connect()));
  const v = emu.sharedData("sentinel", KEY)!.value;
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  assert.equal(dv.getUint32(4, true), 1, "one bucket");
  assert.equal(dv.getUint32(8, true), len, "of 20 s");
  assert.equal(dv.getBigUint64(24, true), BigInt(bucket));
  const g = dv.getUint32(32, true);
  // 0.1/ms for 250 ms, not the 2000 of the whole bucket.
  assert.ok(g >= 24 && g <= 25, `granted ${g}`);
  emu.shutdown();
});

test("room to spare: tokens the bucket did not use go back when it ends, so the ledger holds what was admitted", async () => {
  const { emu, bucket } = await afterOneBucket(1000);
  // Half the demand of the bucket before: most of the lease stays unused.
  let passed = 1;
  for (let t = 20; t < BUCKET_MS; t += 20) { // offsets 20..480: 25 connections with the first
    emu.advanceTime(20);
    const c = emu.connect();
    if (admitted(c)) { passed++; finish(c); }
  }
  emu.advanceTime(bucket + BUCKET_MS - (WALL0 + emu.nowMs)); // the next bucket's first connection rolls this one
  assert.ok(admitted(emu.connect()));
  assert.equal(granted(emu, bucket), passed);
  emu.shutdown();
});

test("contended window: a lease stays about one tick of demand (the rest of the bucket would exceed a quarter of the room)", async () => {
  // Threshold 120 with 50 in the previous bucket: room 70, a quarter is 17, the bucket's demand 50.
  const { emu, bucket, firstPassed } = await afterOneBucket(120);
  assert.equal(firstPassed, 50);
  const g = granted(emu, bucket);
  assert.ok(g >= 1 && g <= 3, `granted ${g} for the bucket`);
  emu.shutdown();
});

test("a window that was full keeps leases at one tick of demand for a window's length, then they grow again", async () => {
  const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 1000 }] } });
  emu.advanceTime(BUCKET_MS - ((WALL0 + emu.nowMs) % BUCKET_MS));
  // A burst fills the window in its first bucket; the next bucket is refused throughout.
  let refused = 0;
  for (let i = 0; i < 1100; i++) {
    const c = emu.connect();
    if (admitted(c)) finish(c); else refused++;
  }
  assert.equal(refused, 100);
  emu.advanceTime(BUCKET_MS - ((WALL0 + emu.nowMs) % BUCKET_MS));
  assert.equal(drive(emu, BUCKET_MS), 0);
  // The window has room again (the burst's bucket left it), the demand is 50 a bucket: the lease
  // would fit in a quarter of the room, but the window was full a bucket ago.
  let bucket = WALL0 + emu.nowMs;
  assert.ok(admitted(emu.connect()));
  const g = granted(emu, bucket);
  assert.ok(g >= 1 && g <= 3, `granted ${g} one bucket after a full window`);
  emu.advanceTime(10);
  drive(emu, BUCKET_MS - 10);
  assert.equal(drive(emu, BUCKET_MS), 50);
  // Two buckets (a whole window) without a refusal: the bucket's demand in one lease again.
  bucket = WALL0 + emu.nowMs;
  assert.ok(admitted(emu.connect()));
  const h = granted(emu, bucket);
  assert.ok(h >= 24 && h <= 25, `granted ${h} once the window has not been full for a window's length`);
  emu.shutdown();
});
