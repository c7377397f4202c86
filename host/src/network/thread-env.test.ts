// The real thread's wall clock: the BigInt form (WASI, tests) and the allocation-free halves that
// proxy_get_current_time_nanoseconds writes are one clock.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevels, LogSink } from "../log/log-sink.ts";
import { SharedStore } from "../store/index.ts";
import { RealThreadEnv } from "./thread-env.ts";

function env(): RealThreadEnv {
  const log = new LogSink(LogLevels.create({ level: 2, components: {} }), 1, () => {});
  return new RealThreadEnv(1, SharedStore.create({ bytes: 1 << 16 }), log, () => {});
}

test("wallTimeNsInto gives wallTimeNs as two u32 halves: one clock, readings in order, following Date.now()", () => {
  const e = env();
  const out = new Uint32Array(2);
  for (let i = 0; i < 1000; i++) {
    const before = e.wallTimeNs();
    e.wallTimeNsInto(out);
    const after = e.wallTimeNs();
    const split = (BigInt(out[1]) << 32n) | BigInt(out[0]);
    // No tolerance: two clocks with bases read at different moments (a preemption between them
    // once put them 5 ms apart) would fail here.
    assert.ok(before <= split && split <= after, `${before} <= ${split} <= ${after}`);
  }
  const ms = Number(((BigInt(out[1]) << 32n) | BigInt(out[0])) / 1_000_000n);
  assert.ok(Math.abs(ms - Date.now()) < 1000, `${ms} vs ${Date.now()}`);
});

test("wallTimeNsInto never goes backwards", async () => {
  const e = env();
  const out = new Uint32Array(2);
  let last = 0n;
  for (let i = 0; i < 20000; i++) {
    e.wallTimeNsInto(out);
    const v = (BigInt(out[1]) << 32n) | BigInt(out[0]);
    assert.ok(v >= last, `went back: ${last} -> ${v}`);
    last = v;
    if (i % 5000 === 0) await new Promise((r) => setTimeout(r, 5)); // the low half wraps every 4.3 s; 20 ms of spread still crosses values
  }
  assert.ok(out[1] > 0x17000000, "the high half holds the epoch's upper bits (a 2020s date)");
});
