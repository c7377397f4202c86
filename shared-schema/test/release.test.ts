// The same cross-language and malformed-input checks, smaller, against the harness built with
// the release optimisation flags (-O3 --converge) that filter/ and service/ ship with: inlining
// and bounds-check folding must not change what the codec accepts or reads.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { loadHarness, type Harness } from "./harness.ts";
import { rng, randomTable, encodeRoot } from "./random-values.ts";
import { dumpRoot } from "../ts/dump.ts";
import { verifyRoot } from "../ts/verify.ts";

let h: Harness;
before(async () => {
  h = await loadHarness(["-O3", "--converge"]);
});

for (const root of ["WorkerReport", "DecisionTable"] as const) {
  test(`release build, ${root}: round trips both ways and agrees with the TS verifier on mutations`, () => {
    const r = rng(77 + root.length);
    const msgs: Uint8Array[] = [];
    for (let i = 1; i <= 100; i++) {
      const { bytes, json } = h.random(root, BigInt(i) * 7919n);
      assert.ok(verifyRoot(bytes, root));
      assert.equal(dumpRoot(bytes, root), json);
      const ts = encodeRoot(root, randomTable(r, root));
      assert.ok(h.verify(root, ts));
      assert.equal(h.dump(root, ts), dumpRoot(ts, root));
      msgs.push(bytes, ts);
    }
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const m = msgs[i % msgs.length].slice();
      if (i % 2) m.subarray(0, Math.floor(r() * m.length)).reverse();
      else for (let k = 0; k < 2; k++) { const bit = Math.floor(r() * m.length * 8); m[bit >> 3] ^= 1 << (bit & 7); }
      const v = verifyRoot(m, root);
      assert.equal(h.verify(root, m), v, `mutation ${i}`);
      if (v) { accepted++; assert.equal(h.dump(root, m), dumpRoot(m, root)); } else h.dump(root, m, 4);
    }
    assert.ok(accepted > 0 && accepted < 2000);
    assert.deepEqual(h.aborts, []);
  });
}
