// How often a worker reads the decision table (filter/assembly/filter.ts, FilterRoot#tableDue):
// every tick while a breaker could change state soon, every other tick while none can, and the
// bound that matters either way: a breaker opened by one worker's errors reaches the other
// workers, which were reading every other tick, within 100 ms.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "../../host/src/runtime/emulator.ts";
import { start, admitted, finish, refusedUpstream } from "./helpers.ts";

const R = "tcp:orders";
const TABLE_KEY_LEN = "sentinel/decisions".length;
const TICK_MS = 20;

function countRule(extra: Record<string, unknown> = {}) {
  return { resource: R, strategy: "ErrorCount", threshold: 5, minRequestAmount: 5, statIntervalMs: 10000, retryTimeoutMs: 5000, ...extra };
}

/** get_shared_data calls for the table key made on worker thread `worker` so far (wasm:trace lines). */
function tableReads(emu: Emulator, worker: number): number {
  let n = 0;
  for (const e of emu.logEntries()) {
    if (e.threadId !== worker) continue;
    const m = /^\[vm->host\] env\.proxy_get_shared_data\(\d+, (\d+),/.exec(e.line);
    if (m && Number(m[1]) === TABLE_KEY_LEN) n++;
  }
  return n;
}

function goodConnection(emu: Emulator, worker: number): void {
  const c = emu.connect({ worker });
  assert.ok(admitted(c));
  finish(c);
}

/** Good traffic on every worker for `ms`, one connection per worker per tick. */
function calmTraffic(emu: Emulator, workers: number, ms: number): void {
  for (let t = 0; t < ms; t += TICK_MS) {
    for (let w = 1; w <= workers; w++) goodConnection(emu, w);
    emu.advanceTime(TICK_MS);
  }
}

test("no breaker can change state soon: the table is read on every other tick; with a bad completion in its window, on every tick", async () => {
  const emu = await start({ doc: { resource: R, circuitBreakerRules: [countRule({ threshold: 1000 })] }, logLevel: "trace" });
  calmTraffic(emu, 1, 200);
  let before = tableReads(emu, 1);
  calmTraffic(emu, 1, 400); // 20 ticks
  const calm = tableReads(emu, 1) - before;
  assert.ok(calm >= 9 && calm <= 11, `${calm} table reads in 20 calm ticks`);
  refusedUpstream(emu, 1); // one error: the service's next table holds it in the window
  calmTraffic(emu, 1, 200);
  before = tableReads(emu, 1);
  calmTraffic(emu, 1, 400);
  const armed = tableReads(emu, 1) - before;
  assert.ok(armed >= 19 && armed <= 21, `${armed} table reads in 20 ticks with a bad completion in the window`);
  emu.shutdown();
});

test("a resource without breaker rules reads the table on one tick in five (liveness and the publication period only)", async () => {
  const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 1e6 }] }, logLevel: "trace" });
  calmTraffic(emu, 1, 200);
  const before = tableReads(emu, 1);
  calmTraffic(emu, 1, 1000); // 50 ticks
  const reads = tableReads(emu, 1) - before;
  assert.ok(reads >= 9 && reads <= 11, `${reads} table reads in 50 ticks`);
  emu.shutdown();
});

test("errors on one worker only: the other three, reading every other tick while calm, block within 100 ms", async () => {
  const emu = await start({ doc: { resource: R, circuitBreakerRules: [countRule()] }, workers: 4 });
  calmTraffic(emu, 4, 300);
  emu.advanceTime(7); // off the tick grid
  for (let i = 0; i < 5; i++) refusedUpstream(emu, 1);
  const crossedAt = emu.nowMs;
  let blockedAfter = -1;
  for (let dt = 0; dt <= 200; dt += 2) {
    const blocked = [2, 3, 4].every((w) => {
      const c = emu.connect({ worker: w });
      if (admitted(c)) { finish(c); return false; }
      return true;
    });
    if (blocked) { blockedAfter = emu.nowMs - crossedAt; break; }
    emu.advanceTime(2);
  }
  assert.ok(blockedAfter >= 0 && blockedAfter <= 100, `workers 2-4 blocked ${blockedAfter} ms after the fifth error`);
  emu.shutdown();
});
