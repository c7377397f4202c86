// When a worker reports: every report wakes the service's (main) thread, so counts no breaker can
// trip on wait up to the service's heartbeat less one tick (80 ms, every fourth 20 ms tick, with its
// default 100 ms; at most 200 ms), while a bad completion (error, or slow for a breaker rule) goes
// out on the next tick. While a good completion could trip a ratio breaker (its
// window holds a bad one), good ones wait at most 60 ms. Breakers still open within 100 ms, even
// the one case a good completion trips: a ratio breaker whose window just reached minRequestAmount.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Emulator, VirtualConnection } from "../../host/src/runtime/emulator.ts";
import { start, admitted, finish, refusedUpstream, BUILDS } from "./helpers.ts";

const R = "tcp:orders";

function reports(emu: Emulator): number {
  return Number(emu.metric("sentinel.service.reports_received") ?? 0n);
}

function servicePasses(emu: Emulator): number {
  return Number(emu.metric(`sentinel.service.pass_resource=${R};`) ?? 0n);
}

function refused(emu: Emulator, worker: number): void {
  assert.ok(admitted(refusedUpstream(emu, worker)));
}

function good(emu: Emulator, worker: number): void {
  const c = emu.connect({ worker });
  assert.ok(admitted(c));
  finish(c);
}

/** Steps 5 ms at a time until the service has received one more report; returns the ms waited. */
function untilNextReport(emu: Emulator, limitMs: number): number {
  const before = reports(emu);
  for (let waited = 0; waited <= limitMs; waited += 5) {
    if (reports(emu) > before) return waited;
    emu.advanceTime(5);
  }
  throw new Error(`no report within ${limitMs} ms`);
}

for (const build of BUILDS) {
  const tag = `(${build.filter})`;

  /** Good traffic every 5 ms for 1 s on worker 1: the reports sent and how late the latest pass reached the service. */
  function steadyTraffic(emu: Emulator): { sent: number; maxLagMs: number; passed: number } {
    const before = reports(emu);
    let passed = servicePasses(emu);
    let maxLagMs = 0;
    const sentAt: number[] = [];
    for (let t = 0; t < 1000; t += 5) {
      good(emu, 1);
      passed++;
      sentAt.push(emu.nowMs);
      emu.advanceTime(5);
      // the oldest pass the service has not counted yet tells how late reports are
      const unseen = passed - servicePasses(emu);
      if (unseen > 0) maxLagMs = Math.max(maxLagMs, emu.nowMs - sentAt[sentAt.length - unseen]);
    }
    return { sent: reports(emu) - before, maxLagMs, passed };
  }

  test(`reports ${tag}: steady good traffic is reported every fourth tick, at most 80 ms late (sampled every 5 ms), and nothing is lost`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 1000 }] }, build });
    good(emu, 1);
    emu.advanceTime(200);
    const { sent, maxLagMs, passed } = steadyTraffic(emu);
    assert.ok(sent >= 11 && sent <= 14, `${sent} reports in 1 s of traffic (every tick would be 50)`);
    assert.ok(maxLagMs <= 85, `a pass reached the service ${maxLagMs} ms after it happened`);
    emu.advanceTime(100);
    assert.equal(servicePasses(emu), passed, "conservation: every pass arrives");
    emu.shutdown();
  });

  test(`reports ${tag}: while a ratio breaker's window holds a bad completion, good traffic is reported every third tick, at most 60 ms late`, async () => {
    const rule = { resource: R, strategy: "ErrorRatio", threshold: 0.9, minRequestAmount: 1000, statIntervalMs: 10_000, retryTimeoutMs: 1000 };
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [rule] }, build });
    good(emu, 1);
    refused(emu, 1); // one error in the window: from the next table on, good completions could trip it
    emu.advanceTime(200);
    const { sent, maxLagMs, passed } = steadyTraffic(emu);
    assert.ok(sent >= 14 && sent <= 20, `${sent} reports in 1 s of traffic`);
    assert.ok(maxLagMs <= 65, `a pass reached the service ${maxLagMs} ms after it happened`);
    emu.advanceTime(100);
    assert.equal(servicePasses(emu), passed, "conservation: every pass arrives");
    emu.shutdown();
  });

  test(`reports ${tag}: with the service's heartbeat at 250 ms, good traffic is reported every 200 ms and the service's timer fires at most once a second (4 times without)`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 1000 }] }, build, serviceDoc: { resource: R, flowRules: [{ resource: R, threshold: 1000 }], tickPeriodMs: 250 }, extra: { logLevel: "trace" } });
    const serviceTicks = () => emu.logEntries().filter((l) => l.threadId === 0 && l.line.startsWith("[host->vm] proxy_on_tick")).length;
    good(emu, 1);
    emu.advanceTime(500);
    const ticks0 = serviceTicks();
    const { sent, maxLagMs, passed } = steadyTraffic(emu);
    assert.ok(sent >= 4 && sent <= 6, `${sent} reports in 1 s of traffic`);
    assert.ok(maxLagMs <= 205, `a pass reached the service ${maxLagMs} ms after it happened`);
    assert.ok(serviceTicks() - ticks0 <= 1, `${serviceTicks() - ticks0} timer ticks of the service in 1 s of reports (4 without)`);
    emu.advanceTime(250);
    assert.equal(servicePasses(emu), passed, "conservation: every pass arrives");
    emu.shutdown();
  });

  test(`reports ${tag}: an ErrorCount breaker's errors do not make good completions urgent`, async () => {
    const rule = { resource: R, strategy: "ErrorCount", threshold: 100, statIntervalMs: 10_000, retryTimeoutMs: 1000 };
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [rule] }, build });
    good(emu, 1);
    refused(emu, 1);
    emu.advanceTime(200);
    const { sent } = steadyTraffic(emu);
    assert.ok(sent >= 11 && sent <= 14, `${sent} reports in 1 s of traffic`);
    emu.shutdown();
  });

  test(`reports ${tag}: a bad completion is reported on the next tick, not deferred`, async () => {
    const rule = { resource: R, strategy: "ErrorCount", threshold: 100, statIntervalMs: 1000, retryTimeoutMs: 1000 };
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [rule] }, build });
    good(emu, 1);
    untilNextReport(emu, 300);
    good(emu, 1); // a good completion right after a report waits...
    refused(emu, 1); // ...unless a bad one joins it
    assert.ok(untilNextReport(emu, 100) <= 20, "the error went out on the next 20 ms tick");
    emu.shutdown();
  });

  test(`reports ${tag}: slowness is urgent only for a SlowRequestRatio rule, errors only for error rules`, async () => {
    const slowAfterMs = (strategy: string, ms: number, refuse: boolean) => async () => {
      const rule = { resource: R, strategy, threshold: strategy === "ErrorCount" ? 100 : 0.9, maxAllowedRtMs: 5, statIntervalMs: 1000, retryTimeoutMs: 1000, minRequestAmount: 100 };
      const emu = await start({ doc: { resource: R, circuitBreakerRules: [rule] }, build });
      good(emu, 1);
      untilNextReport(emu, 300);
      const c = emu.connect({ worker: 1, autoConnectUpstream: false });
      emu.advanceTime(ms); // the connection's RT
      if (refuse) c.upstreamRefuse();
      else { c.upstreamConnect(); finish(c); }
      const waited = untilNextReport(emu, 100);
      emu.shutdown();
      return waited;
    };
    assert.ok(await slowAfterMs("SlowRequestRatio", 10, false)() <= 20, "slow for a slow rule: next tick");
    assert.ok(await slowAfterMs("ErrorRatio", 10, false)() > 20, "slow but good for an error rule: deferred");
    assert.ok(await slowAfterMs("ErrorCount", 1, true)() <= 20, "an error for an error rule: next tick");
    assert.ok(await slowAfterMs("SlowRequestRatio", 1, true)() > 20, "a fast error for a slow rule: deferred");
  });

  test(`reports ${tag}: errors are not urgent for a resource without breaker rules`, async () => {
    const emu = await start({ doc: { resource: R, flowRules: [{ resource: R, threshold: 1000 }] }, build });
    good(emu, 1);
    untilNextReport(emu, 300);
    refused(emu, 1);
    const waited = untilNextReport(emu, 100);
    assert.ok(waited > 20 && waited <= 80, `reported after ${waited} ms`);
    emu.shutdown();
  });

  test(`reports ${tag}: good completions that bring a ratio breaker to minRequestAmount still open it within 100 ms`, async () => {
    const rule = { resource: R, strategy: "ErrorRatio", threshold: 0.5, minRequestAmount: 10, statIntervalMs: 1000, retryTimeoutMs: 10_000 };
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [rule] }, workers: 2, build });
    emu.advanceTime(100);
    for (let i = 0; i < 6; i++) refused(emu, 1);
    emu.advanceTime(30);
    assert.equal(reports(emu) > 0, true);
    // worker 2 has just reported when the completions that cross the threshold arrive: the worst case
    good(emu, 2);
    untilNextReport(emu, 300);
    for (let i = 0; i < 3; i++) good(emu, 2); // 10 completions, 6 errors: ratio 0.6 > 0.5
    const crossedAt = emu.nowMs;
    const held: VirtualConnection[] = [];
    let openedAfter = -1;
    for (let dt = 0; dt <= 200; dt += 5) {
      // probes stay open: a completed probe would be one more good completion in the ratio
      const blocked = [1, 2].filter((w) => {
        const c = emu.connect({ worker: w, autoConnectUpstream: false });
        if (admitted(c)) { held.push(c); return false; }
        return true;
      });
      if (blocked.length === 2) { openedAfter = emu.nowMs - crossedAt; break; }
      emu.advanceTime(5);
    }
    assert.ok(openedAfter >= 0 && openedAfter <= 100, `opened after ${openedAfter} ms`);
    emu.shutdown();
  });
}
