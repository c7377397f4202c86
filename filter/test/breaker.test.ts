// Circuit breakers at L4, process-wide: one state per rule for all workers (the shared breaker
// word), opening within 100 ms of the aggregated window crossing its threshold, and a HalfOpen that
// admits probes exactly as Sentinel does across ALL workers (probeNum 0: one probe in total).
// Error = the upstream refused / reset / closed before its first byte; RT per rtMode.
import { test } from "node:test";
import assert from "node:assert/strict";
import { start, stat, admitted, refusedUpstream as refused, BUILDS } from "./helpers.ts";
import type { Emulator, VirtualConnection } from "../../host/src/runtime/emulator.ts";

const R = "tcp:orders";
const WALL0 = 1_700_000_000_000;

function errorRule(extra: Record<string, unknown> = {}) {
  return { resource: R, strategy: "ErrorRatio", threshold: 0.5, minRequestAmount: 10, statIntervalMs: 1000,
    retryTimeoutMs: 1000, probeNum: 0, ...extra };
}

function good(c: VirtualConnection): void {
  c.upstreamConnect().downstreamData("q").upstreamData("a").clientClose();
}

function transitions(emu: Emulator): string[] {
  return emu.logs("info").filter((l) => /circuit breaker rule \d+ \w+ -> \w+/.test(l)).map((l) => /(\w+ -> \w+)/.exec(l.split("circuit breaker rule")[1])![1]);
}

for (const build of BUILDS) {
  const tag = `(${build.filter})`;

  test(`breaker ${tag}: 10 refused upstreams on 4 workers open it process-wide within 100 ms; one log line`, async () => {
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule()] }, workers: 4, build });
    emu.advanceTime(100);
    for (let i = 0; i < 10; i++) refused(emu, 1 + (i % 4));
    const crossedAt = emu.nowMs;
    let openedAfter = -1;
    for (let dt = 0; dt <= 200; dt += 5) {
      const blockedEverywhere = [1, 2, 3, 4].every((w) => {
        const c = emu.connect({ worker: w, autoConnectUpstream: false });
        if (admitted(c)) { good(c); return false; }
        return true;
      });
      if (blockedEverywhere) { openedAfter = emu.nowMs - crossedAt; break; }
      emu.advanceTime(5);
    }
    assert.ok(openedAfter >= 0 && openedAfter <= 100, `opened after ${openedAfter} ms`);
    assert.equal(stat(emu, "sentinel.entry.error", R), 10);
    assert.deepEqual(transitions(emu), ["Closed -> Open"]);
    assert.equal(stat(emu, "sentinel.circuit_breaker.opened", R), 1);
    emu.advanceTime(40);
    assert.equal(stat(emu, "sentinel.circuit_breaker.state", R), 2, "service gauge: Open");
    emu.shutdown();
  });

  test(`breaker ${tag}: a service configured with "{}" aggregates with the rules the filter published`, async () => {
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule()] }, serviceDoc: {}, workers: 2, build });
    emu.advanceTime(100);
    for (let i = 0; i < 10; i++) refused(emu, 1 + (i % 2));
    emu.advanceTime(60);
    assert.equal(admitted(emu.connect({ worker: 1 })), false);
    assert.deepEqual(transitions(emu), ["Closed -> Open"]);
    assert.equal(emu.logs("info").filter((l) => l.includes('resource "tcp:orders": aggregating with the rules its filter published (0 flow, 0 isolation, 1 circuit breaker)')).length, 1);
    emu.shutdown();
  });

  test(`breaker ${tag}: when a filter publishes new rules, a "{}" service aggregates with them from then on`, async () => {
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule()] }, serviceDoc: {}, workers: 1, build });
    emu.advanceTime(100);
    emu.connect().clientClose(); // the service learns tcp:orders from the first report
    emu.advanceTime(40);
    const learned = () => emu.logs("info").filter((l) => l.includes('resource "tcp:orders": aggregating with the rules its filter published'));
    assert.equal(learned().length, 1);
    const doc = { resource: R, circuitBreakerRules: [errorRule(), errorRule({ retryTimeoutMs: 7000 })] };
    emu.store.setData("sentinel", "sentinel/rules/" + R, new TextEncoder().encode(JSON.stringify(doc)), 0);
    emu.advanceTime(100); // the service's next tick (tickPeriodMs 100) reads it
    assert.equal(learned().length, 2);
    assert.match(learned()[1], /\(0 flow, 0 isolation, 2 circuit breaker\)$/);
    emu.shutdown();
  });

  for (const probeOk of [true, false]) {
    test(`breaker ${tag}: probeNum 0 -> after retryTimeout exactly ONE probe across 4 workers; probe ${probeOk ? "good -> Closed" : "refused -> Open again"}`, async () => {
      const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule()] }, workers: 4, build });
      emu.advanceTime(100);
      for (let i = 0; i < 10; i++) refused(emu, 1 + (i % 4));
      emu.advanceTime(60);
      assert.equal(admitted(emu.connect({ worker: 2 })), false, "Open");
      emu.advanceTime(1000); // past nextRetry
      const attempts: VirtualConnection[] = [];
      for (let round = 0; round < 3; round++) for (let w = 1; w <= 4; w++) attempts.push(emu.connect({ worker: w, autoConnectUpstream: false }));
      const probes = attempts.filter(admitted);
      assert.equal(probes.length, 1, "one probe process-wide");
      assert.equal(stat(emu, "sentinel.block.circuit_breaking", R), 12);
      if (probeOk) good(probes[0]); else probes[0].upstreamRefuse();
      emu.advanceTime(40); // other workers learn the new state on their tick
      if (probeOk) {
        assert.deepEqual(transitions(emu), ["Closed -> Open", "Open -> HalfOpen", "HalfOpen -> Closed"]);
        for (let w = 1; w <= 4; w++) assert.ok(admitted(emu.connect({ worker: w })), `worker ${w} passes once Closed`);
      } else {
        assert.deepEqual(transitions(emu), ["Closed -> Open", "Open -> HalfOpen", "HalfOpen -> Open"]);
        for (let w = 1; w <= 4; w++) assert.equal(admitted(emu.connect({ worker: w })), false, `worker ${w} blocked: Open again`);
        emu.advanceTime(1000);
        const again = [1, 2, 3, 4].map((w) => emu.connect({ worker: w, autoConnectUpstream: false }));
        assert.equal(again.filter(admitted).length, 1, "a new single probe after the renewed retry timeout");
      }
      emu.shutdown();
    });
  }

  test(`breaker ${tag}: a probe held by a worker VM that stopped reporting is reclaimed by the service`, async () => {
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule()] }, workers: 2, build,
      serviceDoc: { circuitBreakerRules: [errorRule()], workerExpiryMs: 300 } });
    emu.advanceTime(100);
    for (let i = 0; i < 10; i++) refused(emu, 1 + (i % 2));
    emu.advanceTime(60);
    const key = "sentinel/breaker/0/" + R;
    const word = emu.sharedData("sentinel", key)!;
    const v = new DataView(word.value.buffer.slice(word.value.byteOffset, word.value.byteOffset + word.value.byteLength));
    assert.equal(v.getUint32(8, true), 2, "Open");
    // A VM (seq 999) took the probe and died before completing it.
    v.setUint32(8, 1, true);
    v.setUint32(12, v.getUint32(12, true) + 1, true);
    v.setBigUint64(24, BigInt(WALL0 + emu.nowMs), true);
    v.setUint32(32, 999, true);
    emu.store.setData("sentinel", key, new Uint8Array(v.buffer), 0);
    emu.advanceTime(100);
    assert.equal(admitted(emu.connect({ worker: 1 })), false, "HalfOpen, probeNum 0: blocked");
    emu.advanceTime(400); // past workerExpiryMs without a report from VM 999
    assert.equal(emu.logs("info").filter((l) => l.includes("HalfOpen -> Open (the probe's worker VM 999 stopped reporting")).length, 1);
    emu.advanceTime(40);
    const next = [1, 2, 1, 2].map((w) => emu.connect({ worker: w, autoConnectUpstream: false }));
    assert.equal(next.filter(admitted).length, 1, "a live worker takes the new probe");
    emu.shutdown();
  });

  test(`breaker ${tag}: probeNum 2 -> HalfOpen admits every connection; 2 good completions close it`, async () => {
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule({ probeNum: 2 })] }, workers: 2, build });
    emu.advanceTime(100);
    for (let i = 0; i < 10; i++) refused(emu, 1 + (i % 2));
    emu.advanceTime(1100);
    const cs = [1, 2, 1, 2].map((w) => emu.connect({ worker: w, autoConnectUpstream: false }));
    assert.deepEqual(cs.map(admitted), [true, true, true, true]);
    good(cs[0]);
    assert.deepEqual(transitions(emu), ["Closed -> Open", "Open -> HalfOpen"]);
    good(cs[1]);
    assert.deepEqual(transitions(emu), ["Closed -> Open", "Open -> HalfOpen", "HalfOpen -> Closed"]);
    emu.shutdown();
  });

  test(`breaker ${tag}: a probe blocked by a later breaker sends the first back to Open without a new retry time (exit hook)`, async () => {
    const emu = await start({ doc: { resource: R, circuitBreakerRules: [errorRule(), errorRule({ retryTimeoutMs: 60000 })] }, workers: 2, build });
    emu.advanceTime(100);
    for (let i = 0; i < 10; i++) refused(emu, 1 + (i % 2));
    emu.advanceTime(60);
    assert.deepEqual(transitions(emu), ["Closed -> Open", "Closed -> Open"]);
    emu.advanceTime(1000); // rule 0 may probe, rule 1 may not
    assert.equal(admitted(emu.connect({ worker: 1 })), false);
    assert.deepEqual(transitions(emu).slice(2), ["Open -> HalfOpen", "HalfOpen -> Open"]);
    // nextRetry unchanged: the very next connection (any worker) probes rule 0 again.
    assert.equal(admitted(emu.connect({ worker: 2 })), false);
    assert.deepEqual(transitions(emu).slice(4), ["Open -> HalfOpen", "HalfOpen -> Open"]);
    emu.shutdown();
  });

  test(`breaker ${tag}: SlowRequestRatio on first-byte RT (rtMode firstByte) trips on slow upstream answers`, async () => {
    const rule = { resource: R, strategy: "SlowRequestRatio", threshold: 0.5, minRequestAmount: 4, statIntervalMs: 1000,
      retryTimeoutMs: 5000, maxAllowedRtMs: 50 };
    const emu = await start({ doc: { resource: R, rtMode: "firstByte", circuitBreakerRules: [rule] }, workers: 2, build });
    emu.advanceTime(100);
    const cs = [1, 2, 1, 2].map((w) => emu.connect({ worker: w }));
    for (const c of cs) c.downstreamData("q");
    emu.advanceTime(80); // first upstream byte 80 ms after the request: slow (> 50)
    for (const c of cs) c.upstreamData("a");
    emu.advanceTime(10);
    for (const c of cs) c.clientClose();
    emu.advanceTime(60);
    assert.equal(admitted(emu.connect({ worker: 1 })), false);
    assert.deepEqual(transitions(emu), ["Closed -> Open"]);
    emu.shutdown();
  });

  test(`error definition ${tag}: a client leaving before any upstream byte is no error; an upstream FIN before its first byte is`, async () => {
    const emu = await start({ doc: { resource: R }, build });
    emu.connect().clientClose();
    assert.equal(stat(emu, "sentinel.entry.complete", R), 1);
    assert.equal(stat(emu, "sentinel.entry.error", R), 0);
    const c2 = emu.connect().downstreamData("q").upstreamClose();
    if (!c2.closed) c2.clientClose();
    assert.equal(stat(emu, "sentinel.entry.complete", R), 2);
    assert.equal(stat(emu, "sentinel.entry.error", R), 1);
    const c3 = emu.connect().downstreamData("q").upstreamData("a").upstreamClose();
    if (!c3.closed) c3.clientClose();
    assert.equal(stat(emu, "sentinel.entry.complete", R), 3);
    assert.equal(stat(emu, "sentinel.entry.error", R), 1, "an answered connection is no error");
    emu.shutdown();
  });
}
