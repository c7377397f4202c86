// 64-bit values as two u32 halves: the host's clocks hand a module its nanoseconds this way, with no
// BigInt per reading (a BigInt is a heap object; the clock is read twice per connection).

/** out = (baseHi:baseLo) + n as u32 halves, for 0 <= n < 2^53: exact in doubles, no BigInt. */
export function addU64Halves(baseLo: number, baseHi: number, n: number, out: Uint32Array): void {
  const nHi = Math.floor(n / 4294967296);
  const lo = baseLo + (n - nHi * 4294967296);
  const carry = lo >= 4294967296 ? 1 : 0;
  out[0] = lo - carry * 4294967296;
  out[1] = baseHi + nHi + carry;
}
