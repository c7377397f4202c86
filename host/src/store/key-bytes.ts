// Encodes (vmId, key) string pairs as UTF-8 into a per-instance scratch buffer and hashes them with
// FNV-1a, without allocating per call (the buffer only grows). Encoding happens before the lock is
// taken so the critical section is only lookups and copies.

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

export class KeyBytes {
  bytes = new Uint8Array(256);
  lenA = 0;
  lenB = 0;
  hash = 0;

  /** Encode a then b back to back; sets lenA, lenB and hash (over both lengths and both strings). */
  encodePair(a: string, b: string): void {
    const max = (a.length + b.length) * 3;
    if (max > this.bytes.length) this.bytes = new Uint8Array(Math.max(max, this.bytes.length * 2));
    this.lenA = writeUtf8(a, this.bytes, 0);
    this.lenB = writeUtf8(b, this.bytes, this.lenA) - this.lenA;
    let h = FNV_OFFSET;
    // Mixing lenA in keeps ("ab","c") and ("a","bc") apart.
    h = Math.imul(h ^ (this.lenA & 0xff), FNV_PRIME);
    h = Math.imul(h ^ (this.lenA >>> 8), FNV_PRIME);
    const bytes = this.bytes;
    const n = this.lenA + this.lenB;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ bytes[i], FNV_PRIME);
    this.hash = h;
  }

  get length(): number {
    return this.lenA + this.lenB;
  }

  /** Whether the n = lenA + lenB bytes at byte offset p of `mem` equal the encoded pair. */
  equalsAt(mem: Uint8Array, p: number): boolean {
    const bytes = this.bytes;
    const n = this.lenA + this.lenB;
    for (let i = 0; i < n; i++) if (mem[p + i] !== bytes[i]) return false;
    return true;
  }
}

/** UTF-8 encode s into out at offset; returns the end offset. Lone surrogates become U+FFFD like TextEncoder. */
export function writeUtf8(s: string, out: Uint8Array, offset: number): number {
  let o = offset;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[o++] = 0xf0 | (c >> 18);
          out[o++] = 0x80 | ((c >> 12) & 0x3f);
          out[o++] = 0x80 | ((c >> 6) & 0x3f);
          out[o++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 0x3f);
      out[o++] = 0x80 | (c & 0x3f);
    }
  }
  return o;
}

const decoder = new TextDecoder();

/** Decode UTF-8 bytes that live in a SharedArrayBuffer (TextDecoder refuses shared views). */
export function readUtf8(mem: Uint8Array, p: number, n: number): string {
  return decoder.decode(mem.slice(p, p + n));
}
