// After warm-up, building a report or table into the reused Builder and verifying + reading one
// with preallocated readers must not allocate: the harness is built with --runtime stub, whose
// allocator never reuses memory, so any allocation would move the next address it hands out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadHarness, type Harness } from "./harness.ts";
import { verifyRoot } from "../ts/verify.ts";
import { dumpRoot } from "../ts/dump.ts";

async function stubHarness(): Promise<Harness & Record<string, any>> {
  return await loadHarness(["--runtime", "stub"]) as Harness & Record<string, any>;
}

test("building and reading WorkerReports allocates nothing after warm-up", async () => {
  const h = await stubHarness();
  const x = h.exports;
  for (let i = 0; i < 50; i++) x.buildReport(8, BigInt(i));
  const grows = h.builderGrows();
  const before = x.allocProbe();
  assert.equal(x.allocProbe(), before, "the probe itself leaves nothing behind");
  let sum = 0n;
  for (let i = 0; i < 2000; i++) {
    const len = x.buildReport(8, BigInt(i));
    sum += x.readReport(x.builtPtr(), len);
  }
  assert.equal(x.allocProbe(), before, "an allocation happened in steady state");
  assert.equal(h.builderGrows(), grows, "the builder grew after warm-up");
  assert.ok(sum > 0n, "readReport verified and read the reports");
});

test("the probe does see an allocation (control)", async () => {
  const h = await stubHarness();
  const x = h.exports;
  const before = x.allocProbe();
  h.random("WorkerReport", 5n); // builds strings and arrays: allocates
  assert.notEqual(x.allocProbe(), before);
});

test("building and reading DecisionTables allocates nothing after warm-up", async () => {
  const h = await stubHarness();
  const x = h.exports;
  for (let i = 0; i < 50; i++) x.buildTable(16, BigInt(i));
  const before = x.allocProbe();
  let sum = 0n;
  for (let i = 0; i < 2000; i++) sum += x.readTable(x.builtPtr(), x.buildTable(16, BigInt(i)), 2);
  assert.equal(x.allocProbe(), before, "an allocation happened in steady state");
  assert.ok(sum > 0n);
});

test("the hand-built report reads the same in TS", async () => {
  const h = await stubHarness();
  const x = h.exports;
  const len = x.buildReport(2, 7n);
  const bytes = new Uint8Array(x.memory.buffer, x.builtPtr(), len).slice();
  assert.ok(verifyRoot(bytes, "WorkerReport"));
  const d = JSON.parse(dumpRoot(bytes, "WorkerReport").replace(/:(\d{16,})/g, ':"$1"'));
  assert.equal(d.worker_id, 3);
  assert.equal(d.seq, 7);
  assert.equal(d.resources.length, 2);
  assert.equal(d.resources[1].buckets[0].pass, 10);
  assert.deepEqual(d.resources[1].buckets[0].blocked, [{ reason: 1, count: 2 }, { reason: 2, count: 2 }]);
  assert.equal(Buffer.from(d.resources[0].name, "hex").toString(), "tcp:orders");
});
