import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Status } from "../contracts.ts";
import { SharedStore, StoreFullError } from "./shared-store.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

describe("SharedStore shared data", () => {
  it("returns undefined for an absent key and the value with a nonzero cas after set", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    assert.equal(s.getData("vm", "k"), undefined);
    assert.equal(s.setData("vm", "k", bytes(1, 2, 3), 0), Status.Ok);
    const got = s.getData("vm", "k");
    assert.deepEqual(got?.value, bytes(1, 2, 3));
    assert.ok(got!.cas > 0);
  });

  it("applies Envoy's cas rules: 0 unconditional, match ok, mismatch rejected and unchanged", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    s.setData("vm", "k", bytes(1), 0);
    const first = s.getData("vm", "k")!;
    assert.equal(s.setData("vm", "k", bytes(2), first.cas + 1), Status.CasMismatch);
    assert.deepEqual(s.getData("vm", "k"), first);
    assert.equal(s.setData("vm", "k", bytes(3), first.cas), Status.Ok);
    const second = s.getData("vm", "k")!;
    assert.deepEqual(second.value, bytes(3));
    assert.notEqual(second.cas, first.cas);
    // the old cas is stale now
    assert.equal(s.setData("vm", "k", bytes(4), first.cas), Status.CasMismatch);
    assert.equal(s.setData("vm", "k", bytes(5), 0), Status.Ok);
    assert.deepEqual(s.getData("vm", "k")!.value, bytes(5));
  });

  it("accepts a nonzero cas on an absent key (creating it ignores the cas)", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    assert.equal(s.setData("vm", "fresh", bytes(7), 12345), Status.Ok);
    assert.deepEqual(s.getData("vm", "fresh")!.value, bytes(7));
    assert.equal(s.getData("vm", "fresh")!.cas, 1);
  });

  it("takes every cas from one global counter starting at 1, across keys and vm ids", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const seen: number[] = [];
    for (const [vm, key] of [["a", "x"], ["b", "x"], ["a", "y"], ["a", "x"], ["", "x"]]) {
      s.setData(vm, key, bytes(1), 0);
      seen.push(s.getData(vm, key)!.cas);
    }
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
    // a rejected set consumes nothing
    assert.equal(s.setData("a", "x", bytes(1), 99), Status.CasMismatch);
    s.setData("a", "z", bytes(1), 0);
    assert.equal(s.getData("a", "z")!.cas, 6);
  });

  it("wraps the cas counter past 2^32-1 to 1, never handing out 0", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    s.setNextCasForTest(0xfffffffe);
    const cas: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.setData("vm", "k", bytes(i), 0);
      cas.push(s.getData("vm", "k")!.cas);
    }
    assert.deepEqual(cas, [0xfffffffe, 0xffffffff, 1, 2]);
    // a cas above 2^31 round-trips as an unsigned number and still matches
    s.setNextCasForTest(0xfffffff0);
    s.setData("vm", "k", bytes(9), 0);
    const big = s.getData("vm", "k")!;
    assert.equal(big.cas, 0xfffffff0);
    assert.equal(s.setData("vm", "k", bytes(10), big.cas), Status.Ok);
    // a wasm i32 argument carries the same cas as a negative number
    const again = s.getData("vm", "k")!;
    assert.equal(again.cas, 0xfffffff1);
    assert.equal(s.setData("vm", "k", bytes(11), again.cas | 0), Status.Ok);
    assert.equal(s.setData("vm", "k", bytes(12), again.cas | 0), Status.CasMismatch);
  });

  it("keeps vm ids apart, including the empty vm id, and length-ambiguous pairs", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    s.setData("ab", "c", bytes(1), 0);
    s.setData("a", "bc", bytes(2), 0);
    s.setData("", "abc", bytes(3), 0);
    assert.deepEqual(s.getData("ab", "c")!.value, bytes(1));
    assert.deepEqual(s.getData("a", "bc")!.value, bytes(2));
    assert.deepEqual(s.getData("", "abc")!.value, bytes(3));
    assert.equal(s.getData("abc", ""), undefined);
  });

  it("stores non-ASCII keys as UTF-8 and distinguishes them", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    s.setData("vm", "clé-😀", bytes(1), 0);
    s.setData("vm", "cle-😀", bytes(2), 0);
    assert.deepEqual(s.getData("vm", "clé-😀")!.value, bytes(1));
    assert.deepEqual(s.getData("vm", "cle-😀")!.value, bytes(2));
  });

  it("round-trips values of many sizes, growing and shrinking the same key", () => {
    const s = SharedStore.create({ bytes: 16 << 20 });
    const sizes = [0, 1, 7, 8, 9, 15, 16, 17, 100, 1000, 4095, 4096, 4097, 65536, 1 << 20, 3_000_000, 5, 0, 200_000];
    for (const [i, n] of sizes.entries()) {
      const v = new Uint8Array(n);
      for (let j = 0; j < n; j++) v[j] = (j * 31 + i) & 0xff;
      assert.equal(s.setData("vm", "k", v, 0), Status.Ok);
      s.setData("vm", `k${i}`, v, 0);
      assert.deepEqual(s.getData("vm", "k")!.value, v, `size ${n}`);
    }
    for (const [i, n] of sizes.entries()) assert.equal(s.getData("vm", `k${i}`)!.value.length, n);
  });

  it("returns a copy: mutating the result or the input does not change the store", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const v = bytes(1, 2);
    s.setData("vm", "k", v, 0);
    v[0] = 9;
    const got = s.getData("vm", "k")!;
    got.value[1] = 9;
    assert.deepEqual(s.getData("vm", "k")!.value, bytes(1, 2));
    assert.ok(!(got.value.buffer instanceof SharedArrayBuffer));
  });

  it("getDataInto copies into a caller buffer and reports length and cas", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    const r = { length: 0, cas: 0 };
    s.getDataInto("vm", "k", new Uint8Array(4), r);
    assert.deepEqual(r, { length: -1, cas: 0 });
    s.setData("vm", "k", bytes(5, 6, 7), 0);
    const small = new Uint8Array(2);
    s.getDataInto("vm", "k", small, r);
    assert.deepEqual([r.length, small], [3, bytes(0, 0)]);
    const out = new Uint8Array(8);
    s.getDataInto("vm", "k", out, r);
    assert.deepEqual([r.length, r.cas, out.subarray(0, 3)], [3, 1, bytes(5, 6, 7)]);
  });

  it("handles thousands of keys (table growth) with every key readable", () => {
    const s = SharedStore.create({ bytes: 4 << 20 });
    for (let i = 0; i < 5000; i++) s.setData(`vm${i % 3}`, `key-${i}`, bytes(i & 0xff, i >> 8), 0);
    for (let i = 0; i < 5000; i++) assert.deepEqual(s.getData(`vm${i % 3}`, `key-${i}`)!.value, bytes(i & 0xff, i >> 8));
    assert.equal(s.getData("vm0", "key-1"), undefined);
  });

  it("throws StoreFullError naming the size when the heap cannot hold a value, changing nothing", () => {
    const s = SharedStore.create({ bytes: 64 * 1024 });
    s.setData("vm", "k", bytes(1), 0);
    const before = s.getData("vm", "k")!;
    assert.throws(() => s.setData("vm", "k", new Uint8Array(100_000), 0), (e: Error) =>
      e instanceof StoreFullError && /heap full/.test(e.message) && /97\.7 KiB/.test(e.message));
    assert.throws(() => s.setData("vm", "new", new Uint8Array(100_000), 0), StoreFullError);
    assert.deepEqual(s.getData("vm", "k"), before);
    assert.equal(s.getData("vm", "new"), undefined);
    // the lock was released by the throwing call
    assert.equal(s.setData("vm", "k2", bytes(2), 0), Status.Ok);
  });

  it("rejects bad arguments with errors naming them", () => {
    const s = SharedStore.create({ bytes: 1 << 20 });
    assert.throws(() => s.setData("vm", "k", bytes(1), -(2 ** 31) - 1), /cas must be a u32/);
    assert.throws(() => s.setData("vm", "k", bytes(1), 1.5), /cas must be a u32/);
    assert.throws(() => s.setData("vm", "k", bytes(1), 2 ** 32), /cas must be a u32/);
    assert.throws(() => s.setData("vm", 5 as unknown as string, bytes(1), 0), /key must be a string/);
    assert.throws(() => s.setData("vm", "k", [1] as unknown as Uint8Array, 0), /value must be a Uint8Array/);
    assert.throws(() => s.getData(undefined as unknown as string, "k"), /vmId must be a string/);
  });
});
