// resource_hash and config_generation hashes agree between AS (assembly/hash.ts) and TS (ts/hash.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { loadHarness, type Harness } from "./harness.ts";
import { fnv1a32, fnv1a64, resourceHash } from "../ts/hash.ts";
import { rng } from "./random-values.ts";

let h: Harness;
before(async () => {
  h = await loadHarness();
});

const enc = new TextEncoder();
function withBytes<T>(bytes: Uint8Array, f: (p: number, n: number) => T): T {
  const x = h.exports;
  const p = x.alloc(Math.max(1, bytes.length)) >>> 0;
  new Uint8Array(x.memory.buffer, p, bytes.length).set(bytes);
  try { return f(p, bytes.length); } finally { x.free(p); }
}

test("FNV-1a reference vectors", () => {
  assert.equal(fnv1a32(enc.encode("")), 0x811c9dc5);
  assert.equal(fnv1a32(enc.encode("a")), 0xe40c292c);
  assert.equal(fnv1a32(enc.encode("foobar")), 0xbf9cf968);
  assert.equal(fnv1a64(enc.encode("")), 0xcbf29ce484222325n);
  assert.equal(fnv1a64(enc.encode("a")), 0xaf63dc4c8601ec8cn);
  assert.equal(fnv1a64(enc.encode("foobar")), 0x85944171f73967e8n);
});

test("AS and TS hash the same bytes and names alike", () => {
  const x = h.exports;
  const r = rng(5);
  const names = ["", "tcp:orders", "résumé", "€uro", "😀 emoji", "lone \ud800 surrogate"];
  for (let i = 0; i < 200; i++) names.push(Array.from({ length: Math.floor(r() * 12) }, () => String.fromCharCode(Math.floor(r() * 0xffff))).join(""));
  for (const name of names) {
    const bytes = enc.encode(name);
    assert.equal(withBytes(bytes, (p, n) => x.hash32(p, n)) >>> 0, fnv1a32(bytes));
    assert.equal(BigInt.asUintN(64, withBytes(bytes, (p, n) => x.hash64(p, n))), fnv1a64(bytes));
    const units = new Uint8Array(new Uint16Array(Array.from(name, (c) => c).join("").split("").map((c) => c.charCodeAt(0))).buffer);
    assert.equal(withBytes(units, (p) => x.hashName(p, name.length)) >>> 0, resourceHash(name), JSON.stringify(name));
  }
});
