// TypeScript twins of assembly/hash.ts, for the host, tests and tools.
const enc = new TextEncoder();

export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

export function fnv1a64(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) h = BigInt.asUintN(64, (h ^ BigInt(b)) * 0x100000001b3n);
  return h;
}

/** resource_hash of a resource name: FNV-1a 32 of its UTF-8 bytes. */
export function resourceHash(name: string): number {
  return fnv1a32(enc.encode(name));
}
