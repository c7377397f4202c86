// Hostile bytes never make a module trap: random and truncated items in the service's queue,
// structurally valid WorkerReports with extreme values, and garbage under every shared-data key
// the filter reads (decision table, flow/slot ledgers, breaker words, the VM sequence).
import { test } from "node:test";
import assert from "node:assert/strict";
import { Builder } from "flatbuffers";
import { WorkerReport, ResourceReport, ResourceBucket, BlockCount } from "../../shared-schema/gen/js/sentinel-wire.js";
import { start, stat, admitted, BUILDS } from "./helpers.ts";
import type { Emulator } from "../../host/src/runtime/emulator.ts";

const R = "tcp:orders";
const DOC = {
  resource: R,
  flowRules: [{ resource: R, threshold: 50 }],
  isolationRules: [{ resource: R, threshold: 20 }],
  circuitBreakerRules: [{ resource: R, strategy: "SlowRequestRatio", threshold: 0.5, minRequestAmount: 5, statIntervalMs: 1000,
    retryTimeoutMs: 500, maxAllowedRtMs: 10 }],
};

function prng(seed: number) {
  return (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
}

function noFailedVm(emu: Emulator): void {
  assert.equal(emu.main.vmFor("sentinel_service")?.failed ?? false, false, "service VM failed");
  for (const w of emu.workers) assert.equal(w.vmFor("sentinel_filter")?.failed ?? false, false, "filter VM failed");
  assert.deepEqual(emu.logs("error").filter((l) => /failed|unreachable|abort/i.test(l)), []);
  assert.deepEqual(emu.logs("critical"), []);
}

function report(rand: (n: number) => number): Uint8Array {
  const b = new Builder(256);
  const nb = rand(4);
  const buckets: number[] = [];
  for (let i = 0; i < nb; i++) {
    const slow = ResourceBucket.createSlowVector(b, Array.from({ length: rand(70) }, () => rand(2 ** 32)));
    ResourceBucket.startBlockedVector(b, 1);
    BlockCount.createBlockCount(b, [1, 2, 3, 16][rand(4)], rand(2 ** 32));
    const blocked = b.endVector();
    ResourceBucket.startResourceBucket(b);
    ResourceBucket.addBucketStartMs(b, BigInt([0, 1, 1_700_000_000_000 + rand(10_000), 2 ** 52][rand(4)]));
    ResourceBucket.addPass(b, rand(2 ** 32));
    ResourceBucket.addComplete(b, rand(2 ** 32));
    ResourceBucket.addError(b, rand(2 ** 32));
    ResourceBucket.addRtSumMs(b, BigInt(rand(2 ** 32)) * 4294967296n);
    ResourceBucket.addMinRtMs(b, rand(2 ** 32));
    ResourceBucket.addMaxConcurrency(b, rand(2 ** 32));
    ResourceBucket.addSlow(b, slow);
    ResourceBucket.addBlocked(b, blocked);
    buckets.push(ResourceBucket.endResourceBucket(b));
  }
  const name = b.createString([R, "x", "", "tcp:" + "y".repeat(rand(300))][rand(4)]);
  const bv = ResourceReport.createBucketsVector(b, buckets);
  ResourceReport.startResourceReport(b);
  ResourceReport.addResourceHash(b, rand(2 ** 32));
  ResourceReport.addName(b, name);
  ResourceReport.addBuckets(b, bv);
  ResourceReport.addConcurrency(b, rand(2 ** 32));
  ResourceReport.addTotalPass(b, BigInt(rand(2 ** 32)) * BigInt(1 + rand(2 ** 20)));
  const rr = ResourceReport.endResourceReport(b);
  const rv = WorkerReport.createResourcesVector(b, [rr]);
  WorkerReport.startWorkerReport(b);
  WorkerReport.addVmNonce(b, BigInt(rand(8)));
  WorkerReport.addSeq(b, BigInt(rand(5)));
  WorkerReport.addWorkerId(b, rand(2 ** 32));
  WorkerReport.addResources(b, rv);
  WorkerReport.finishWorkerReportBuffer(b, WorkerReport.endWorkerReport(b));
  return b.asUint8Array();
}

for (const build of BUILDS) {
  const tag = `(${build.service})`;

  test(`service ${tag}: 3000 random, truncated and extreme queue items never trap; malformed ones are counted`, async () => {
    const emu = await start({ doc: DOC, workers: 2, build });
    const token = emu.store.resolveQueue("sentinel", "sentinel_reports");
    const rand = prng(5);
    const valid = Array.from({ length: 20 }, () => report(rand));
    let sent = 0;
    for (let i = 0; i < 3000; i++) {
      let item: Uint8Array;
      const kind = rand(4);
      if (kind === 0) item = Uint8Array.from({ length: rand(200) }, () => rand(256));
      else if (kind === 1) { const v = valid[rand(valid.length)]; item = v.slice(0, rand(v.length + 1)); }
      else if (kind === 2) { item = valid[rand(valid.length)].slice(); item[rand(item.length)] ^= 1 << rand(8); }
      else item = report(rand);
      emu.store.enqueue(token, item);
      sent++;
      if (i % 100 === 0) emu.advanceTime(20);
    }
    emu.advanceTime(100);
    noFailedVm(emu);
    assert.ok(Number(emu.metric("sentinel.service.reports_malformed") ?? 0n) > 0);
    assert.ok(Number(emu.metric("sentinel.service.reports_received") ?? 0n) >= sent);
    // The filters still decide and report normally afterwards.
    emu.advanceTime(1000);
    assert.ok(admitted(emu.connect({ worker: 1 })));
    emu.shutdown();
  });

  test(`filter ${tag}: garbage under every shared-data key it reads never traps; connections are still decided`, async () => {
    const emu = await start({ doc: DOC, workers: 2, build });
    const rand = prng(17);
    const keys = ["sentinel/decisions", "sentinel/flow/0/" + R, "sentinel/isolation/0/" + R, "sentinel/breaker/0/" + R, "sentinel/vm_seq"];
    let decided = 0;
    for (let round = 0; round < 300; round++) {
      const key = keys[rand(keys.length)];
      const len = [0, 1, 4, 16, 24, 48, 60, rand(400)][rand(8)];
      const bytes = Uint8Array.from({ length: len }, () => (rand(3) === 0 ? 0xff : rand(256)));
      emu.store.setData("sentinel", key, bytes, 0);
      const c = emu.connect({ worker: 1 + (round % 2) });
      decided++;
      if (admitted(c)) c.downstreamData("q").upstreamData("a").clientClose();
      if (round % 10 === 0) emu.advanceTime(25);
    }
    noFailedVm(emu);
    assert.equal(stat(emu, "sentinel.entry.pass", R) + stat(emu, "sentinel.block.flow", R) + stat(emu, "sentinel.block.isolation", R) +
      stat(emu, "sentinel.block.circuit_breaking", R) + stat(emu, "sentinel.block.stale_fallback", R), decided);
    emu.shutdown();
  });
}
