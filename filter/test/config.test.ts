// Configuration of the filter and the service: one row per validation rule (invalid -> on_configure
// false with ONE error line naming resource, field and value), accepted Sentinel forms, and fuzzed
// documents that must never make a module trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { MiniHost } from "../../abi/test/mini-host.ts";
import { Emulator } from "../../host/src/runtime/emulator.ts";
import { built, BUILDS } from "./helpers.ts";

const R = "tcp:a";

function configure(host: MiniHost, id: number, rootId: string, config: string): { ok: boolean; errors: string[] } {
  const before = host.logs.length;
  const [started, configured] = host.startRoot(id, rootId, config);
  const errors = host.logs.slice(before).filter((l) => l.level >= 4).map((l) => l.message);
  return { ok: started === 1 && configured === 1, errors };
}

const rows: { name: string; doc: unknown; error: string }[] = [
  { name: "no resource", doc: { flowRules: [] }, error: 'configuration field "resource" is required' },
  { name: "empty resource", doc: { resource: "" }, error: 'configuration field "resource" must not be empty' },
  { name: "resource not a string", doc: { resource: 7 }, error: 'configuration field "resource" must be a string, got 7' },
  { name: "unknown top-level field", doc: { resource: R, rtmod: "x" }, error: 'unknown configuration field "rtmod"' },
  { name: "rtMode value", doc: { resource: R, rtMode: "wallclock" }, error: 'resource "tcp:a": field "rtMode" must be "lifetime" or "firstByte", got string "wallclock"' },
  { name: "fallback value", doc: { resource: R, fallback: 3 }, error: 'resource "tcp:a": field "fallback" must be "local", "failOpen" or "failClosed", got 3' },
  { name: "staleAfterMs too small", doc: { resource: R, staleAfterMs: 10 }, error: 'resource "tcp:a": field "staleAfterMs" must be between 50 and 600000, got 10' },
  { name: "staleAfterMs fraction", doc: { resource: R, staleAfterMs: 100.5 }, error: 'resource "tcp:a": field "staleAfterMs" must be an integer, got 100.5' },
  { name: "workers 0", doc: { resource: R, workers: 0 }, error: 'resource "tcp:a": field "workers" must be between 1 and 1024, got 0' },
  { name: "tickPeriodMs as string", doc: { resource: R, tickPeriodMs: "20" }, error: 'resource "tcp:a": field "tickPeriodMs" must be an integer, got string "20"' },
  { name: "flow threshold negative", doc: { resource: R, flowRules: [{ resource: R, threshold: -1.9 }] }, error: 'flow rule 0 (resource "tcp:a"): field "threshold" must be >= 0, got -1.9' },
  { name: "flow Throttling", doc: { resource: R, flowRules: [{ resource: R, threshold: 1, controlBehavior: 1 }] }, error: 'flow rule 0 (resource "tcp:a"): field "controlBehavior" value 1 (Throttling) is not implemented yet' },
  { name: "flow WarmUp", doc: { resource: R, flowRules: [{ resource: R, threshold: 1, tokenCalculateStrategy: "WarmUp", warmUpPeriodSec: 10 }] }, error: 'flow rule 0 (resource "tcp:a"): field "tokenCalculateStrategy"' },
  { name: "flow unknown field", doc: { resource: R, flowRules: [{ resource: R, threshold: 1, burst: 3 }] }, error: 'flow rule 0 (resource "tcp:a"): unknown field "burst"' },
  { name: "isolation threshold 0", doc: { resource: R, isolationRules: [{ resource: R, threshold: 0 }] }, error: 'isolation rule 0 (resource "tcp:a"): field "threshold" must be > 0, got 0' },
  { name: "breaker retryTimeoutMs 0", doc: { resource: R, circuitBreakerRules: [{ resource: R, strategy: 1, retryTimeoutMs: 0, statIntervalMs: 1000, threshold: 0.5 }] }, error: 'circuit breaker rule 0 (resource "tcp:a"): field "retryTimeoutMs" must be > 0, got 0' },
  { name: "breaker ratio above 1", doc: { resource: R, circuitBreakerRules: [{ resource: R, strategy: "ErrorRatio", retryTimeoutMs: 1, statIntervalMs: 1000, threshold: 1.5 }] }, error: 'circuit breaker rule 0 (resource "tcp:a"): field "threshold"' },
  { name: "invalid JSON", doc: '{"resource": "tcp:a",}', error: "invalid JSON at line 1, column" },
];

for (const build of BUILDS) {
  const host = new MiniHost(new Uint8Array(readFileSync(built(build.filter))));
  let id = 1;
  for (const row of rows) {
    test(`filter config (${build.filter}): ${row.name} -> rejected with one line`, () => {
      const text = typeof row.doc === "string" ? row.doc : JSON.stringify(row.doc);
      const r = configure(host, id++, "sentinel_filter", text);
      assert.equal(r.ok, false);
      assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
      assert.ok(r.errors[0].startsWith("sentinel_filter: configuration rejected: "), r.errors[0]);
      assert.ok(r.errors[0].includes(row.error), `${r.errors[0]}\n  does not contain\n${row.error}`);
    });
  }

  test(`filter config (${build.filter}): Sentinel's own forms are accepted (enum names, folded keys, other resources' rules)`, () => {
    const doc = {
      resource: R, rtMode: "firstByte", fallback: "failOpen", staleAfterMs: 500, workers: 4, tickPeriodMs: 25,
      flowRules: [{ Resource: R, threshold: 100, controlBehavior: "Reject", statIntervalInMs: 2000 }, { resource: "other", threshold: 1 }],
      isolationRules: [{ resource: R, threshold: 50 }],
      circuitBreakerRules: [{ resource: R, strategy: "SlowRequestRatio", retryTimeoutMs: 3000, minRequestAmount: 10,
        statIntervalMs: 10000, statSlidingWindowBucketCount: 10, maxAllowedRtMs: 50, threshold: 0.5, probeNum: 0 }],
      stat: { globalStatisticSampleCountTotal: 20, globalStatisticIntervalMsTotal: 10000, metricStatisticSampleCount: 2, metricStatisticIntervalMs: 1000 },
    };
    const r = configure(host, id++, "sentinel_filter", JSON.stringify(doc));
    assert.deepEqual(r, { ok: true, errors: [] });
    assert.equal(host.tickPeriodMs, 25);
  });

  test(`filter config (${build.filter}): 1500 fuzzed documents never trap; each is accepted or rejected with one line`, () => {
    const base = JSON.stringify({ resource: R, rtMode: "lifetime", staleAfterMs: 300,
      flowRules: [{ resource: R, threshold: 10, statIntervalInMs: 1000 }], isolationRules: [{ resource: R, threshold: 3 }],
      circuitBreakerRules: [{ resource: R, strategy: 1, retryTimeoutMs: 100, minRequestAmount: 1, statIntervalMs: 1000, threshold: 0.5 }] });
    let seed = 99;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return seed % n; };
    const junk = ['"', "{", "}", "[", "]", ",", ":", "-", "1e400", "null", "true", "0", "4294967296", "\\u0000", "é", "\u{1F600}", " "];
    let accepted = 0;
    for (let i = 0; i < 1500; i++) {
      let text = base;
      const ops = 1 + rand(4);
      for (let k = 0; k < ops; k++) {
        const at = rand(text.length + 1);
        const op = rand(4);
        if (op === 0) text = text.slice(0, at) + junk[rand(junk.length)] + text.slice(at);
        else if (op === 1) text = text.slice(0, at) + text.slice(at + 1 + rand(5));
        else if (op === 2) text = text.slice(0, at);
        else text = text.replace(/\d+(\.\d+)?/, String([0, -1, 1e30, 0.5, 2 ** 53, 65536][rand(6)]));
      }
      const r = configure(host, id++, "sentinel_filter", text);
      if (r.ok) { accepted++; assert.equal(r.errors.length, 0); } else assert.equal(r.errors.length, 1, `${text}\n${JSON.stringify(r.errors)}`);
    }
    assert.ok(accepted > 0 && accepted < 1500, `accepted ${accepted}`);
  });
}

for (const build of BUILDS) {
  const serviceRows: { name: string; doc: unknown; ok: boolean; error?: string }[] = [
    { name: "empty document", doc: {}, ok: true },
    { name: "rules of two resources", doc: { flowRules: [{ resource: "a", threshold: 1 }, { resource: "b", threshold: 2 }] }, ok: true },
    { name: "tickPeriodMs 1", doc: { tickPeriodMs: 1 }, ok: false, error: 'field "tickPeriodMs" must be an integer between 5 and 1000' },
    { name: "invalid rule", doc: { isolationRules: [{ resource: "a", threshold: -1 }] }, ok: false, error: 'isolation rule 0 (resource "a"): field "threshold"' },
    { name: "filter-only key", doc: { rtMode: "lifetime" }, ok: false, error: 'unknown configuration field "rtMode"' },
  ];
  for (const row of serviceRows) {
    test(`service config (${build.service}): ${row.name} -> ${row.ok ? "accepted" : "rejected, one line per start attempt"}`, async () => {
      const lines: string[] = [];
      const started = Emulator.create({
        services: [{ name: "sentinel_service", rootId: "sentinel_service", vmId: "sentinel", codePath: built(build.service),
          pluginConfiguration: JSON.stringify(row.doc) }],
        logSink: (e) => { if (e.level >= 4 && e.line.includes("sentinel_service:")) lines.push(e.line); },
      });
      if (row.ok) { (await started).shutdown(); assert.deepEqual(lines, []); return; }
      await assert.rejects(started);
      assert.ok(lines.length >= 1);
      for (const l of lines) {
        assert.ok(l.endsWith(lines[0].slice(lines[0].indexOf("sentinel_service: configuration rejected"))), l);
        assert.ok(l.includes(row.error!), l);
      }
    });
  }
}
