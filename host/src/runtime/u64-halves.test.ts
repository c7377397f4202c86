import { test } from "node:test";
import assert from "node:assert/strict";
import { addU64Halves } from "./u64-halves.ts";

test("addU64Halves: a 64-bit add in two u32 halves, carry included, exact up to 2^53", () => {
  const out = new Uint32Array(2);
  const check = (base: bigint, n: number) => {
    addU64Halves(Number(base & 0xffffffffn), Number(base >> 32n), n, out);
    assert.equal((BigInt(out[1]) << 32n) | BigInt(out[0]), base + BigInt(n), `${base} + ${n}`);
  };
  check(0n, 0);
  check(0xffffffffn, 1); // carry out of the low half
  check(0x17ffffffffn, 0xffffffff);
  check(1_764_000_000_000_000_000n, 2 ** 53 - 1); // today's epoch ns + 104 days of uptime
  check(0x1_7fff_ffff_ffffn, 2 ** 32 + 5);
});
