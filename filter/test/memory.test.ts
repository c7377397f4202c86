// Linear memory of the filter and service VMs stops growing after warm-up: per-connection state is
// collected (the dispatcher's context objects) or fixed (rule state, report tables, builders).
import { test } from "node:test";
import assert from "node:assert/strict";
import { start, admitted, stat } from "./helpers.ts";
import type { Vm } from "../../host/src/runtime/vm.ts";

const R = "tcp:orders";

/** Memory size in 64 KiB pages, found by probing which addresses the VM can read. */
function pages(vm: Vm): number {
  let lo = 1, hi = 65536;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (vm.read(mid * 65536 - 1, 1) !== undefined) lo = mid; else hi = mid - 1;
  }
  return lo;
}

test("filter and service memory: no growth from 5,000 to 40,000 connections", async () => {
  const emu = await start({
    doc: {
      resource: R, rtMode: "firstByte",
      flowRules: [{ resource: R, threshold: 400 }], isolationRules: [{ resource: R, threshold: 50 }],
      circuitBreakerRules: [{ resource: R, strategy: "ErrorRatio", threshold: 0.9, minRequestAmount: 1000, statIntervalMs: 1000, retryTimeoutMs: 1000 }],
    },
    workers: 1,
  });
  const filterVm = emu.workers[0].vmFor("sentinel_filter")!;
  const serviceVm = emu.main.vmFor("sentinel_service")!;
  const drive = (n: number) => {
    for (let i = 0; i < n; i++) {
      const c = emu.connect();
      if (admitted(c)) c.downstreamData("q").upstreamData("a").clientClose();
      if (i % 20 === 0) emu.advanceTime(5);
    }
  };
  drive(5000);
  const warm = { filter: pages(filterVm), service: pages(serviceVm) };
  drive(35000);
  const after = { filter: pages(filterVm), service: pages(serviceVm) };
  assert.deepEqual(after, warm, `pages after warm-up ${JSON.stringify(warm)}, after 40k ${JSON.stringify(after)}`);
  emu.shutdown();
});

test("3000 connections open at once, closed in random order: every one reaches its own context", async () => {
  const emu = await start({ doc: { resource: R, isolationRules: [{ resource: R, threshold: 100000 }] }, workers: 1 });
  let seed = 12345;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
  const open = Array.from({ length: 3000 }, () => emu.connect());
  let closed = 0;
  for (let round = 0; round < 3; round++) {
    // close a random half, open as many new ones
    for (let k = 0; k < 1500; k++) {
      const c = open.splice(rand(open.length), 1)[0];
      c.downstreamData("q").upstreamData("a").clientClose();
      closed++;
    }
    for (let k = 0; k < 1500; k++) open.push(emu.connect());
  }
  assert.equal(stat(emu, "sentinel.entry.complete", R), closed);
  assert.equal(stat(emu, "sentinel.entry.active", R), open.length);
  for (const c of open) c.clientClose();
  assert.equal(stat(emu, "sentinel.entry.complete", R), closed + 3000);
  assert.equal(stat(emu, "sentinel.entry.active", R), 0);
  assert.equal(Number(emu.metric("sentinel.filter.cx_active")), 0);
  assert.deepEqual(emu.logs("error"), []);
  emu.shutdown();
});
