// The schema-independent part of the AssemblyScript FlatBuffers codec: the library the generated
// code in gen/as/ imports, as flatc's TypeScript output imports the `flatbuffers` npm runtime.
// Hand-written; gen-as.mjs generates only the schema-specific readers and builders.
// Bounds-checked FlatBuffers reading, verifying and building for AssemblyScript.
// Nothing here traps on malformed input: every load is preceded by a check against the buffer
// length, positions are computed in u64 so u32 offsets cannot wrap, and a failed check yields
// "absent" (readers) or false (verifier).

// @ts-ignore: decorator
@inline export const MAX_DEPTH: u32 = 64;
// @ts-ignore: decorator
@inline export const DEFAULT_MAX_TABLES: u32 = 100000;
// @ts-ignore: decorator
@inline export const MAX_FIELDS: i32 = 64;
// A position no valid field can have (buffers are < 4 GiB), used as "malformed" by the verifier.
// @ts-ignore: decorator
@inline export const BAD: u32 = 0xFFFFFFFF;

/**
 * Zero-copy view of one table inside (base, len). Generated readers extend it; they are meant to
 * be allocated once and re-pointed with at()/root() for every message.
 */
export class TableReader {
  base: usize = 0;
  len: u32 = 0;
  /** Table start; 0 when invalid (offset 0 always holds the root offset, never a table). */
  pos: u32 = 0;
  vt: u32 = 0;
  /** vtable size in bytes; 0 when invalid, which makes every field read as absent. */
  vtLen: u32 = 0;
  tableLen: u32 = 0;

  /** Points at the table at pos; false (every field absent) if its header is out of bounds. */
  at(base: usize, len: u32, pos: u32): bool {
    this.base = base;
    this.len = len;
    this.pos = 0;
    this.vt = 0;
    this.vtLen = 0;
    this.tableLen = 0;
    if (pos == 0 || <u64>pos + 4 > <u64>len) return false;
    const vt = <i64>pos - <i64>load<i32>(base + pos);
    if (vt < 0 || vt + 4 > <i64>len) return false;
    const vtLen = <u32>load<u16>(base + <usize>vt);
    const tableLen = <u32>load<u16>(base + <usize>vt + 2);
    if (vtLen < 4 || <u64>vt + vtLen > <u64>len) return false;
    if (tableLen < 4 || <u64>pos + tableLen > <u64>len) return false;
    this.pos = pos;
    this.vt = <u32>vt;
    this.vtLen = vtLen;
    this.tableLen = tableLen;
    return true;
  }

  /** Points at the root table of a buffer (offset at byte 0). */
  rootAt(base: usize, len: u32): bool {
    if (len < 8) return this.at(base, len, 0);
    return this.at(base, len, load<u32>(base));
  }

  get valid(): bool {
    return this.vtLen != 0;
  }

  /** Absolute position of a field of size bytes, or 0 if absent or outside the table. */
  @inline field(slot: u32, size: u32): u32 {
    if (slot + 2 > this.vtLen) return 0;
    const off = <u32>load<u16>(this.base + this.vt + slot);
    if (off == 0 || off + size > this.tableLen) return 0;
    return this.pos + off;
  }

  /** Target of the uoffset field at slot, or 0 if absent or out of bounds. */
  ref(slot: u32): u32 {
    const f = this.field(slot, 4);
    if (f == 0) return 0;
    const t = <u64>f + <u64>load<u32>(this.base + f);
    if (t + 4 > <u64>this.len) return 0;
    return <u32>t;
  }

  /** Element count of the vector (or string) at slot; 0 if absent or it overruns the buffer. */
  vectorLen(slot: u32, elemSize: u32): i32 {
    const v = this.ref(slot);
    if (v == 0) return 0;
    const n = load<u32>(this.base + v);
    if (n > <u32>i32.MAX_VALUE || <u64>n * elemSize > <u64>this.len - v - 4) return 0;
    return <i32>n;
  }

  /** Position of element i of the vector at slot, or 0 when i is out of range. */
  vectorElem(slot: u32, elemSize: u32, i: i32): u32 {
    const n = this.vectorLen(slot, elemSize);
    if (<u32>i >= <u32>n) return 0;
    return this.ref(slot) + 4 + <u32>i * elemSize;
  }

  /** Points out at the table referenced by element i of a vector of tables. */
  vectorTable(slot: u32, i: i32, out: TableReader): bool {
    const e = this.vectorElem(slot, 4, i);
    if (e == 0) return out.at(this.base, this.len, 0);
    const t = <u64>e + <u64>load<u32>(this.base + e);
    if (t > <u64>this.len) return out.at(this.base, this.len, 0);
    return out.at(this.base, this.len, <u32>t);
  }

  /** Points out at the sub-table at slot. */
  subTable(slot: u32, out: TableReader): bool {
    const t = this.ref(slot);
    return out.at(this.base, this.len, t);
  }

  /** Address of the first byte of the string at slot (0 if absent); see stringLen. */
  stringPtr(slot: u32): usize {
    if (this.stringLen(slot) < 0) return 0;
    return this.base + this.ref(slot) + 4;
  }

  /** Byte length of the string at slot, -1 if absent or out of bounds. */
  stringLen(slot: u32): i32 {
    if (this.ref(slot) == 0) return -1;
    const v = this.ref(slot);
    const n = load<u32>(this.base + v);
    if (n > <u32>i32.MAX_VALUE || <u64>n > <u64>this.len - v - 4) return -1;
    return <i32>n;
  }

  /** Whether the string at slot equals the UTF-8 bytes at (ptr, len), without allocating. */
  stringEquals(slot: u32, ptr: usize, len: i32): bool {
    const n = this.stringLen(slot);
    if (n < 0 || n != len) return false;
    return memory.compare(this.base + this.ref(slot) + 4, ptr, <usize>n) == 0;
  }

  /** The string at slot decoded from UTF-8 (allocates; not for hot paths); null if absent. */
  stringValue(slot: u32): string | null {
    const n = this.stringLen(slot);
    if (n < 0) return null;
    return String.UTF8.decodeUnsafe(this.base + this.ref(slot) + 4, <usize>n, false);
  }

  @inline readU8(slot: u32, d: u8): u8 { const f = this.field(slot, 1); return f ? load<u8>(this.base + f) : d; }
  @inline readI8(slot: u32, d: i8): i8 { const f = this.field(slot, 1); return f ? load<i8>(this.base + f) : d; }
  @inline readBool(slot: u32, d: bool): bool { const f = this.field(slot, 1); return f ? load<u8>(this.base + f) != 0 : d; }
  @inline readU16(slot: u32, d: u16): u16 { const f = this.field(slot, 2); return f ? load<u16>(this.base + f) : d; }
  @inline readI16(slot: u32, d: i16): i16 { const f = this.field(slot, 2); return f ? load<i16>(this.base + f) : d; }
  @inline readU32(slot: u32, d: u32): u32 { const f = this.field(slot, 4); return f ? load<u32>(this.base + f) : d; }
  @inline readI32(slot: u32, d: i32): i32 { const f = this.field(slot, 4); return f ? load<i32>(this.base + f) : d; }
  @inline readU64(slot: u32, d: u64): u64 { const f = this.field(slot, 8); return f ? load<u64>(this.base + f) : d; }
  @inline readI64(slot: u32, d: i64): i64 { const f = this.field(slot, 8); return f ? load<i64>(this.base + f) : d; }
  @inline readF32(slot: u32, d: f32): f32 { const f = this.field(slot, 4); return f ? load<f32>(this.base + f) : d; }
  @inline readF64(slot: u32, d: f64): f64 { const f = this.field(slot, 8); return f ? load<f64>(this.base + f) : d; }
}

/** Zero-copy view of one struct; generated struct readers extend it. */
export class StructReader {
  base: usize = 0;
  pos: u32 = 0;
  valid: bool = false;

  /** Points at the struct at pos; the caller has checked pos + size against the buffer. */
  @inline set(base: usize, pos: u32, valid: bool): bool {
    this.base = base;
    this.pos = pos;
    this.valid = valid;
    return valid;
  }

  /** Points at element i of the struct vector at slot of t. */
  fromVector(t: TableReader, slot: u32, size: u32, i: i32): bool {
    const e = t.vectorElem(slot, size, i);
    return this.set(t.base, e, e != 0);
  }
}

/**
 * Walks a buffer once before it is trusted: every table header, vtable, field, offset, vector
 * and string must lie inside the buffer and be aligned as FlatBuffers builders align them;
 * nesting is bounded by MAX_DEPTH and the number of tables by maxTables (so shared sub-objects
 * cannot make the walk quadratic). Generated verify functions drive it.
 */
export class Verifier {
  base: usize = 0;
  len: u32 = 0;
  tables: u32 = 0;
  maxTables: u32 = DEFAULT_MAX_TABLES;
  // Header of the table last entered; callers copy these into locals before recursing.
  vt: u32 = 0;
  vtLen: u32 = 0;
  tableLen: u32 = 0;

  reset(base: usize, len: u32, maxTables: u32): void {
    this.base = base;
    this.len = len;
    this.tables = 0;
    this.maxTables = maxTables;
  }

  /** Checks the root offset and the 4-byte file identifier (little-endian u32). */
  root(identifier: u32): u32 {
    if (this.len < 8 || this.len > <u32>i32.MAX_VALUE) return BAD;
    if (load<u32>(this.base + 4) != identifier) return BAD;
    const r = load<u32>(this.base);
    if (r < 8) return BAD;
    return r;
  }

  table(pos: u32, depth: u32): bool {
    if (depth > MAX_DEPTH) return false;
    if (++this.tables > this.maxTables) return false;
    if (pos == 0 || (pos & 3) != 0 || <u64>pos + 4 > <u64>this.len) return false;
    const vt = <i64>pos - <i64>load<i32>(this.base + pos);
    if (vt < 0 || (vt & 1) != 0 || vt + 4 > <i64>this.len) return false;
    const vtLen = <u32>load<u16>(this.base + <usize>vt);
    const tableLen = <u32>load<u16>(this.base + <usize>vt + 2);
    if (vtLen < 4 || (vtLen & 1) != 0 || <u64>vt + vtLen > <u64>this.len) return false;
    if (tableLen < 4 || <u64>pos + tableLen > <u64>this.len) return false;
    this.vt = <u32>vt;
    this.vtLen = vtLen;
    this.tableLen = tableLen;
    return true;
  }

  /** Field position (0 = absent) or BAD if it lies outside its table or is misaligned. */
  field(pos: u32, vt: u32, vtLen: u32, tableLen: u32, slot: u32, size: u32): u32 {
    if (slot + 2 > vtLen) return 0;
    const off = <u32>load<u16>(this.base + vt + slot);
    if (off == 0) return 0;
    if (off < 4 || off + size > tableLen) return BAD;
    const f = pos + off;
    if ((f & (size - 1)) != 0) return BAD;
    return f;
  }

  /** Follows the uoffset at f: the target, or BAD if it leaves the buffer or is misaligned. */
  deref(f: u32): u32 {
    const t = <u64>f + <u64>load<u32>(this.base + f);
    if ((t & 3) != 0 || t + 4 > <u64>this.len) return BAD;
    return <u32>t;
  }

  /** Vector at slot: its position (0 = absent) or BAD; elements must fit and be aligned. */
  vector(pos: u32, vt: u32, vtLen: u32, tableLen: u32, slot: u32, elemSize: u32, elemAlign: u32, required: bool): u32 {
    const f = this.field(pos, vt, vtLen, tableLen, slot, 4);
    if (f == BAD) return BAD;
    if (f == 0) return required ? BAD : 0;
    const v = this.deref(f);
    if (v == BAD) return BAD;
    const n = load<u32>(this.base + v);
    if (<u64>n * elemSize > <u64>this.len - v - 4) return BAD;
    if (((v + 4) & (elemAlign - 1)) != 0) return BAD;
    return v;
  }

  /** String at slot: 0 = absent, BAD unless its bytes and NUL terminator lie in the buffer. */
  string(pos: u32, vt: u32, vtLen: u32, tableLen: u32, slot: u32, required: bool): bool {
    const f = this.field(pos, vt, vtLen, tableLen, slot, 4);
    if (f == BAD) return false;
    if (f == 0) return !required;
    const v = this.deref(f);
    return v != BAD && this.stringAt(v);
  }

  stringAt(v: u32): bool {
    const n = load<u32>(this.base + v);
    if (<u64>n + 1 > <u64>this.len - v - 4) return false;
    return load<u8>(this.base + v + 4 + n) == 0;
  }

  /** Target of element i of a vector of offsets at v, or BAD. */
  element(v: u32, i: u32): u32 {
    return this.deref(v + 4 + i * 4);
  }
}

/**
 * Writes FlatBuffers back to front into one reusable buffer, like the official builders: build
 * children (strings, vectors, tables) first, then their parent, then finish(). After clear()
 * the same memory is reused; it only grows (doubling) when a message does not fit.
 * Vtables are not deduplicated: one per table, which costs a few bytes and no lookups.
 */
export class Builder {
  buf: ArrayBuffer;
  cap: u32;
  space: u32;
  minalign: u32 = 1;
  vtable: StaticArray<u32> = new StaticArray<u32>(MAX_FIELDS);
  vtableInUse: i32 = 0;
  objectStart: u32 = 0;
  vectorNumElems: u32 = 0;
  /** How many times the buffer grew: lets tests prove steady state does not allocate. */
  grows: u32 = 0;

  constructor(initialCapacity: u32 = 1024) {
    let cap: u32 = 64;
    while (cap < initialCapacity) cap <<= 1;
    this.cap = cap;
    this.space = cap;
    this.buf = new ArrayBuffer(<i32>cap);
  }

  /** Forgets the previous message; keeps the memory. */
  clear(): void {
    this.space = this.cap;
    this.minalign = 1;
    this.vtableInUse = 0;
    this.vectorNumElems = 0;
  }

  @inline get ptr(): usize { return changetype<usize>(this.buf); }
  /** Bytes written so far, i.e. the offset of the last thing written, counted from the end. */
  @inline offset(): u32 { return this.cap - this.space; }
  /** Start of the finished message inside the builder's memory (valid until the next write). */
  @inline dataPtr(): usize { return this.ptr + this.space; }
  @inline dataLen(): u32 { return this.cap - this.space; }

  private grow(need: u32): void {
    const used = this.cap - this.space;
    let cap = this.cap << 1;
    while (cap - used < need) cap <<= 1;
    const nb = new ArrayBuffer(<i32>cap);
    memory.copy(changetype<usize>(nb) + cap - used, this.ptr + this.space, used);
    this.buf = nb;
    this.space = cap - used;
    this.cap = cap;
    this.grows++;
  }

  pad(n: u32): void {
    for (let i: u32 = 0; i < n; i++) store<u8>(this.ptr + --this.space, 0);
  }

  /** Makes room for additional bytes followed by a size-aligned value of size bytes. */
  prep(size: u32, additional: u32): void {
    if (size > this.minalign) this.minalign = size;
    const alignSize = (~(this.cap - this.space + additional) + 1) & (size - 1);
    const need = alignSize + size + additional;
    if (this.space < need) this.grow(need);
    this.pad(alignSize);
  }

  @inline putU8(v: u8): void { store<u8>(this.ptr + --this.space, v); }
  @inline putU16(v: u16): void { this.space -= 2; store<u16>(this.ptr + this.space, v); }
  @inline putU32(v: u32): void { this.space -= 4; store<u32>(this.ptr + this.space, v); }
  @inline putU64(v: u64): void { this.space -= 8; store<u64>(this.ptr + this.space, v); }
  @inline putF32(v: f32): void { this.space -= 4; store<f32>(this.ptr + this.space, v); }
  @inline putF64(v: f64): void { this.space -= 8; store<f64>(this.ptr + this.space, v); }

  addU8(v: u8): void { this.prep(1, 0); this.putU8(v); }
  addU16(v: u16): void { this.prep(2, 0); this.putU16(v); }
  addU32(v: u32): void { this.prep(4, 0); this.putU32(v); }
  addU64(v: u64): void { this.prep(8, 0); this.putU64(v); }
  addF32(v: f32): void { this.prep(4, 0); this.putF32(v); }
  addF64(v: f64): void { this.prep(8, 0); this.putF64(v); }

  /** Adds a uoffset to something already written (its offset() at the time). */
  addOffset(off: u32): void {
    this.prep(4, 0);
    this.putU32(this.offset() - off + 4);
  }

  @inline private slot(id: i32): void {
    unchecked(this.vtable[id] = this.offset());
  }

  // Scalars equal to their schema default are left out, as the official builders do.
  fieldU8(id: i32, v: u8, d: u8): void { if (v != d) { this.addU8(v); this.slot(id); } }
  fieldU16(id: i32, v: u16, d: u16): void { if (v != d) { this.addU16(v); this.slot(id); } }
  fieldU32(id: i32, v: u32, d: u32): void { if (v != d) { this.addU32(v); this.slot(id); } }
  fieldU64(id: i32, v: u64, d: u64): void { if (v != d) { this.addU64(v); this.slot(id); } }
  fieldF32(id: i32, v: f32, d: f32): void { if (v != d) { this.addF32(v); this.slot(id); } }
  fieldF64(id: i32, v: f64, d: f64): void { if (v != d) { this.addF64(v); this.slot(id); } }
  fieldOffset(id: i32, off: u32): void { if (off != 0) { this.addOffset(off); this.slot(id); } }

  startTable(numFields: i32): void {
    this.vtableInUse = numFields;
    for (let i = 0; i < numFields; i++) unchecked(this.vtable[i] = 0);
    this.objectStart = this.offset();
  }

  endTable(): u32 {
    this.addU32(0); // soffset to the vtable, patched below
    const tableOff = this.offset();
    let i = this.vtableInUse - 1;
    while (i >= 0 && unchecked(this.vtable[i]) == 0) i--;
    const trimmed = i + 1;
    for (; i >= 0; i--) {
      const at = unchecked(this.vtable[i]);
      this.addU16(<u16>(at != 0 ? tableOff - at : 0));
    }
    this.addU16(<u16>(tableOff - this.objectStart));
    this.addU16(<u16>((trimmed + 2) * 2));
    const vtOff = this.offset();
    // Table start holds (table position - vtable position) = vtOff - tableOff, counted from the end.
    store<i32>(this.ptr + this.cap - tableOff, <i32>(vtOff - tableOff));
    this.vtableInUse = 0;
    return tableOff;
  }

  startVector(elemSize: u32, n: i32, alignment: u32): void {
    this.vectorNumElems = <u32>n;
    this.prep(4, elemSize * <u32>n);
    this.prep(alignment, elemSize * <u32>n);
  }

  endVector(): u32 {
    this.putU32(this.vectorNumElems);
    return this.offset();
  }

  /** A string from UTF-8 bytes at (ptr, len). */
  createStringBytes(ptr: usize, len: i32): u32 {
    this.addU8(0);
    this.startVector(1, len, 1);
    this.space -= <u32>len;
    memory.copy(this.ptr + this.space, ptr, <usize>len);
    return this.endVector();
  }

  /** A string from an AS string, UTF-8 encoded in place (no temporary buffer). */
  createString(s: string): u32 {
    const n = String.UTF8.byteLength(s, false);
    this.addU8(0);
    this.startVector(1, n, 1);
    this.space -= <u32>n;
    String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, this.ptr + this.space, false);
    return this.endVector();
  }

  /** A vector of offsets from the first n entries of offs (in order). */
  createOffsetVector(offs: StaticArray<u32>, n: i32): u32 {
    this.startVector(4, n, 4);
    for (let i = n - 1; i >= 0; i--) this.addOffset(offs[i]);
    return this.endVector();
  }

  /** Writes the root offset, preceded by the 4-byte file identifier (little-endian u32). */
  finish(root: u32, identifier: u32): void {
    this.prep(this.minalign, 8);
    this.putU32(identifier);
    this.addOffset(root);
  }

  /** A copy of the finished message (allocates; for tests and tools). */
  toBytes(): Uint8Array {
    const n = this.dataLen();
    const out = new Uint8Array(<i32>n);
    memory.copy(out.dataStart, this.dataPtr(), n);
    return out;
  }
}
