import { test } from "node:test";
import assert from "node:assert/strict";
import { BUCKET_COUNT, Histogram, bucketIndex, bucketLowerBound, bucketUpperBound } from "./histogram.ts";

test("bucketIndex: every value lands in a bucket whose bounds contain it, indexes never decrease", () => {
  let prev = -1;
  for (let v = 0; v < 200_000; v = v < 1000 ? v + 1 : Math.ceil(v * 1.003)) {
    const i = bucketIndex(v);
    assert.ok(i >= prev, `index decreased at ${v}`);
    assert.ok(bucketLowerBound(i) <= v && v <= bucketUpperBound(i), `value ${v} outside bucket ${i} [${bucketLowerBound(i)}, ${bucketUpperBound(i)}]`);
    prev = i;
  }
  assert.equal(bucketIndex(-5), 0);
  assert.equal(bucketIndex(1e15), BUCKET_COUNT - 1);
});

test("bucket width stays within ~3% of the value above the linear range", () => {
  for (let i = 64; i < BUCKET_COUNT - 1; i++) {
    const lo = bucketLowerBound(i);
    assert.ok((bucketUpperBound(i) - lo + 1) / lo <= 1 / 32 + 1e-12, `bucket ${i} too wide`);
  }
});

test("percentiles of 1..10000 µs are within 3% of the exact ranks, p100 is the exact max", () => {
  const h = new Histogram();
  for (let v = 1; v <= 10_000; v++) h.record(v);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = Math.ceil((p / 100) * 10_000);
    const got = h.percentile(p);
    assert.ok(got >= exact && got <= exact * 1.03, `p${p}: ${got} vs ${exact}`);
  }
  assert.equal(h.percentile(100), 10_000);
  assert.equal(h.count, 10_000);
  assert.equal(h.mean(), 5000.5);
  assert.throws(() => h.percentile(101), /percentile must be within 0\.\.100/);
});

test("an empty histogram reports zeros; reset empties it", () => {
  const h = new Histogram();
  assert.equal(h.percentile(99), 0);
  h.record(123);
  h.reset();
  assert.deepEqual(h.summaryMs(), { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 });
});

test("sparse round trip and add() merge histograms exactly", () => {
  const a = new Histogram();
  const b = new Histogram();
  for (let v = 0; v < 500; v++) a.record(v * 7);
  for (let v = 0; v < 300; v++) b.record(v * 13 + 5000);
  const merged = Histogram.fromSparse(a.toSparse(), a.maxUs, a.sumUs);
  merged.add(Histogram.fromSparse(b.toSparse(), b.maxUs, b.sumUs));
  const direct = new Histogram();
  for (let v = 0; v < 500; v++) direct.record(v * 7);
  for (let v = 0; v < 300; v++) direct.record(v * 13 + 5000);
  assert.deepEqual(merged.toSparse(), direct.toSparse());
  assert.equal(merged.percentile(99), direct.percentile(99));
  assert.equal(merged.maxUs, direct.maxUs);
  assert.throws(() => Histogram.fromSparse([[BUCKET_COUNT, 1]], 0, 0), /bucket index out of range/);
});
