// Malformed bytes must never trap either decoder: the AS verifier and the TS verifier give the
// same verdict on every input, a verified buffer reads the same in both languages, and the AS
// readers read unverified garbage as absent fields rather than trapping.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { Builder } from "flatbuffers";
import { loadHarness, type Harness } from "./harness.ts";
import { rng, randomTable, encodeRoot } from "./random-values.ts";
import { dumpRoot } from "../ts/dump.ts";
import { verifyRoot } from "../ts/verify.ts";
import * as wire from "../gen/js/sentinel-wire.js";

type Root = "WorkerReport" | "DecisionTable";
const ROOTS: Root[] = ["WorkerReport", "DecisionTable"];
const IDENT = { WorkerReport: "SNWR", DecisionTable: "SNDT" };
let h: Harness;

before(async () => {
  h = await loadHarness();
});

/** Runs both decoders on bytes; returns the common verdict. */
function check(root: Root, bytes: Uint8Array, what: string): boolean {
  const ts = verifyRoot(bytes, root);
  const as = h.verify(root, bytes);
  assert.equal(as, ts, `${what}: AS verify=${as} but TS verify=${ts} (${bytes.length} bytes)`);
  if (ts) assert.equal(h.dump(root, bytes), dumpRoot(bytes, root), `${what}: verified bytes decode differently`);
  else h.dump(root, bytes, 4); // unverified: reading must still not trap
  return ts;
}

function validMessages(root: Root, n: number, seed: number): Uint8Array[] {
  const r = rng(seed);
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(encodeRoot(root, randomTable(r, root)));
  for (let s = 1; s <= n; s++) out.push(h.random(root, BigInt(s + seed)).bytes);
  return out;
}

for (const root of ROOTS) {
  test(`${root}: random bytes, with and without a plausible header, never trap`, () => {
    const r = rng(11 + root.length);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const len = Math.floor(r() * 200);
      const b = new Uint8Array(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(r() * 256);
      if (i % 2 === 0 && len >= 16) {
        new DataView(b.buffer).setUint32(0, 8 + 4 * Math.floor(r() * ((len - 8) / 4)), true);
        for (let k = 0; k < 4; k++) b[4 + k] = IDENT[root].charCodeAt(k);
      }
      if (check(root, b, `random #${i}`)) accepted++;
    }
    assert.ok(accepted < 3000);
    assert.deepEqual(h.aborts, []);
  });

  test(`${root}: every truncation of valid messages is rejected or decodes identically`, () => {
    let cases = 0;
    for (const msg of validMessages(root, 15, 21)) {
      for (let n = 0; n < msg.length; n++) { check(root, msg.subarray(0, n).slice(), `truncate ${n}/${msg.length}`); cases++; }
      assert.ok(check(root, msg, "untruncated"), "the untruncated message verifies");
    }
    assert.ok(cases > 1000, `only ${cases} truncations`);
    assert.deepEqual(h.aborts, []);
  });

  test(`${root}: bit flips and hostile words (huge lengths, out-of-bounds and self offsets) never trap`, () => {
    const r = rng(31 + root.length);
    const msgs = validMessages(root, 20, 41);
    let accepted = 0, rejected = 0;
    const specials = (len: number) => [0, 1, 2, 3, 4, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffc, len, len - 4, len + 4, 0x10000, 0xffff];
    for (let i = 0; i < 4000; i++) {
      const msg = msgs[i % msgs.length].slice();
      const dv = new DataView(msg.buffer);
      const kind = i % 4;
      if (kind === 0) {
        for (let k = 0, flips = 1 + Math.floor(r() * 3); k < flips; k++) {
          const bit = Math.floor(r() * msg.length * 8);
          msg[bit >> 3] ^= 1 << (bit & 7);
        }
      } else if (kind === 1 && msg.length >= 4) {
        const at = 4 * Math.floor(r() * (msg.length / 4));
        const sp = specials(msg.length);
        dv.setUint32(at, sp[Math.floor(r() * sp.length)] >>> 0, true);
      } else if (kind === 2 && msg.length >= 2) {
        const at = 2 * Math.floor(r() * (msg.length / 2));
        dv.setUint16(at, [0, 2, 3, 4, 0xfffe, 0xffff, msg.length & 0xffff][Math.floor(r() * 7)], true);
      } else if (msg.length >= 4) {
        // an offset pointing back at itself: the nearest thing to a cycle forward-only offsets allow
        const at = 4 * Math.floor(r() * (msg.length / 4));
        dv.setUint32(at, 0, true);
      }
      if (check(root, msg, `mutation #${i} kind ${kind}`)) accepted++; else rejected++;
    }
    assert.ok(accepted > 100 && rejected > 100, `accepted ${accepted}, rejected ${rejected}: both verdicts must occur`);
    assert.deepEqual(h.aborts, []);
  });
}

test("a shared-subtable DAG (2000 x 2000 references) is cut off by the table limit in bounded time", () => {
  const b = new Builder(1024);
  const quota = wire.FlowDecision.createFlowDecision(b, 0, 1000, 500, 0n, 0n, 10, 0, 0);
  const flows = wire.ResourceDecision.createFlowVector(b, new Array(2000).fill(quota));
  wire.ResourceDecision.startResourceDecision(b);
  wire.ResourceDecision.addFlow(b, flows);
  const res = wire.ResourceDecision.endResourceDecision(b);
  const resources = wire.DecisionTable.createResourcesVector(b, new Array(2000).fill(res));
  wire.DecisionTable.startDecisionTable(b);
  wire.DecisionTable.addResources(b, resources);
  wire.DecisionTable.finishDecisionTableBuffer(b, wire.DecisionTable.endDecisionTable(b));
  const bytes = b.asUint8Array().slice();
  const t0 = performance.now();
  assert.equal(verifyRoot(bytes, "DecisionTable"), false, "4M table visits exceed the default limit");
  assert.equal(h.verify("DecisionTable", bytes), false);
  assert.ok(performance.now() - t0 < 2000, "cut off early, not after 4M visits");
  // With a limit above the real count the same bytes are fine: the limit, not the shape, rejected it.
  assert.equal(verifyRoot(bytes, "DecisionTable", 5_000_000), true);
  assert.equal(h.verify("DecisionTable", bytes, 5_000_000), true);
});

test("a vector length of 0xFFFFFFFF and a string without its terminator are rejected", () => {
  const b = new Builder(64);
  const name = b.createString("tcp:orders");
  const slow = wire.ResourceBucket.createSlowVector(b, [1, 2, 3]);
  wire.ResourceBucket.startResourceBucket(b);
  wire.ResourceBucket.addSlow(b, slow);
  const bucket = wire.ResourceBucket.endResourceBucket(b);
  const buckets = wire.ResourceReport.createBucketsVector(b, [bucket]);
  wire.ResourceReport.startResourceReport(b);
  wire.ResourceReport.addName(b, name);
  wire.ResourceReport.addBuckets(b, buckets);
  const rep = wire.ResourceReport.endResourceReport(b);
  const reps = wire.WorkerReport.createResourcesVector(b, [rep]);
  wire.WorkerReport.startWorkerReport(b);
  wire.WorkerReport.addResources(b, reps);
  wire.WorkerReport.finishWorkerReportBuffer(b, wire.WorkerReport.endWorkerReport(b));
  const good = b.asUint8Array().slice();
  assert.ok(check("WorkerReport", good, "well-formed"));
  const find = (pattern: number[]) => good.findIndex((_, i) => pattern.every((x, k) => good[i + k] === x));

  const hugeLen = good.slice();
  const at = find([3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
  assert.ok(at >= 0);
  new DataView(hugeLen.buffer).setUint32(at, 0xffffffff, true);
  assert.equal(check("WorkerReport", hugeLen, "huge vector length"), false);

  const unterminated = good.slice();
  const s = find([...Buffer.from("tcp:orders"), 0]);
  unterminated[s + 10] = 0x41;
  assert.equal(check("WorkerReport", unterminated, "string without NUL"), false);
  assert.deepEqual(h.aborts, []);
});
