import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MetricKind } from "../contracts.ts";
import { HISTOGRAM_BOUNDS, SharedStore, StoreFullError } from "./shared-store.ts";

describe("SharedStore metrics", () => {
  it("returns one index per name, and -1 when the name exists with another kind", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const a = s.defineMetric(MetricKind.Counter, "wasmcustom.a");
    const b = s.defineMetric(MetricKind.Gauge, "wasmcustom.b");
    assert.equal(s.defineMetric(MetricKind.Counter, "wasmcustom.a"), a);
    assert.notEqual(a, b);
    assert.equal(s.defineMetric(MetricKind.Gauge, "wasmcustom.a"), -1);
    assert.equal(s.defineMetric(MetricKind.Histogram, "wasmcustom.b"), -1);
    assert.equal(s.metricKind(a), MetricKind.Counter);
    assert.equal(s.metricKind(b), MetricKind.Gauge);
    assert.equal(s.metricKind(99), -1);
  });

  it("sees definitions made through another instance of the same buffer", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const other = SharedStore.attach(s.buffer);
    const a = s.defineMetric(MetricKind.Counter, "x.c");
    assert.equal(other.defineMetric(MetricKind.Counter, "x.c"), a);
    other.counterAdd(a, 4n);
    s.counterAdd(a, 3n);
    assert.equal(other.metricValue(a), 7n);
    assert.equal(other.defineMetric(MetricKind.Gauge, "x.c"), -1);
  });

  it("adds counters, adds (also negative) and sets gauges with 64-bit values", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const c = s.defineMetric(MetricKind.Counter, "c");
    const g = s.defineMetric(MetricKind.Gauge, "g");
    s.counterAdd(c, 5n);
    s.counterAdd(c, 2n ** 40n);
    assert.equal(s.metricValue(c), 2n ** 40n + 5n);
    s.gaugeAdd(g, 10n);
    s.gaugeAdd(g, -3n);
    assert.equal(s.metricValue(g), 7n);
    s.gaugeSet(g, 100n);
    assert.equal(s.metricValue(g), 100n);
    s.gaugeAdd(g, -150n);
    assert.equal(s.metricValue(g), -50n);
    // counters are unsigned 64-bit, like Envoy's
    s.counterAdd(c, 2n ** 63n);
    assert.equal(s.metricValue(c), 2n ** 63n + 2n ** 40n + 5n);
  });

  it("counts histogram values into Envoy's default buckets (value <= bound), with count and sum", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const h = s.defineMetric(MetricKind.Histogram, "h");
    for (const v of [0, 0.5, 0.7, 1, 3, 10, 11, 3_600_000, 3_600_001, 1e12]) s.histogramRecord(h, v);
    const snap = s.snapshotMetrics().find((m) => m.name === "h")!;
    assert.equal(snap.kind, MetricKind.Histogram);
    assert.equal(snap.value, 0n);
    assert.equal(s.metricValue(h), 0n);
    const hist = snap.histogram!;
    assert.deepEqual(hist.bounds, [...HISTOGRAM_BOUNDS]);
    assert.equal(hist.bounds.length, 19);
    const at = (bound: number) => hist.cumulativeCounts[hist.bounds.indexOf(bound)];
    assert.equal(at(0.5), 2n);   // 0, 0.5
    assert.equal(at(1), 4n);     // + 0.7, 1
    assert.equal(at(5), 5n);     // + 3
    assert.equal(at(10), 6n);    // + 10
    assert.equal(at(25), 7n);    // + 11
    assert.equal(at(1_800_000), 7n);
    assert.equal(at(3_600_000), 8n);
    assert.equal(hist.count, 10n); // the two above the last bound only count here
    assert.equal(hist.sum, 0 + 0.5 + 0.7 + 1 + 3 + 10 + 11 + 3_600_000 + 3_600_001 + 1e12);
  });

  it("snapshots every stat sorted by name with its kind and value", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const names = ["wasmcustom.z", "listener.l.downstream_cx_total", "wasmcustom.ä", "a"];
    names.forEach((n, i) => s.counterAdd(s.defineMetric(MetricKind.Counter, n), BigInt(i + 1)));
    const snap = s.snapshotMetrics();
    assert.deepEqual(snap.map((m) => m.name), [...names].sort());
    assert.deepEqual(snap.map((m) => [m.name, m.value]), [
      ["a", 4n], ["listener.l.downstream_cx_total", 2n], ["wasmcustom.z", 1n], ["wasmcustom.ä", 3n],
    ]);
    assert.ok(snap.every((m) => m.kind === MetricKind.Counter && m.histogram === undefined));
  });

  it("enforces kinds and indexes on the update paths with clear errors", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const c = s.defineMetric(MetricKind.Counter, "c");
    const g = s.defineMetric(MetricKind.Gauge, "g");
    assert.throws(() => s.counterAdd(g, 1n), /stat 1 "g" \(gauge\) is not a counter/);
    assert.throws(() => s.gaugeSet(c, 1n), /is not a gauge/);
    assert.throws(() => s.histogramRecord(c, 1), /is not a histogram/);
    assert.throws(() => s.counterAdd(c, -1n), /delta must be >= 0/);
    assert.throws(() => s.counterAdd(7, 1n), /unknown stat index 7/);
    assert.throws(() => s.counterAdd(-1, 1n), /unknown stat index -1/);
    assert.throws(() => s.metricValue(7), /unknown stat index 7/);
    const h = s.defineMetric(MetricKind.Histogram, "h");
    assert.throws(() => s.histogramRecord(h, -1), /finite number >= 0/);
    assert.throws(() => s.histogramRecord(h, NaN), /finite number >= 0/);
    assert.throws(() => s.defineMetric(3 as 0, "x"), /kind must be 0, 1 or 2/);
    assert.equal(s.metricValue(c), 0n);
  });

  it("holds at least 16384 stats by default and fails clearly past the configured capacity", () => {
    const s = SharedStore.create({ bytes: 4 << 20 });
    for (let i = 0; i < 16384; i++) assert.equal(s.defineMetric(MetricKind.Counter, `stat.number_${i}`), i);
    assert.throws(() => s.defineMetric(MetricKind.Counter, "one.too.many"), (e: Error) =>
      e instanceof StoreFullError && /metric capacity reached: 16384/.test(e.message) && /one\.too\.many/.test(e.message));
    // existing names still resolve
    assert.equal(s.defineMetric(MetricKind.Counter, "stat.number_16383"), 16383);
    const small = SharedStore.create({ bytes: 1 << 20, maxMetrics: 2 });
    small.defineMetric(0, "a");
    small.defineMetric(0, "b");
    assert.throws(() => small.defineMetric(0, "c"), /capacity reached: 2/);
  });
});
