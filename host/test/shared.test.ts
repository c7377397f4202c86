// Process-wide state across emulated threads: queue wake-ups on the owner's thread, one metric per
// name summed over VMs, CAS updates from several workers, ticks per root per VM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator } from "../src/runtime/emulator.ts";
import { facts, testModule } from "./helpers.ts";

async function peers(workers: number, filterCfg = "sender") {
  return Emulator.create({
    workers,
    services: [{ name: "svc", rootId: "svc", vmId: "qvm", codePath: testModule("queue-peers"), pluginConfiguration: "owner" }],
    filters: [{ name: "flt", rootId: "flt", vmId: "fvm", codePath: testModule("queue-peers"), pluginConfiguration: filterCfg }],
  });
}

const lines = (emu: Emulator, thread: number, marker: string) =>
  facts(emu.logEntries().filter((e) => e.threadId === thread).map((e) => e.line), marker);

test("queues: enqueues from two workers wake the owner on main, one on_queue_ready per enqueue, asynchronously", async () => {
  const emu = await peers(2);
  // the canary registered first, then the singleton: the last registrant (the singleton) owns the queue
  assert.equal(lines(emu, 0, "registered ").length, 2);
  emu.connect({ worker: 1 });
  emu.connect({ worker: 2 });
  emu.connect({ worker: 2 });
  assert.deepEqual(lines(emu, 1, "sent "), ["sent 0 0 count=1"]);
  assert.deepEqual(lines(emu, 2, "sent "), ["sent 0 0 count=2", "sent 0 0 count=3"]);
  const ready = lines(emu, 0, "ready ");
  assert.equal(ready.length, 3);
  assert.deepEqual(ready.map((l) => l.split(" ").slice(3).join(" ")), ["0 conn 2", "0 conn 2", "0 conn 3"]);
  assert.equal(emu.queueSize("qvm", "q"), 0);
});

test("queues: the notification is posted, not delivered inside the sender's callback", async () => {
  const emu = await peers(1);
  const entries = () => emu.logEntries().filter((e) => /: (sent|ready) /.test(e.line)).map((e) => e.line.replace(/^wasm log[^:]*: /, "").split(" ")[0]);
  emu.connect({ worker: 1 });
  assert.deepEqual(entries(), ["sent", "ready"]);
});

test("metrics: one wasmcustom stat per name, summed over worker VMs (and the canary/service that defined it)", async () => {
  const emu = await peers(3);
  for (let w = 1; w <= 3; w++) emu.connect({ worker: w });
  emu.connect({ worker: 1 });
  assert.equal(emu.metric("wasmcustom.conns"), 4n);
  assert.equal(emu.metric("conns"), 4n);
});

test("shared data: CAS increments from several workers never lose an update", async () => {
  const emu = await peers(3);
  for (let i = 0; i < 12; i++) emu.connect({ worker: 1 + (i % 3) });
  assert.equal(new TextDecoder().decode(emu.sharedData("fvm", "count")!.value), "12");
});

test("timers: one tick per period per root per VM; the first one a period after the call", async () => {
  const emu = await peers(2, "sender tick");
  emu.advanceTime(99);
  assert.equal(lines(emu, 1, "tick ").length + lines(emu, 2, "tick ").length, 0);
  emu.advanceTime(1);
  assert.deepEqual(lines(emu, 1, "tick "), ["tick 1"]);
  assert.deepEqual(lines(emu, 2, "tick "), ["tick 1"]);
  emu.advanceTime(250);
  assert.equal(lines(emu, 1, "tick ").length, 3);
  assert.equal(lines(emu, 0, "tick ").length, 0, "the canary is gone and the service did not ask for ticks");
});

/** One worker running the lifecycle module with `config`, and a count of its root's ticks so far. */
async function ticking(config: string): Promise<{ emu: Emulator; ticks: () => number }> {
  const emu = await Emulator.create({ filters: [{ name: "f", rootId: "r", codePath: testModule("lifecycle"), pluginConfiguration: config }] });
  return { emu, ticks: () => emu.logEntries().filter((e) => e.threadId === 1 && e.line.endsWith("cb tick 1")).length };
}

test("timers: a period of 0 disables the tick; a new period set inside on_tick applies to the next one", async () => {
  const { emu, ticks } = await ticking("tick:100 tick_change_to:30 tick_stop_after:3");
  emu.advanceTime(100);
  assert.equal(ticks(), 1);
  emu.advanceTime(30);
  assert.equal(ticks(), 2, "re-armed with the period set during the first tick");
  emu.advanceTime(30);
  assert.equal(ticks(), 3);
  emu.advanceTime(1000);
  assert.equal(ticks(), 3, "period 0 set in the third tick stops the timer");
});

test("timers: setting the same period again re-arms the tick from now, as Envoy does; ticks then keep that period", async () => {
  const { emu, ticks } = await ticking("tick:100 tick_from_stream:100");
  emu.advanceTime(60);
  emu.connect(); // its stream context sets the root's period to 100 again
  emu.advanceTime(40);
  assert.equal(ticks(), 0, "not at 100: the timer was re-armed at 60");
  emu.advanceTime(59);
  assert.equal(ticks(), 0);
  emu.advanceTime(1);
  assert.equal(ticks(), 1, "at 160");
  emu.advanceTime(100);
  assert.equal(ticks(), 2, "at 260");
  emu.advanceTime(1000);
  assert.equal(ticks(), 12);
});

test("lifecycle stats: wasm.<runtime>.created counts every VM (base, canaries, clones), .active the live ones", async () => {
  const emu = await peers(2);
  // main: a base VM per vm_key (2) + a canary per plugin key (2, destroyed) + the singleton (1); workers: one filter VM each (2)
  assert.equal(emu.metric("wasm.envoy.wasm.runtime.v8.created"), 7n);
  assert.equal(emu.metric("wasm.envoy.wasm.runtime.v8.active"), 5n);
});
