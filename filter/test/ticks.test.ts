// Tick periods: every timer wake-up costs a thread CPU whether or not there is work, so a quiet
// worker ticks slowly and the service publishes on a 100 ms heartbeat (and at once on breaker
// changes). Nothing a connection needs may wait for a slow tick.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Emulator } from "../../host/src/runtime/emulator.ts";
import { start, admitted, BUILDS } from "./helpers.ts";

const R = "tcp:orders";

function tickPeriod(emu: Emulator, thread: number, plugin: string): number {
  const roots = emu.runtime(thread)!.vmFor(plugin)!.roots();
  assert.equal(roots.length, 1);
  return roots[0].tickPeriodMs;
}

for (const build of BUILDS) {
  const tag = `(${build.filter})`;

  test(`ticks ${tag}: a quiet worker ticks every 250 ms; its first new connection brings back tickPeriodMs`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 100 }], isolationRules: [{ resource: R, threshold: 10 }] }, build });
    assert.equal(tickPeriod(emu, 1, "sentinel_filter"), 20);
    emu.advanceTime(100);
    assert.equal(tickPeriod(emu, 1, "sentinel_filter"), 250, "nothing happened: quiet");
    const c = emu.connect();
    assert.ok(admitted(c));
    assert.equal(tickPeriod(emu, 1, "sentinel_filter"), 20, "woken by the connection itself");
    emu.advanceTime(200);
    assert.equal(tickPeriod(emu, 1, "sentinel_filter"), 20, "an open connection keeps the worker awake");
    c.clientClose();
    emu.advanceTime(1000); // its report goes out, the bucket's lease and the slot go back, then quiet
    assert.equal(tickPeriod(emu, 1, "sentinel_filter"), 250);
    assert.equal(Number(emu.metric(`sentinel.entry.complete_resource=${R};`)), 1);
    assert.equal(Number(emu.metric("sentinel.filter.cx_active")), 0);
    emu.shutdown();
  });

  test(`ticks ${tag}: a quiet worker reads the table before deciding its first connection: a breaker opened meanwhile blocks it`, async () => {
    const rule = { resource: R, strategy: "ErrorRatio", threshold: 0.5, minRequestAmount: 5, statIntervalMs: 1000, retryTimeoutMs: 10000 };
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [rule] }, workers: 2, build });
    emu.advanceTime(100);
    assert.equal(tickPeriod(emu, 2, "sentinel_filter"), 250, "worker 2 is quiet");
    for (let i = 0; i < 5; i++) {
      const c = emu.connect({ worker: 1, autoConnectUpstream: false });
      assert.ok(admitted(c));
      c.upstreamRefuse(); // an error: closed before any upstream byte
    }
    emu.advanceTime(30); // worker 1 reports on its tick; the service opens the breaker and publishes at once
    assert.equal(tickPeriod(emu, 2, "sentinel_filter"), 250, "worker 2 has not ticked since");
    assert.equal(admitted(emu.connect({ worker: 2, autoConnectUpstream: false })), false, "blocked by the breaker on its first connection");
    assert.equal(tickPeriod(emu, 2, "sentinel_filter"), 20);
    emu.shutdown();
  });

  test(`ticks ${tag}: the quiet period is at most a quarter of staleAfterMs, never below tickPeriodMs`, async () => {
    const short = await start({ doc: { resource: R, staleAfterMs: 400, tickPeriodMs: 25 }, build });
    short.advanceTime(200);
    assert.equal(tickPeriod(short, 1, "sentinel_filter"), 100);
    short.shutdown();
    const tiny = await start({ doc: { resource: R, staleAfterMs: 60, tickPeriodMs: 25 }, build, extra: { logLevel: "warn" } });
    tiny.advanceTime(200);
    assert.equal(tickPeriod(tiny, 1, "sentinel_filter"), 25);
    tiny.shutdown();
  });

  test(`ticks ${tag}: while reports arrive, the service does its tick's work on them and its timer stays quiet; the heartbeat holds`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 1000 }] }, build, extra: { logLevel: "trace" } });
    const serviceTicks = () => emu.logEntries().filter((l) => l.threadId === 0 && l.line.startsWith("[host->vm] proxy_on_tick")).length;
    const published = () => Number(emu.metric("sentinel.service.tables_published") ?? 0n);
    emu.advanceTime(300);
    const ticks0 = serviceTicks(), pub0 = published();
    let lastPub = pub0, lastPubAt = emu.nowMs, maxGapMs = 0;
    for (let t = 0; t < 1000; t += 5) {
      const c = emu.connect();
      c.downstreamData("q").upstreamData("a").clientClose();
      emu.advanceTime(5);
      if (published() > lastPub) { maxGapMs = Math.max(maxGapMs, emu.nowMs - lastPubAt); lastPub = published(); lastPubAt = emu.nowMs; }
    }
    assert.ok(serviceTicks() - ticks0 <= 1, `${serviceTicks() - ticks0} timer ticks of the service in 1 s of reports (10 without)`);
    assert.ok(published() - pub0 >= 10 && maxGapMs <= 100, `${published() - pub0} publications, longest gap ${maxGapMs} ms`);
    emu.advanceTime(1000); // no traffic: the timer keeps the heartbeat
    assert.ok(serviceTicks() - ticks0 >= 5);
    emu.shutdown();
  });

  test(`ticks ${tag}: the service ticks every 100 ms; a staleAfterMs within its heartbeat is warned about once`, async () => {
    const emu = await start({ doc: { resource: R, staleAfterMs: 120 }, build });
    assert.equal(tickPeriod(emu, 0, "sentinel_service"), 100);
    emu.advanceTime(1000);
    const warned = emu.logs("warn").filter((l) => l.includes("staleAfterMs 120 is not above the service's publication period 100 ms plus this filter's tick 30 ms"));
    assert.equal(warned.length, 1, emu.logs("warn").join("\n"));
    emu.shutdown();
    const fine = await start({ doc: { resource: R }, build });
    fine.advanceTime(1000);
    assert.deepEqual(fine.logs("warn"), []);
    fine.shutdown();
  });
}
