// Verifier for untrusted FlatBuffers bytes on the TypeScript side: the flatbuffers npm runtime
// has none, and its readers throw or misread on malformed offsets. It walks the layout model
// generated from the schema (gen/meta/schema.ts) with exactly the rules of the AssemblyScript
// verifier (as-runtime/runtime.ts): every table header, vtable, field, offset, vector and string
// inside the buffer and aligned as builders align them, strings NUL-terminated, enum values
// known, nesting at most MAX_DEPTH, at most maxTables tables. The tests hold the two to the same
// answer on every input.
import { SCHEMA } from "../gen/meta/schema.ts";

export const MAX_DEPTH = 64;
export const DEFAULT_MAX_TABLES = 100_000;

type Elem = { kind: string; scalar?: string; size: number; align: number; enum?: string; struct?: string; table?: string };
type FieldModel = { name: string; slot: number; kind: string; size?: number; enum?: string; table?: string; required?: boolean; elem?: Elem };
type StructModel = { size: number; fields: { kind: string; offset: number; size?: number; enum?: string }[] };

const tables = SCHEMA.tables as unknown as Record<string, { fields: FieldModel[] }>;
const structs = SCHEMA.structs as unknown as Record<string, StructModel>;
const enumValues = new Map<string, Set<number>>(
  Object.entries(SCHEMA.enums).map(([name, e]) => [name, new Set(Object.values(e.values as Record<string, number>))]),
);

class Walk {
  readonly dv: DataView;
  readonly len: number;
  readonly maxTables: number;
  tables = 0;

  constructor(bytes: Uint8Array, maxTables: number) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.byteLength;
    this.maxTables = maxTables;
  }

  u8(p: number): number { return this.dv.getUint8(p); }
  u16(p: number): number { return this.dv.getUint16(p, true); }
  u32(p: number): number { return this.dv.getUint32(p, true); }
  enumAt(name: string, size: number, p: number): number {
    return size === 1 ? this.dv.getUint8(p) : size === 2 ? this.dv.getUint16(p, true) : this.dv.getUint32(p, true);
  }

  /** Follows a uoffset at f; -1 if the target leaves the buffer or is misaligned. */
  deref(f: number): number {
    const t = f + this.u32(f);
    return t % 4 !== 0 || t + 4 > this.len ? -1 : t;
  }

  table(name: string, pos: number, depth: number): boolean {
    if (depth > MAX_DEPTH || ++this.tables > this.maxTables) return false;
    if (pos === 0 || pos % 4 !== 0 || pos + 4 > this.len) return false;
    const vt = pos - this.dv.getInt32(pos, true);
    if (vt < 0 || vt % 2 !== 0 || vt + 4 > this.len) return false;
    const vtLen = this.u16(vt), tableLen = this.u16(vt + 2);
    if (vtLen < 4 || vtLen % 2 !== 0 || vt + vtLen > this.len) return false;
    if (tableLen < 4 || pos + tableLen > this.len) return false;
    // A field: 0 when absent, -1 when outside its table or misaligned.
    const field = (slot: number, size: number): number => {
      if (slot + 2 > vtLen) return 0;
      const off = this.u16(vt + slot);
      if (off === 0) return 0;
      if (off < 4 || off + size > tableLen) return -1;
      const f = pos + off;
      return f % size !== 0 ? -1 : f;
    };
    for (const fm of tables[name].fields) {
      if (fm.kind === "scalar" || fm.kind === "enum") {
        const f = field(fm.slot, fm.size!);
        if (f < 0) return false;
        if (f > 0 && fm.kind === "enum" && !enumValues.get(fm.enum!)!.has(this.enumAt(fm.enum!, fm.size!, f))) return false;
        continue;
      }
      const f = field(fm.slot, 4);
      if (f < 0) return false;
      if (f === 0) { if (fm.required) return false; continue; }
      const t = this.deref(f);
      if (t < 0) return false;
      if (fm.kind === "string") {
        const n = this.u32(t);
        if (n + 1 > this.len - t - 4 || this.u8(t + 4 + n) !== 0) return false;
      } else if (fm.kind === "table") {
        if (!this.table(fm.table!, t, depth + 1)) return false;
      } else if (!this.vector(fm.elem!, t, depth)) return false;
    }
    return true;
  }

  vector(e: Elem, v: number, depth: number): boolean {
    const n = this.u32(v);
    if (n * e.size > this.len - v - 4) return false;
    if ((v + 4) % e.align !== 0) return false;
    const first = v + 4;
    if (e.kind === "table") {
      for (let i = 0; i < n; i++) {
        const t = this.deref(first + 4 * i);
        if (t < 0 || !this.table(e.table!, t, depth + 1)) return false;
      }
    } else if (e.kind === "struct") {
      const s = structs[e.struct!];
      const enums = s.fields.filter((x) => x.kind === "enum");
      for (let i = 0; enums.length && i < n; i++) {
        for (const x of enums) if (!enumValues.get(x.enum!)!.has(this.enumAt(x.enum!, x.size!, first + i * s.size + x.offset))) return false;
      }
    } else if (e.kind === "enum") {
      for (let i = 0; i < n; i++) if (!enumValues.get(e.enum!)!.has(this.enumAt(e.enum!, e.size, first + i * e.size))) return false;
    }
    return true;
  }
}

const identifiers = new Map(SCHEMA.roots.map((r) => [r.table, r.identifier]));

/** Whether bytes hold a well-formed message whose root is rootTable (identifier included). */
export function verifyRoot(bytes: Uint8Array, rootTable: string, maxTables = DEFAULT_MAX_TABLES): boolean {
  const id = identifiers.get(rootTable);
  if (id === undefined) throw new Error(`verifyRoot: ${rootTable} is not a root type of the schema`);
  if (bytes.byteLength < 8 || bytes.byteLength > 0x7fffffff) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== id.charCodeAt(i)) return false;
  const w = new Walk(bytes, maxTables);
  const root = w.u32(0);
  if (root < 8) return false;
  return w.table(rootTable, root, 0);
}

export function verifyWorkerReport(bytes: Uint8Array, maxTables = DEFAULT_MAX_TABLES): boolean {
  return verifyRoot(bytes, "WorkerReport", maxTables);
}

export function verifyDecisionTable(bytes: Uint8Array, maxTables = DEFAULT_MAX_TABLES): boolean {
  return verifyRoot(bytes, "DecisionTable", maxTables);
}
