// Random messages cross the language boundary both ways and must decode to the same values:
// AS builder -> flatc TS reader, and flatc TS builder -> AS reader, with both verifiers agreeing.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { loadHarness, type Harness } from "./harness.ts";
import { rng, randomTable, encodeRoot } from "./random-values.ts";
import { dumpRoot } from "../ts/dump.ts";
import { verifyRoot } from "../ts/verify.ts";

const ROOTS = ["WorkerReport", "DecisionTable"] as const;
const MESSAGES = 300;
let h: Harness;

before(async () => {
  h = await loadHarness();
});

for (const root of ROOTS) {
  test(`${root}: AS-encoded random messages decode in TS to the values written`, () => {
    let bytesSeen = 0;
    for (let seed = 1; seed <= MESSAGES; seed++) {
      const { bytes, json } = h.random(root, BigInt(seed) * 0x9e3779b97f4a7c15n & 0xffffffffffffffffn);
      bytesSeen += bytes.length;
      assert.ok(verifyRoot(bytes, root), `seed ${seed}: TS verifier rejects an AS-built ${root}`);
      assert.ok(h.verify(root, bytes), `seed ${seed}: AS verifier rejects its own ${root}`);
      assert.equal(dumpRoot(bytes, root), json, `seed ${seed}: TS decode differs from what AS wrote`);
      assert.equal(h.dump(root, bytes), json, `seed ${seed}: AS decode differs from what AS wrote`);
    }
    assert.ok(bytesSeen > MESSAGES * 40, "random messages are not trivially small");
    assert.deepEqual(h.aborts, []);
  });

  test(`${root}: TS-encoded (flatc builders) random messages decode in AS to the same values`, () => {
    const r = rng(0xc0ffee + root.length);
    let nonEmpty = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const bytes = encodeRoot(root, randomTable(r, root));
      const expected = dumpRoot(bytes, root);
      if (expected.includes("[{")) nonEmpty++;
      assert.ok(verifyRoot(bytes, root), `message ${i}: TS verifier rejects a flatc-built ${root}`);
      assert.ok(h.verify(root, bytes), `message ${i}: AS verifier rejects a flatc-built ${root}`);
      assert.equal(h.dump(root, bytes), expected, `message ${i}: AS decode differs from TS decode`);
    }
    assert.ok(nonEmpty > MESSAGES / 2, "most messages carry nested tables");
    assert.deepEqual(h.aborts, []);
  });
}

test("a WorkerReport is not accepted as a DecisionTable (file identifiers differ)", () => {
  const { bytes } = h.random("WorkerReport", 7n);
  assert.equal(verifyRoot(bytes, "DecisionTable"), false);
  assert.equal(h.verify("DecisionTable", bytes), false);
});
