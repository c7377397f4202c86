// Reads just enough of a Wasm binary to check a module the way proxy-wasm-cpp-host does before
// instantiation: function types of imports and exports. Node's WebAssembly.Module.imports() does not
// expose types (the type-reflection proposal is off by default), so we parse the sections ourselves.

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface FuncType { params: ValType[]; results: ValType[] }
export interface ImportEntry { module: string; name: string; kind: "func" | "table" | "memory" | "global" | "tag"; type?: FuncType; limits?: { min: number; max?: number }; element?: ValType }
export interface ExportEntry { name: string; kind: "func" | "table" | "memory" | "global" | "tag"; type?: FuncType }
export interface WasmShape {
  imports: ImportEntry[];
  exports: ExportEntry[];
  /** From the "name" custom section (function index -> name); empty when the module has none. */
  functionNames: Map<number, string>;
}

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};
const KINDS = ["func", "table", "memory", "global", "tag"] as const;

class Reader {
  pos = 0;
  bytes: Uint8Array;
  constructor(bytes: Uint8Array) { this.bytes = bytes; }
  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error("unexpected end of Wasm binary");
    return this.bytes[this.pos++];
  }
  u32(): number {
    let result = 0, shift = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
    throw new Error("malformed LEB128 in Wasm binary");
  }
  name(): string {
    const len = this.u32();
    const s = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
  valType(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) throw new Error(`unsupported value type 0x${b.toString(16)} in Wasm binary`);
    return t;
  }
  limits(): { min: number; max?: number } {
    const flags = this.byte();
    const min = this.u32();
    return flags & 1 ? { min, max: this.u32() } : { min };
  }
}

/** Parses the type, import, function and export sections. Throws on a malformed binary. */
export function parseWasmShape(bytes: Uint8Array): WasmShape {
  const r = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d];
  for (const m of magic) if (r.byte() !== m) throw new Error("not a Wasm binary (bad magic)");
  r.pos = 8;
  const types: FuncType[] = [];
  const imports: ImportEntry[] = [];
  const funcTypeIdx: number[] = []; // imported functions first, then defined ones
  const rawExports: { name: string; kind: number; index: number }[] = [];
  const functionNames = new Map<number, string>();
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 0) {
      if (r.name() === "name") readFunctionNames(r, end, functionNames);
    } else if (id === 1) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const form = r.byte();
        if (form !== 0x60) throw new Error(`unsupported type form 0x${form.toString(16)}`);
        const params: ValType[] = [];
        for (let p = r.u32(); p > 0; p--) params.push(r.valType());
        const results: ValType[] = [];
        for (let q = r.u32(); q > 0; q--) results.push(r.valType());
        types.push({ params, results });
      }
    } else if (id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          const t = r.u32();
          funcTypeIdx.push(t);
          imports.push({ module, name, kind: "func", type: types[t] });
        } else if (kind === 1) {
          const element = r.valType();
          imports.push({ module, name, kind: "table", element, limits: r.limits() });
        }
        else if (kind === 2) imports.push({ module, name, kind: "memory", limits: r.limits() });
        else if (kind === 3) { r.valType(); r.byte(); imports.push({ module, name, kind: "global" }); }
        else if (kind === 4) { r.byte(); r.u32(); imports.push({ module, name, kind: "tag" }); }
        else throw new Error(`unknown import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let n = r.u32(); n > 0; n--) funcTypeIdx.push(r.u32());
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = r.byte();
        const index = r.u32();
        rawExports.push({ name, kind, index });
      }
    }
    r.pos = end;
  }
  const exports: ExportEntry[] = rawExports.map((e) => ({
    name: e.name,
    kind: KINDS[e.kind] ?? "func",
    type: e.kind === 0 ? types[funcTypeIdx[e.index]] : undefined,
  }));
  return { imports, exports, functionNames };
}

/** Subsection 1 of the name section: a vector of (function index, name). Malformed data is ignored. */
function readFunctionNames(r: Reader, end: number, out: Map<number, string>): void {
  try {
    while (r.pos < end) {
      const sub = r.byte();
      const size = r.u32();
      const subEnd = r.pos + size;
      if (sub === 1) {
        for (let n = r.u32(); n > 0; n--) {
          const idx = r.u32();
          out.set(idx, r.name());
        }
      }
      r.pos = subEnd;
    }
  } catch {
    out.clear();
  }
}

/** proxy-wasm-cpp-host's printValTypes: "void" for none, else space-separated kinds. */
export function printValTypes(types: ValType[]): string {
  return types.length === 0 ? "void" : types.join(" ");
}

export function sameTypes(a: ValType[], b: ValType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
