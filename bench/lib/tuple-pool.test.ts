import { test } from "node:test";
import assert from "node:assert/strict";
import { candidateTuples, checkSkewPlan, parseTupleKey, poolsByWorker, SkewSelector, tupleKey, workerShares } from "./tuple-pool.ts";

test("candidate tuples: distinct, addresses vary fastest, excluded ports and the ephemeral range avoided", () => {
  const t = candidateTuples({ addressFrom: 2, addressTo: 4, portFrom: 20000, portTo: 20003, exclude: new Set([20001]), count: 9 });
  assert.deepEqual(t.map(tupleKey), [
    "127.0.0.2:20000", "127.0.0.3:20000", "127.0.0.4:20000",
    "127.0.0.2:20002", "127.0.0.3:20002", "127.0.0.4:20002",
    "127.0.0.2:20003", "127.0.0.3:20003", "127.0.0.4:20003",
  ]);
  assert.throws(() => candidateTuples({ addressFrom: 2, addressTo: 4, portFrom: 20000, portTo: 20003, exclude: new Set([20001]), count: 10 }), /10 asked, only 9/);
  assert.throws(() => candidateTuples({ addressFrom: 2, addressTo: 4, portFrom: 30000, portTo: 33000, exclude: new Set(), count: 1 }), /ephemeral/);
  assert.throws(() => candidateTuples({ addressFrom: 5, addressTo: 4, portFrom: 20000, portTo: 20003, exclude: new Set(), count: 1 }), /127\.0\.0\.5\.\.127\.0\.0\.4/);
});

test("tuple keys round-trip and bad ones are named", () => {
  assert.deepEqual(parseTupleKey("127.0.0.9:20001"), { address: "127.0.0.9", port: 20001 });
  assert.throws(() => parseTupleKey("10.0.0.1:5"), /"10\.0\.0\.1:5"/);
  assert.throws(() => parseTupleKey("127.0.0.1:70000"), /70000/);
});

test("worker shares: uniform, skewed to the hot worker, bad input named", () => {
  assert.deepEqual(workerShares(4, "uniform"), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(workerShares(4, null), [0.25, 0.25, 0.25, 0.25]);
  const s = workerShares(4, 0.9);
  assert.equal(s[0], 0.9);
  for (const x of s.slice(1)) assert.ok(Math.abs(x - 0.1 / 3) < 1e-12);
  assert.deepEqual(workerShares(2, 0.9, 1).map((x) => Math.round(x * 10) / 10), [0.1, 0.9]);
  assert.throws(() => workerShares(4, 1.5), /skew must be a share/);
  assert.throws(() => workerShares(4, 0.9, 4), /hot worker/);
});

test("pools by worker and plan checks", () => {
  const pools = poolsByWorker([{ tuple: "127.0.0.2:20000", worker: 1 }, { tuple: "127.0.0.3:20000", worker: 0 }, { tuple: "127.0.0.4:20000", worker: 1 }], 2);
  assert.deepEqual(pools, [["127.0.0.3:20000"], ["127.0.0.2:20000", "127.0.0.4:20000"]]);
  assert.throws(() => poolsByWorker([{ tuple: "127.0.0.2:20000", worker: 2 }], 2), /worker 2/);
  assert.throws(() => checkSkewPlan({ shares: [0.5, 0.5], pools: [["127.0.0.2:20000"], []] }), /worker 1 has share 0.5 but no calibrated tuple/);
  assert.throws(() => checkSkewPlan({ shares: [0.5, 0.4], pools: [["127.0.0.2:20000"], ["127.0.0.3:20000"]] }), /sum to 1/);
});

test("selector: every prefix of arrivals is within one connection of the requested shares", () => {
  const pools = [["127.0.0.2:20000", "127.0.0.2:20001"], ["127.0.0.3:20000"], ["127.0.0.4:20000"], ["127.0.0.5:20000"]];
  const shares = workerShares(4, 0.9);
  const sel = new SkewSelector({ shares, pools });
  const counts = [0, 0, 0, 0];
  for (let n = 1; n <= 3000; n++) {
    const pick = sel.next()!;
    counts[pick.worker]++;
    assert.ok(pools[pick.worker].includes(pick.key));
    for (let w = 0; w < 4; w++) assert.ok(Math.abs(counts[w] - shares[w] * n) <= 1, `after ${n}: worker ${w} has ${counts[w]}, share ${shares[w] * n}`);
  }
  assert.deepEqual(sel.sent, counts);
});

test("selector: round robin within a pool, busy tuples skipped, null when all are busy", () => {
  const sel = new SkewSelector({ shares: [1], pools: [["127.0.0.2:20000", "127.0.0.2:20001", "127.0.0.2:20002"]] });
  assert.deepEqual([sel.next()!.key, sel.next()!.key, sel.next()!.key, sel.next()!.key],
    ["127.0.0.2:20000", "127.0.0.2:20001", "127.0.0.2:20002", "127.0.0.2:20000"]);
  const busy = new Set(["127.0.0.2:20001"]);
  assert.equal(sel.next((k) => busy.has(k))!.key, "127.0.0.2:20002");
  assert.equal(sel.next(() => true), null);
});
