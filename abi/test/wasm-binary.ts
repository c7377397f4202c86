// Just enough of the WebAssembly binary format to read a module's function signatures:
// type (1), import (2), function (3), export (7) and start (8) sections. WebAssembly.Module.imports
// and .exports give names and kinds but not types, and Envoy checks types ("Bad function signature
// for", "import type mismatch"), so the tests read them from the binary. Also a tiny encoder so the
// checker's own tests can build deliberately wrong modules.

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface FuncType { params: ValType[]; results: ValType[] }

export interface ImportEntry {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** For functions: the signature. */
  type?: FuncType;
}

export interface ExportEntry {
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  index: number;
  /** For functions: the signature. */
  type?: FuncType;
}

export interface ParsedModule {
  types: FuncType[];
  imports: ImportEntry[];
  exports: ExportEntry[];
  hasStartSection: boolean;
}

const VALTYPES: Record<number, ValType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};
const KINDS = ["function", "table", "memory", "global", "tag"] as const;

class Reader {
  pos: number;
  readonly bytes: Uint8Array;
  readonly end: number;

  constructor(bytes: Uint8Array, pos: number, end: number) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  byte(): number {
    if (this.pos >= this.end) throw new Error(`wasm: unexpected end of data at offset ${this.pos}`);
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128; limits up to 64 bits are read but returned as a JS number. */
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error(`wasm: LEB128 longer than 10 bytes at offset ${this.pos}`);
  }

  name(): string {
    const len = this.uleb();
    if (this.pos + len > this.end) throw new Error(`wasm: name runs past its section at offset ${this.pos}`);
    const s = new TextDecoder("utf-8", { fatal: true }).decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  valtype(): ValType {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) throw new Error(`wasm: unknown value type 0x${b.toString(16)} at offset ${this.pos - 1}`);
    return t;
  }

  limits(): void {
    const flags = this.byte();
    this.uleb();
    if (flags & 1) this.uleb();
  }
}

export function parseModule(bytes: Uint8Array): ParsedModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("wasm: missing \\0asm magic");
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new Error("wasm: unsupported binary version");
  }
  const types: FuncType[] = [];
  const imports: ImportEntry[] = [];
  const funcTypeIndex: number[] = []; // function index space: imported functions first
  const exports: ExportEntry[] = [];
  let hasStartSection = false;

  const top = new Reader(bytes, 8, bytes.length);
  while (top.pos < top.end) {
    const id = top.byte();
    const size = top.uleb();
    const r = new Reader(bytes, top.pos, top.pos + size);
    if (r.end > bytes.length) throw new Error(`wasm: section ${id} runs past the end of the file`);
    switch (id) {
      case 1: {
        for (let n = r.uleb(); n > 0; n--) {
          const form = r.byte();
          if (form !== 0x60) throw new Error(`wasm: type form 0x${form.toString(16)} is not a function type`);
          const params: ValType[] = [];
          for (let p = r.uleb(); p > 0; p--) params.push(r.valtype());
          const results: ValType[] = [];
          for (let q = r.uleb(); q > 0; q--) results.push(r.valtype());
          types.push({ params, results });
        }
        break;
      }
      case 2: {
        for (let n = r.uleb(); n > 0; n--) {
          const module = r.name();
          const name = r.name();
          const kindByte = r.byte();
          const kind = KINDS[kindByte];
          if (!kind) throw new Error(`wasm: unknown import kind ${kindByte} for ${module}.${name}`);
          const entry: ImportEntry = { module, name, kind };
          if (kind === "function") {
            const t = r.uleb();
            funcTypeIndex.push(t);
            entry.type = types[t];
          } else if (kind === "table") {
            r.byte();
            r.limits();
          } else if (kind === "memory") {
            r.limits();
          } else if (kind === "global") {
            r.valtype();
            r.byte();
          } else {
            r.byte();
            r.uleb();
          }
          imports.push(entry);
        }
        break;
      }
      case 3: {
        for (let n = r.uleb(); n > 0; n--) funcTypeIndex.push(r.uleb());
        break;
      }
      case 7: {
        for (let n = r.uleb(); n > 0; n--) {
          const name = r.name();
          const kindByte = r.byte();
          const kind = KINDS[kindByte];
          if (!kind) throw new Error(`wasm: unknown export kind ${kindByte} for ${name}`);
          const index = r.uleb();
          const entry: ExportEntry = { name, kind, index };
          if (kind === "function") {
            const t = funcTypeIndex[index];
            if (t === undefined) throw new Error(`wasm: export ${name} names function ${index}, which does not exist`);
            entry.type = types[t];
          }
          exports.push(entry);
        }
        break;
      }
      case 8:
        hasStartSection = true;
        break;
      default:
        break;
    }
    top.pos += size;
  }
  return { types, imports, exports, hasStartSection };
}

export function formatType(t: FuncType | undefined): string {
  if (!t) return "(unknown)";
  return `(${t.params.join(",")})->(${t.results.join(",")})`;
}

// ---- encoder (tests only) -------------------------------------------------------------------

const VALTYPE_BYTES: Record<ValType, number> = {
  i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b, funcref: 0x70, externref: 0x6f,
};

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export interface ModuleSpec {
  imports?: { module: string; name: string; type: FuncType }[];
  /** Exported functions, each with a body that traps. */
  functions?: { name: string; type: FuncType }[];
  exportMemory?: boolean;
  startSection?: boolean;
}

/** Builds a valid module with the given function imports/exports (bodies are `unreachable`). */
export function encodeModule(spec: ModuleSpec): Uint8Array {
  const imports = spec.imports ?? [];
  const functions = spec.functions ?? [];
  const types: FuncType[] = [...imports.map((i) => i.type), ...functions.map((f) => f.type)];
  const typeBody = [...uleb(types.length)];
  for (const t of types) {
    typeBody.push(0x60, ...uleb(t.params.length), ...t.params.map((v) => VALTYPE_BYTES[v]),
      ...uleb(t.results.length), ...t.results.map((v) => VALTYPE_BYTES[v]));
  }
  const importBody = [...uleb(imports.length)];
  imports.forEach((imp, i) => importBody.push(...str(imp.module), ...str(imp.name), 0x00, ...uleb(i)));
  const funcBody = [...uleb(functions.length)];
  functions.forEach((_, i) => funcBody.push(...uleb(imports.length + i)));
  const exportEntries: number[][] = functions.map((f, i) => [...str(f.name), 0x00, ...uleb(imports.length + i)]);
  if (spec.exportMemory) exportEntries.push([...str("memory"), 0x02, 0x00]);
  const exportBody = [...uleb(exportEntries.length), ...exportEntries.flat()];
  const codeBody = [...uleb(functions.length)];
  for (let i = 0; i < functions.length; i++) codeBody.push(3, 0x00, 0x00, 0x0b);
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  out.push(...section(1, typeBody));
  out.push(...section(2, importBody));
  out.push(...section(3, funcBody));
  if (spec.exportMemory) out.push(...section(5, [1, 0x00, 1]));
  out.push(...section(7, exportBody));
  if (spec.startSection && functions.length > 0) {
    // The start function must be ()->(); pick the first such export.
    const idx = functions.findIndex((f) => f.type.params.length === 0 && f.type.results.length === 0);
    if (idx >= 0) out.push(...section(8, uleb(imports.length + idx)));
  }
  out.push(...section(10, codeBody));
  return new Uint8Array(out);
}
