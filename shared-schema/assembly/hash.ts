// The two hashes the wire contract names: ResourceReport/ResourceDecision.resource_hash is the
// FNV-1a 32-bit hash of the UTF-8 resource name, and config_generation is recommended to be the
// FNV-1a 64-bit hash of the canonical rule set bytes. Same results as ../ts/hash.ts.
// Allocation-free: names are hashed from UTF-8 bytes in place, or from an AS string by encoding
// each code point on the fly.

// @ts-ignore: decorator
@inline const FNV32_OFFSET: u32 = 0x811c9dc5;
// @ts-ignore: decorator
@inline const FNV32_PRIME: u32 = 0x01000193;
// @ts-ignore: decorator
@inline const FNV64_OFFSET: u64 = 0xcbf29ce484222325;
// @ts-ignore: decorator
@inline const FNV64_PRIME: u64 = 0x100000001b3;

/** FNV-1a 32 of the bytes at (ptr, len). */
export function fnv1a32(ptr: usize, len: usize): u32 {
  let h = FNV32_OFFSET;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u32>load<u8>(ptr + i)) * FNV32_PRIME;
  return h;
}

/** FNV-1a 64 of the bytes at (ptr, len). */
export function fnv1a64(ptr: usize, len: usize): u64 {
  let h = FNV64_OFFSET;
  for (let i: usize = 0; i < len; i++) h = (h ^ <u64>load<u8>(ptr + i)) * FNV64_PRIME;
  return h;
}

/** resource_hash of a resource name given as an AS string (hashes its UTF-8 form). */
export function resourceHash(name: string): u32 {
  let h = FNV32_OFFSET;
  const n = name.length;
  for (let i = 0; i < n; i++) {
    let c = <u32>name.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
      const d = <u32>name.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate encodes as U+FFFD, as TextEncoder does
    if (c < 0x80) h = (h ^ c) * FNV32_PRIME;
    else if (c < 0x800) {
      h = (h ^ (0xc0 | (c >> 6))) * FNV32_PRIME;
      h = (h ^ (0x80 | (c & 63))) * FNV32_PRIME;
    } else if (c < 0x10000) {
      h = (h ^ (0xe0 | (c >> 12))) * FNV32_PRIME;
      h = (h ^ (0x80 | ((c >> 6) & 63))) * FNV32_PRIME;
      h = (h ^ (0x80 | (c & 63))) * FNV32_PRIME;
    } else {
      h = (h ^ (0xf0 | (c >> 18))) * FNV32_PRIME;
      h = (h ^ (0x80 | ((c >> 12) & 63))) * FNV32_PRIME;
      h = (h ^ (0x80 | ((c >> 6) & 63))) * FNV32_PRIME;
      h = (h ^ (0x80 | (c & 63))) * FNV32_PRIME;
    }
  }
  return h;
}
