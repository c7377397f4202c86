// Rule decoding and validation: Sentinel's JSON field names, Go's key matching and defaults,
// Sentinel's IsValidRule, and our own "not implemented"/type/range checks, one sentence per error.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { decode, sentinel, bytes } from "./util.ts";

const flow = (rule: Record<string, unknown>) => JSON.stringify({ flowRules: [rule] });
const iso = (rule: Record<string, unknown>) => JSON.stringify({ isolationRules: [rule] });
const cb = (rule: Record<string, unknown>) => JSON.stringify({ circuitBreakerRules: [rule] });
const CB_OK = { resource: "tcp:orders", strategy: 1, retryTimeoutMs: 3000, statIntervalMs: 1000, threshold: 0.5 };

describe("flow rule decoding", () => {
  test("a Sentinel rule file pastes in unchanged and gets Sentinel's defaults", async () => {
    const r = await decode('{"resource":"tcp:orders","flowRules":[{"resource":"tcp:orders","threshold":100,"tokenCalculateStrategy":0,"controlBehavior":0,"statIntervalInMs":0}]}');
    assert.ok(r.ok);
    const f = r.value.flowRules[0];
    assert.equal(r.value.resource, "tcp:orders");
    assert.deepEqual(
      [f.id, f.threshold, f.tokenCalculateStrategy, f.controlBehavior, f.relationStrategy, f.refResource, f.maxQueueingTimeMs,
        f.warmUpPeriodSec, f.warmUpColdFactor, f.statIntervalInMs, f.effectiveStatIntervalMs, f.regex],
      ["", 100, 0, 0, 0, "", 0, 0, 0, 0, 1000, false]);
    assert.deepEqual(r.value.stat, [20, 10000, 2, 1000]);
  });

  test("keys match case-insensitively as in Go (Resource, THRESHOLD, Kelvin sign for k)", async () => {
    const r = await decode(JSON.stringify({ flowRules: [{ Resource: "a", THRESHOLD: 7, "to\u212AenCalculateStrategy": 0, statintervalinms: 2000 }] }));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.flowRules[0].resource, "a");
    assert.equal(r.value.flowRules[0].threshold, 7);
    assert.equal(r.value.flowRules[0].statIntervalInMs, 2000);
  });

  test("the last of duplicate keys wins, as in Go", async () => {
    const r = await decode('{"flowRules":[{"resource":"a","threshold":1,"Threshold":2}]}');
    assert.ok(r.ok);
    assert.equal(r.value.flowRules[0].threshold, 2);
  });

  test("null leaves the default, as in Go", async () => {
    const r = await decode('{"flowRules":[{"resource":"a","threshold":3,"statIntervalInMs":null,"id":null}]}');
    assert.ok(r.ok);
    assert.equal(r.value.flowRules[0].statIntervalInMs, 0);
  });

  test("enums accept their names", async () => {
    const r = await decode(flow({ resource: "a", threshold: 1, tokenCalculateStrategy: "Direct", controlBehavior: "Reject", relationStrategy: "CurrentResource" }));
    assert.ok(r.ok, JSON.stringify(r));
  });

  test("integral numbers with exponent or fraction are accepted for integer fields", async () => {
    const r = await decode('{"flowRules":[{"resource":"a","threshold":1,"statIntervalInMs":2e3,"maxQueueingTimeMs":5.0}]}');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.flowRules[0].statIntervalInMs, 2000);
  });
});

describe("flow rule rejections (one sentence naming rule, resource, field, value)", () => {
  const cases: { name: string; rule: Record<string, unknown>; error: string }[] = [
    { name: "negative threshold", rule: { resource: "tcp:orders", threshold: -1.9 }, error: 'flow rule 0 (resource "tcp:orders"): field "threshold" must be >= 0, got -1.9' },
    { name: "empty resource", rule: { resource: "", threshold: 1 }, error: 'flow rule 0 (resource ""): field "resource" must not be empty' },
    { name: "missing resource", rule: { threshold: 1 }, error: 'flow rule 0: field "resource" must not be empty' },
    { name: "unknown field", rule: { resource: "a", threshold: 1, burst: 3 }, error: 'flow rule 0 (resource "a"): unknown field "burst"' },
    { name: "threshold as string", rule: { resource: "a", threshold: "10" }, error: 'flow rule 0 (resource "a"): field "threshold" must be a number, got string "10"' },
    { name: "resource as number", rule: { resource: 5, threshold: 1 }, error: 'flow rule 0: field "resource" must be a string, got 5' },
    { name: "regex as string", rule: { resource: "a", threshold: 1, regex: "no" }, error: 'flow rule 0 (resource "a"): field "regex" must be true or false, got string "no"' },
    { name: "negative where unsigned", rule: { resource: "a", threshold: 1, statIntervalInMs: -1 }, error: 'flow rule 0 (resource "a"): field "statIntervalInMs" must be an integer in [0, 4294967295], got -1' },
    { name: "fraction where integer", rule: { resource: "a", threshold: 1, statIntervalInMs: 1000.5 }, error: 'flow rule 0 (resource "a"): field "statIntervalInMs" must be an integer in [0, 4294967295], got 1000.5' },
    { name: "above u32 range", rule: { resource: "a", threshold: 1, maxQueueingTimeMs: 4294967296 }, error: 'flow rule 0 (resource "a"): field "maxQueueingTimeMs" must be an integer in [0, 4294967295], got 4294967296' },
    { name: "enum above int32 range", rule: { resource: "a", threshold: 1, controlBehavior: 2147483648 }, error: 'flow rule 0 (resource "a"): field "controlBehavior" must be an integer in [-2147483648, 2147483647], got 2147483648' },
    { name: "negative tokenCalculateStrategy (Sentinel)", rule: { resource: "a", threshold: 1, tokenCalculateStrategy: -1 }, error: 'flow rule 0 (resource "a"): field "tokenCalculateStrategy" must be >= 0, got -1' },
    { name: "negative controlBehavior (Sentinel)", rule: { resource: "a", threshold: 1, controlBehavior: -2 }, error: 'flow rule 0 (resource "a"): field "controlBehavior" must be >= 0, got -2' },
    { name: "relationStrategy out of range (Sentinel)", rule: { resource: "a", threshold: 1, relationStrategy: 2 }, error: 'flow rule 0 (resource "a"): field "relationStrategy" must be 0 (CurrentResource) or 1 (AssociatedResource), got 2' },
    { name: "AssociatedResource without refResource (Sentinel)", rule: { resource: "a", threshold: 1, relationStrategy: 1 }, error: 'flow rule 0 (resource "a"): field "refResource" must not be empty when relationStrategy is 1 (AssociatedResource)' },
    { name: "WarmUp with period 0 (Sentinel)", rule: { resource: "a", threshold: 1, tokenCalculateStrategy: 1 }, error: 'flow rule 0 (resource "a"): field "warmUpPeriodSec" must be > 0 for tokenCalculateStrategy 1 (WarmUp), got 0' },
    { name: "WarmUp cold factor 1 (Sentinel)", rule: { resource: "a", threshold: 1, tokenCalculateStrategy: 1, warmUpPeriodSec: 10, warmUpColdFactor: 1 }, error: 'flow rule 0 (resource "a"): field "warmUpColdFactor" must be > 1 (or 0 for the default 3), got 1' },
    { name: "valid WarmUp is not implemented", rule: { resource: "a", threshold: 1, tokenCalculateStrategy: 1, warmUpPeriodSec: 10 }, error: 'flow rule 0 (resource "a"): field "tokenCalculateStrategy" value 1 (WarmUp) is not implemented yet; only 0 (Direct) is supported' },
    { name: "valid MemoryAdaptive is not implemented", rule: { resource: "a", threshold: 1, tokenCalculateStrategy: "MemoryAdaptive", lowMemUsageThreshold: 2, highMemUsageThreshold: 1, memLowWaterMarkBytes: 1, memHighWaterMarkBytes: 2 }, error: 'flow rule 0 (resource "a"): field "tokenCalculateStrategy" value 2 (MemoryAdaptive) is not implemented yet; only 0 (Direct) is supported' },
    { name: "unknown tokenCalculateStrategy", rule: { resource: "a", threshold: 1, tokenCalculateStrategy: 7 }, error: 'flow rule 0 (resource "a"): field "tokenCalculateStrategy" has unknown value 7; known values: 0 (Direct), 1 (WarmUp), 2 (MemoryAdaptive)' },
    { name: "Throttling is not implemented", rule: { resource: "a", threshold: 1, controlBehavior: 1 }, error: 'flow rule 0 (resource "a"): field "controlBehavior" value 1 (Throttling) is not implemented yet; only 0 (Reject) is supported' },
    { name: "Throttling by name is not implemented", rule: { resource: "a", threshold: 1, controlBehavior: "Throttling" }, error: 'flow rule 0 (resource "a"): field "controlBehavior" value 1 (Throttling) is not implemented yet; only 0 (Reject) is supported' },
    { name: "unknown enum name", rule: { resource: "a", threshold: 1, controlBehavior: "reject" }, error: 'flow rule 0 (resource "a"): field "controlBehavior" has unknown value "reject"; known values: 0 (Reject), 1 (Throttling)' },
    { name: "AssociatedResource is not implemented", rule: { resource: "a", threshold: 1, relationStrategy: 1, refResource: "b" }, error: 'flow rule 0 (resource "a"): field "relationStrategy" value 1 (AssociatedResource) is not implemented yet; only 0 (CurrentResource) is supported' },
    { name: "regex is not implemented", rule: { resource: "a.*", threshold: 1, regex: true }, error: 'flow rule 0 (resource "a.*"): field "regex" value true is not implemented yet; resource must be an exact name' },
  ];
  for (const c of cases) test(c.name, async () => {
    const r = await decode(flow(c.rule));
    assert.equal(r.ok, false, `expected rejection, decoded ${JSON.stringify(r)}`);
    if (!r.ok) assert.equal(r.error, c.error);
  });

  test("the index in the sentence is the rule's position in its array", async () => {
    const r = await decode('{"flowRules":[{"resource":"a","threshold":1},{"resource":"b","threshold":-1}]}');
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error, 'flow rule 1 (resource "b"): field "threshold" must be >= 0, got -1');
  });

  test("very long resource names are cut in the sentence", async () => {
    const r = await decode(flow({ resource: "x".repeat(5000), threshold: -1 }));
    if (!r.ok) assert.equal(r.error, `flow rule 0 (resource "${"x".repeat(128)}"...): field "threshold" must be >= 0, got -1`);
    else assert.fail("expected rejection");
  });

  test("resource names with quotes are quoted unambiguously", async () => {
    const r = await decode(flow({ resource: 'x"y', threshold: -1 }));
    if (!r.ok) assert.equal(r.error, 'flow rule 0 (resource "x\\"y"): field "threshold" must be >= 0, got -1');
    else assert.fail("expected rejection");
  });
});

describe("Sentinel's own flow IsValidRule (vectors 10 and 11)", () => {
  const cases: { name: string; rule: Record<string, unknown>; valid: boolean }[] = [
    { name: "empty resource", rule: { resource: "", threshold: 1 }, valid: false },
    { name: "threshold -1.9", rule: { resource: "a", threshold: -1.9 }, valid: false },
    { name: "WarmUp with period 0", rule: { resource: "a", threshold: 10, tokenCalculateStrategy: 1, warmUpPeriodSec: 0 }, valid: false },
    { name: "WarmUp+Throttling, period 10, interval 1000, queue 0", rule: { resource: "a", threshold: 10, tokenCalculateStrategy: 1, controlBehavior: 1, warmUpPeriodSec: 10, statIntervalInMs: 1000, maxQueueingTimeMs: 0 }, valid: true },
    { name: "WarmUp+Throttling, period 10, interval 1000, queue 10", rule: { resource: "a", threshold: 10, tokenCalculateStrategy: 1, controlBehavior: 1, warmUpPeriodSec: 10, statIntervalInMs: 1000, maxQueueingTimeMs: 10 }, valid: true },
    { name: "MemoryAdaptive low 2, high 1, WMs 1/2", rule: { resource: "a", tokenCalculateStrategy: 2, lowMemUsageThreshold: 2, highMemUsageThreshold: 1, memLowWaterMarkBytes: 1, memHighWaterMarkBytes: 2 }, valid: true },
    { name: "MemoryAdaptive low = high = 9", rule: { resource: "a", tokenCalculateStrategy: 2, lowMemUsageThreshold: 9, highMemUsageThreshold: 9, memLowWaterMarkBytes: 1, memHighWaterMarkBytes: 2 }, valid: false },
    { name: "MemoryAdaptive lowWM 0", rule: { resource: "a", tokenCalculateStrategy: 2, lowMemUsageThreshold: 2, highMemUsageThreshold: 1, memLowWaterMarkBytes: 0, memHighWaterMarkBytes: 2 }, valid: false },
    { name: "MemoryAdaptive lowWM 100 MiB > highWM 30 MiB", rule: { resource: "a", tokenCalculateStrategy: 2, lowMemUsageThreshold: 2, highMemUsageThreshold: 1, memLowWaterMarkBytes: 104857600, memHighWaterMarkBytes: 31457280 }, valid: false },
  ];
  for (const c of cases) test(c.name, async () => {
    const { exports: e } = await sentinel();
    const out: string = e.sentinelFlowValidity(bytes(JSON.stringify(c.rule)));
    assert.equal(out === "", c.valid, out);
  });
});

describe("isolation rules", () => {
  test("decode with defaults and metricType by name", async () => {
    const r = await decode(iso({ Resource: "tcp:orders", metricType: "Concurrency", threshold: 10 }));
    assert.ok(r.ok);
    assert.deepEqual(r.value.isolationRules[0], { id: "", resource: "tcp:orders", metricType: 0, threshold: 10, regex: false });
  });
  const cases: { name: string; rule: Record<string, unknown>; error: string }[] = [
    { name: "threshold 0 (Sentinel)", rule: { resource: "a", threshold: 0 }, error: 'isolation rule 0 (resource "a"): field "threshold" must be > 0, got 0' },
    { name: "threshold missing (Sentinel)", rule: { resource: "a" }, error: 'isolation rule 0 (resource "a"): field "threshold" must be > 0, got 0' },
    { name: "metricType 1 (Sentinel)", rule: { resource: "a", threshold: 1, metricType: 1 }, error: 'isolation rule 0 (resource "a"): field "metricType" must be 0 (Concurrency), got 1' },
    { name: "empty resource (Sentinel)", rule: { resource: "", threshold: 1 }, error: 'isolation rule 0 (resource ""): field "resource" must not be empty' },
    { name: "threshold above uint32", rule: { resource: "a", threshold: 4294967296 }, error: 'isolation rule 0 (resource "a"): field "threshold" must be an integer in [0, 4294967295], got 4294967296' },
    { name: "negative threshold", rule: { resource: "a", threshold: -3 }, error: 'isolation rule 0 (resource "a"): field "threshold" must be an integer in [0, 4294967295], got -3' },
    { name: "fractional threshold", rule: { resource: "a", threshold: 2.5 }, error: 'isolation rule 0 (resource "a"): field "threshold" must be an integer in [0, 4294967295], got 2.5' },
    { name: "regex true", rule: { resource: "abc/\\d+", threshold: 10, regex: true }, error: 'isolation rule 0 (resource "abc/\\\\d+"): field "regex" value true is not implemented yet; resource must be an exact name' },
    { name: "unknown field", rule: { resource: "a", threshold: 1, maxConcurrency: 3 }, error: 'isolation rule 0 (resource "a"): unknown field "maxConcurrency"' },
  ];
  for (const c of cases) test(c.name, async () => {
    const r = await decode(iso(c.rule));
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) assert.equal(r.error, c.error);
  });
});

describe("circuit breaker rules", () => {
  test("decode every field, u64 fields exact beyond 2^53, strategy by name", async () => {
    const r = await decode('{"circuitBreakerRules":[{"id":"x","resource":"a","strategy":"ErrorCount","retryTimeoutMs":3000,' +
      '"minRequestAmount":18446744073709551615,"statIntervalMs":10000,"statSlidingWindowBucketCount":3,' +
      '"maxAllowedRtMs":9007199254740993,"threshold":5.9,"probeNum":2}]}');
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value.circuitBreakerRules[0], {
      id: "x", resource: "a", strategy: 2, retryTimeoutMs: 3000, minRequestAmount: "18446744073709551615", statIntervalMs: 10000,
      statSlidingWindowBucketCount: 3, effectiveBucketCount: 1, maxAllowedRtMs: "9007199254740993", threshold: 5.9, probeNum: "2",
    });
  });
  test("bucket count dividing the interval is kept", async () => {
    const r = await decode(cb({ ...CB_OK, statSlidingWindowBucketCount: 4 }));
    assert.ok(r.ok);
    assert.equal(r.value.circuitBreakerRules[0].effectiveBucketCount, 4);
  });
  const cases: { name: string; rule: Record<string, unknown>; error: string }[] = [
    { name: "threshold -1.0 (vector 30)", rule: { ...CB_OK, strategy: 2, threshold: -1.0 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "threshold" must be >= 0, got -1' },
    { name: "ErrorRatio -0.3 (vector 30)", rule: { ...CB_OK, threshold: -0.3 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "threshold" must be >= 0, got -0.3' },
    { name: "empty resource (vector 30)", rule: { ...CB_OK, resource: "" }, error: 'circuit breaker rule 0 (resource ""): field "resource" must not be empty' },
    { name: "statIntervalMs 0 (vector 30)", rule: { ...CB_OK, statIntervalMs: 0 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "statIntervalMs" must be > 0, got 0' },
    { name: "retryTimeoutMs 0 (vector 30)", rule: { ...CB_OK, retryTimeoutMs: 0 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "retryTimeoutMs" must be > 0, got 0' },
    { name: "slow ratio above 1", rule: { ...CB_OK, strategy: 0, threshold: 1.5 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "threshold" must be a slow request ratio in [0.0, 1.0], got 1.5' },
    { name: "error ratio above 1", rule: { ...CB_OK, strategy: "ErrorRatio", threshold: 2 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "threshold" must be an error ratio in [0.0, 1.0], got 2' },
    { name: "unknown strategy number", rule: { ...CB_OK, strategy: 3 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "strategy" has unknown value 3; known values: 0 (SlowRequestRatio), 1 (ErrorRatio), 2 (ErrorCount)' },
    { name: "negative strategy (Go uint32)", rule: { ...CB_OK, strategy: -1 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "strategy" must be an integer in [0, 4294967295], got -1' },
    { name: "unknown strategy name", rule: { ...CB_OK, strategy: "SlowRatio" }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "strategy" has unknown value "SlowRatio"; known values: 0 (SlowRequestRatio), 1 (ErrorRatio), 2 (ErrorCount)' },
    { name: "probeNum negative", rule: { ...CB_OK, probeNum: -1 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "probeNum" must be an integer in [0, 18446744073709551615], got -1' },
    { name: "minRequestAmount above u64", rule: { ...CB_OK, minRequestAmount: 18446744073709551616 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "minRequestAmount" must be an integer in [0, 18446744073709551615], got 18446744073709552000' },
    { name: "retryTimeoutMs fractional", rule: { ...CB_OK, retryTimeoutMs: 0.5 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "retryTimeoutMs" must be an integer in [0, 4294967295], got 0.5' },
    { name: "bucket count above our memory cap", rule: { ...CB_OK, statIntervalMs: 4000000000, statSlidingWindowBucketCount: 4000000000 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "statSlidingWindowBucketCount" must be <= 1200, got 4000000000' },
    { name: "a non-divisor bucket count above the cap is fine (it becomes 1)", rule: { ...CB_OK, statSlidingWindowBucketCount: 3000, strategy: 9 }, error: 'circuit breaker rule 0 (resource "tcp:orders"): field "strategy" has unknown value 9; known values: 0 (SlowRequestRatio), 1 (ErrorRatio), 2 (ErrorCount)' },
    { name: "rule is not an object", rule: null as any, error: "circuit breaker rule 0: must be a JSON object, got null" },
  ];
  for (const c of cases) test(c.name, async () => {
    const r = await decode(cb(c.rule));
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) assert.equal(r.error, c.error);
  });
});

describe("top-level configuration", () => {
  const cases: { name: string; config: string; error: string }[] = [
    { name: "not an object", config: "[]", error: "configuration must be a JSON object, got array" },
    { name: "invalid JSON", config: '{"resource":}', error: "invalid JSON at line 1, column 13 (byte 12): expected a value, got character '}'" },
    { name: "unknown top-level key", config: '{"rules":[]}', error: 'unknown configuration field "rules"; known fields: "resource", "flowRules", "isolationRules", "circuitBreakerRules", "stat"' },
    { name: "rules not an array", config: '{"flowRules":{}}', error: 'configuration field "flowRules" must be an array of rules, got object' },
    { name: "empty resource", config: '{"resource":""}', error: 'configuration field "resource" must not be empty' },
    { name: "too many rules", config: JSON.stringify({ flowRules: Array.from({ length: 65 }, () => ({ resource: "a", threshold: 1 })) }), error: 'configuration field "flowRules" has 65 rules, more than the limit of 64' },
    { name: "stat view not reusable on ring", config: '{"stat":{"metricStatisticSampleCount":3,"metricStatisticIntervalMs":1500}}', error: 'configuration "stat": the metric view (3 x 500 ms) must be reusable on the ring (20 x 500 ms): ring interval divisible by view interval, view bucket a multiple of ring bucket' },
    { name: "stat ring interval not divisible", config: '{"stat":{"globalStatisticSampleCountTotal":3,"globalStatisticIntervalMsTotal":1000}}', error: 'configuration "stat": globalStatisticIntervalMsTotal (1000) must be a positive multiple of globalStatisticSampleCountTotal (3)' },
    { name: "stat unknown key", config: '{"stat":{"sampleCount":3}}', error: 'configuration "stat": unknown field "sampleCount"' },
  ];
  for (const c of cases) test(c.name, async () => {
    const r = await decode(c.config);
    assert.equal(r.ok, false, JSON.stringify(r));
    if (!r.ok) assert.equal(r.error, c.error);
  });

  test("extra keys declared by the embedding module are passed through", async () => {
    const r = await decode('{"resource":"tcp:a","rtMode":"firstByte","flowRules":null}', "rtMode,staleAfterMs");
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value.extras, ["rtMode"]);
    const bad = await decode('{"rtMode2":1}', "rtMode");
    assert.equal(bad.ok, false);
  });

  test("custom stat ring is accepted when the view is reusable", async () => {
    const r = await decode('{"stat":{"globalStatisticSampleCountTotal":10,"globalStatisticIntervalMsTotal":1000,"metricStatisticSampleCount":10,"metricStatisticIntervalMs":1000}}');
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value.stat, [10, 1000, 10, 1000]);
  });

  test("mutated configurations never trap the decoder (fuzz)", async () => {
    const { exports: e, aborts } = await sentinel();
    const src = '{"resource":"tcp:orders","flowRules":[{"resource":"tcp:orders","threshold":100,"statIntervalInMs":1000}],' +
      '"isolationRules":[{"resource":"tcp:orders","threshold":10}],"circuitBreakerRules":[{"resource":"tcp:orders","strategy":0,' +
      '"retryTimeoutMs":3000,"minRequestAmount":10,"statIntervalMs":10000,"maxAllowedRtMs":50,"threshold":0.5,"probeNum":2}]}';
    let x = 0x1234567;
    const rnd = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
    const pool = bytes('0123456789-.eE"{}[],:truefalsn ');
    const deadline = Date.now() + 15000;
    let n = 0, ok = 0;
    for (; n < 3000 && Date.now() < deadline; n++) {
      const b = bytes(src);
      for (let k = 0; k < 1 + (n % 3); k++) b[Math.floor(rnd() * b.length)] = pool[Math.floor(rnd() * pool.length)];
      let out: string;
      try { out = e.decodeSummary(b, ""); } catch (err) { assert.fail(`trap on ${new TextDecoder().decode(b)}: ${err} ${aborts.join("|")}`); }
      assert.ok(out.startsWith("ok:") || out.startsWith("error:"));
      if (out.startsWith("ok:")) {
        ok++;
        // Whatever decodes must also build and run without trapping.
        try {
          const g = e.guardNew(b, "tcp:orders");
          assert.ok(g >= 0, e.getLastError());
          e.churn(g, 1578416550000n, 20);
        } catch (err) { assert.fail(`trap building/running ${new TextDecoder().decode(b)}: ${err} ${aborts.join("|")}`); }
      }
      else assert.ok(!out.slice(6).includes("\n"), "errors are one line");
    }
    assert.ok(n >= 500 && ok > 0, `${n} inputs, ${ok} accepted`);
  });
});
