import { test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { threadSwitches } from "./procs.ts";

test("threadSwitches counts each named thread's context switches, and a thread that blocks adds voluntary ones", async () => {
  // A worker thread named as the host names its workers, which sleeps (blocks) 20 times.
  const w = new Worker("const a = new Int32Array(new SharedArrayBuffer(4)); for (let i = 0; i < 20; i++) Atomics.wait(a, 0, 0, 2); setTimeout(() => {}, 5000);",
    { eval: true, name: "worker_probe" });
  try {
    await new Promise((r) => setTimeout(r, 300));
    const mine = threadSwitches(process.pid);
    const probe = mine.get("worker_probe");
    assert.ok(probe, `thread names seen: ${[...mine.keys()].join(", ")}`);
    assert.ok(probe.voluntary >= 20, `20 sleeps, ${probe.voluntary} voluntary switches`);
    assert.ok(Number.isInteger(probe.involuntary) && probe.involuntary >= 0);
  } finally {
    await w.terminate();
  }
});
