// Sentinel's behavioural vectors (shared/docs/sentinel-semantics.md §13) adapted to L4, through
// the Emulator with the filter on every worker and the service on main. One connection is one
// entry; a blocked connection is closed by the filter at once ("wasm_downstream_close").
import { test } from "node:test";
import assert from "node:assert/strict";
import { Builder } from "flatbuffers";
import { WorkerReport } from "../../shared-schema/gen/js/sentinel-wire.js";
import { start, stat, admitted, finish, BUILDS } from "./helpers.ts";
import type { Emulator, VirtualConnection } from "../../host/src/runtime/emulator.ts";

const R = "tcp:orders";
const WALL0 = 1_700_000_000_000;

function alignTo(emu: Emulator, periodMs: number, offsetMs = 0): void {
  const wall = WALL0 + emu.nowMs;
  emu.advanceTime((periodMs - (wall % periodMs) + offsetMs) % periodMs || periodMs);
}

for (const build of BUILDS) {
  const tag = `(${build.filter})`;

  test(`vector 5 ${tag}: flow threshold 10 -> 10 connections pass, the 11th is closed (StopIteration), counted as flow`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 10, statIntervalInMs: 1000 }] }, build });
    alignTo(emu, 1000, 100);
    const cs = Array.from({ length: 11 }, () => emu.connect());
    assert.deepEqual(cs.map(admitted), [...Array(10).fill(true), false]);
    assert.equal(cs[10].upstreamRequested, false, "StopIteration: tcp_proxy never connected upstream");
    assert.deepEqual(cs[10].closed, { by: "host", flush: true, reason: "wasm_downstream_close" });
    assert.equal(stat(emu, "sentinel.entry.pass", R), 10);
    assert.equal(stat(emu, "sentinel.block.flow", R), 1);
    const line = emu.logs("info").filter((l) => l.includes("connection closed"));
    assert.equal(line.length, 1);
    assert.match(line[0], /resource "tcp:orders": connection closed: SentinelBlockError: BlockTypeFlowControl, message: flow reject check blocked \(rule 0, snapshot 10\)$/);
    emu.shutdown();
  });

  test(`block log ${tag}: at most one line per second per worker, then the number suppressed`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 0 }] }, build });
    for (let i = 0; i < 20; i++) emu.connect();
    assert.equal(emu.logs("info").filter((l) => l.includes("connection closed")).length, 1);
    emu.advanceTime(1000);
    emu.connect();
    const lines = emu.logs("info").filter((l) => l.includes("connection closed"));
    assert.equal(lines.length, 2);
    assert.match(lines[1], /\(rule 0, snapshot 0\); 19 more blocked since the previous line$/);
    assert.equal(stat(emu, "sentinel.block.flow", R), 21);
    emu.shutdown();
  });

  test(`vector 4 ${tag}: passes in [0,500) still count at 999 ms and are gone at 1000 ms (sliding 2 x 500 ms)`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 10 }] }, build });
    alignTo(emu, 1000, 100);
    for (let i = 0; i < 10; i++) assert.ok(admitted(emu.connect()));
    emu.advanceTime(600); // t = 700: same window
    assert.equal(admitted(emu.connect()), false);
    emu.advanceTime(299); // t = 999
    assert.equal(admitted(emu.connect()), false);
    emu.advanceTime(1); // t = 1000: the [0,500) bucket left the window
    assert.equal(admitted(emu.connect()), true);
    emu.shutdown();
  });

  test(`vector 8 and windows ${tag}: statIntervalInMs 20000 (tumbling), 2000 (ring view) and 100 (tumbling) across 2 workers`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [
      { resource: R, threshold: 100, statIntervalInMs: 20000 },
      { resource: R, threshold: 30, statIntervalInMs: 2000 },
      { resource: R, threshold: 4, statIntervalInMs: 100 },
    ] }, workers: 2, build });
    alignTo(emu, 20000, 10);
    // 100 ms tumbling window: 4 per window, whatever the worker.
    const first = Array.from({ length: 6 }, (_, i) => emu.connect({ worker: 1 + (i % 2) }));
    assert.equal(first.filter(admitted).length, 4);
    emu.advanceTime(100);
    assert.equal(Array.from({ length: 6 }, (_, i) => emu.connect({ worker: 1 + (i % 2) })).filter(admitted).length, 4);
    // 2000 ms sliding window over the 500 ms ring: 30 in total.
    let admittedIn2s = 8;
    for (let step = 0; step < 15; step++) {
      emu.advanceTime(100);
      admittedIn2s += Array.from({ length: 6 }, (_, i) => emu.connect({ worker: 1 + (i % 2) })).filter(admitted).length;
    }
    assert.equal(admittedIn2s, 30, "the 2000 ms rule caps the first 2 s at 30");
    // 20 s tumbling window: 100 in total (vector 8: all of 50 would pass; here the other rules pace it).
    let total = admittedIn2s;
    for (let step = 0; step < 180; step++) {
      emu.advanceTime(100);
      total += Array.from({ length: 2 }, (_, i) => emu.connect({ worker: 1 + (i % 2) })).filter(admitted).length;
    }
    assert.equal(total, 100);
    emu.shutdown();
  });

  test(`vector 7 ${tag}: flow threshold 0 blocks every connection`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 0 }] }, workers: 2, build });
    for (let i = 0; i < 6; i++) assert.equal(admitted(emu.connect({ worker: 1 + (i % 2) })), false);
    assert.equal(stat(emu, "sentinel.block.flow", R), 6);
    emu.shutdown();
  });

  test(`vector 20 ${tag}: isolation threshold 10 across 3 workers -> 10 open pass, the 11th is blocked, after exits they pass again`, async () => {
    const emu = await start({ doc: { resource: R, isolationRules: [{ resource: R, threshold: 10 }] }, workers: 3, build });
    const open: VirtualConnection[] = [];
    for (let i = 0; i < 10; i++) { const c = emu.connect({ worker: 1 + (i % 3) }); assert.ok(admitted(c), `#${i}`); open.push(c); }
    for (let w = 1; w <= 3; w++) assert.equal(admitted(emu.connect({ worker: w })), false, `worker ${w} over the limit`);
    assert.equal(stat(emu, "sentinel.block.isolation", R), 3);
    assert.equal(stat(emu, "sentinel.entry.active", R), 10);
    for (const c of open) finish(c);
    emu.advanceTime(50); // spare slots go back to the ledger on the next tick
    const again: VirtualConnection[] = [];
    for (let i = 0; i < 10; i++) { const c = emu.connect({ worker: 3 }); assert.ok(admitted(c), `again #${i}`); again.push(c); }
    assert.equal(admitted(emu.connect({ worker: 1 })), false);
    emu.shutdown();
  });

  test(`isolation ${tag}: slots held by a worker VM that stopped reporting are given back by the service`, async () => {
    const emu = await start({ doc: { resource: R, isolationRules: [{ resource: R, threshold: 4 }] }, workers: 1, build,
      serviceDoc: { isolationRules: [{ resource: R, threshold: 4 }], workerExpiryMs: 300 } });
    const mine = [emu.connect(), emu.connect()];
    assert.deepEqual(mine.map(admitted), [true, true]);
    // VM 777 reported once, leased the two other slots, then died.
    const b = new Builder(64);
    WorkerReport.startWorkerReport(b);
    WorkerReport.addWorkerId(b, 777);
    WorkerReport.addVmNonce(b, 777n << 32n);
    WorkerReport.addSeq(b, 1n);
    WorkerReport.finishWorkerReportBuffer(b, WorkerReport.endWorkerReport(b));
    emu.store.enqueue(emu.store.resolveQueue("sentinel", "sentinel_reports"), b.asUint8Array());
    const key = "sentinel/isolation/0/" + R;
    const cur = emu.sharedData("sentinel", key)!.value;
    const v = new DataView(cur.buffer.slice(cur.byteOffset, cur.byteOffset + cur.byteLength));
    const n = v.getUint32(12, true);
    v.setUint32(16 + 8 * n, 777, true);
    v.setUint32(20 + 8 * n, 2, true);
    v.setUint32(12, n + 1, true);
    v.setUint32(8, v.getUint32(8, true) + 2, true);
    emu.store.setData("sentinel", key, new Uint8Array(v.buffer), 0);
    emu.advanceTime(25);
    assert.equal(admitted(emu.connect()), false, "all 4 slots leased");
    emu.advanceTime(500);
    assert.equal(emu.logs("info").filter((l) => l.includes("isolation rule 0: gave back 2 slot(s) held by worker VM 777")).length, 1);
    assert.deepEqual([emu.connect(), emu.connect(), emu.connect()].map(admitted), [true, true, false]);
    emu.shutdown();
  });

  test(`isolation ${tag}: a plugin that goes away (on_done) gives back the slots it does not use`, async () => {
    const emu = await start({ doc: { resource: R, isolationRules: [{ resource: R, threshold: 5 }] }, workers: 2, build });
    const cs = [1, 2, 1, 2].map((w) => emu.connect({ worker: w }));
    cs[0].clientClose();
    cs[1].clientClose();
    const leased = () => {
      const v = emu.sharedData("sentinel", "sentinel/isolation/0/" + R)!.value;
      return new DataView(v.buffer, v.byteOffset, v.byteLength).getUint32(8, true);
    };
    assert.equal(leased(), 4, "2 open + 2 spares");
    emu.shutdown();
    assert.equal(leased(), 2, "the spares went back; the open connections keep theirs until they end");
  });

  test(`isolation ${tag}: active connections never exceed the threshold under random open/close on 4 workers`, async () => {
    const emu = await start({ doc: { resource: R, isolationRules: [{ resource: R, threshold: 7 }] }, workers: 4, build });
    const open: VirtualConnection[] = [];
    let seed = 3, maxOpen = 0, admittedCount = 0;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
    for (let step = 0; step < 600; step++) {
      if (rand() < 0.6) {
        const c = emu.connect({ worker: 1 + Math.floor(rand() * 4) });
        if (admitted(c)) { open.push(c); admittedCount++; }
      } else if (open.length > 0) {
        finish(open.splice(Math.floor(rand() * open.length), 1)[0]);
      }
      maxOpen = Math.max(maxOpen, open.length);
      assert.ok(open.length <= 7);
      if (step % 5 === 0) emu.advanceTime(7);
    }
    assert.equal(maxOpen, 7, "the threshold is reached");
    assert.equal(stat(emu, "sentinel.entry.active", R), open.length);
    emu.shutdown();
  });
}
