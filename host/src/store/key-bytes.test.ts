import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { KeyBytes, readUtf8, writeUtf8 } from "./key-bytes.ts";

describe("KeyBytes", () => {
  it("encodes UTF-8 exactly like TextEncoder, lone surrogates included", () => {
    const enc = new TextEncoder();
    const samples = ["", "plain", "clé", "日本語", "😀x", "a\ud800b", "\udc00", "end\ud83d", "\u0000\u007f\u0080\u07ff\u0800\uffff"];
    let x = 12345;
    for (let i = 0; i < 200; i++) {
      let s = "";
      for (let j = 0; j < 12; j++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s += String.fromCharCode(x % 3 === 0 ? x & 0x7f : (x >>> 8) & 0xffff);
      }
      samples.push(s);
    }
    const out = new Uint8Array(256);
    for (const s of samples) {
      const n = writeUtf8(s, out, 3);
      assert.deepEqual(out.subarray(3, n), enc.encode(s), JSON.stringify(s));
    }
  });

  it("hashes and compares the pair, so (ab,c) and (a,bc) differ", () => {
    const a = new KeyBytes();
    const b = new KeyBytes();
    a.encodePair("ab", "c");
    b.encodePair("a", "bc");
    assert.notEqual(a.hash, b.hash);
    const mem = new Uint8Array(new SharedArrayBuffer(16));
    mem.set(a.bytes.subarray(0, a.length), 4);
    assert.ok(a.equalsAt(mem, 4));
    assert.equal(readUtf8(mem, 4, a.length), "abc");
  });

  it("grows its scratch buffer for long strings", () => {
    const k = new KeyBytes();
    const long = "é".repeat(10_000);
    k.encodePair(long, "x");
    assert.equal(k.lenA, 20_000);
    assert.equal(k.lenB, 1);
  });
});
