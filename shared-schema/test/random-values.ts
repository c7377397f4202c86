// Seeded random messages built on the TypeScript side with the flatc object API, generically
// from the layout model, so every field of every table is exercised without naming one.
import { Builder } from "flatbuffers";
import * as wire from "../gen/js/sentinel-wire.js";
import { SCHEMA } from "../gen/meta/schema.ts";

type Any = Record<string, any>;
const classes = wire as unknown as Record<string, new () => Any>;
const tables = SCHEMA.tables as unknown as Record<string, { fields: Any[] }>;
const structs = SCHEMA.structs as unknown as Record<string, { fields: Any[] }>;
const enums = SCHEMA.enums as unknown as Record<string, { values: Record<string, number> }>;

/** mulberry32: small, fast, and the same sequence on every run for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (r: () => number, n: number) => Math.floor(r() * n);
const CHARS = ["a", "Z", "0", "_", "-", " ", "é", "€", "😀", "\u0001", '"', "\\"];

function scalarValue(r: () => number, f: Any): unknown {
  if (f.kind === "enum") {
    const vals = Object.values(enums[f.enum].values);
    return vals[below(r, vals.length)];
  }
  if (f.scalar === "bool") return below(r, 2) === 1;
  const bits = f.size * 8;
  if (bits === 64) {
    const hi = BigInt(below(r, 2 ** 32)), lo = BigInt(below(r, 2 ** 32));
    return ((hi << 32n) | lo) >> BigInt(below(r, 64));
  }
  return Math.floor(below(r, 2 ** bits) / 2 ** below(r, bits));
}

function defaultValue(f: Any): unknown {
  if (f.scalar === "bool") return f.default === "true";
  return f.size === 8 ? BigInt(f.default) : Number(f.default);
}

export function randomStruct(r: () => number, name: string): Any {
  const o = new classes[name + "T"]();
  for (const f of structs[name].fields) o[f.camel] = scalarValue(r, f);
  return o;
}

export function randomTable(r: () => number, name: string): Any {
  const o = new classes[name + "T"]();
  for (const f of tables[name].fields) {
    if (f.deprecated) continue;
    if (f.kind === "scalar" || f.kind === "enum") o[f.camel] = below(r, 4) === 0 ? defaultValue(f) : scalarValue(r, f);
    else if (f.kind === "string") o[f.camel] = below(r, 4) === 0 ? null : Array.from({ length: below(r, 9) }, () => CHARS[below(r, CHARS.length)]).join("");
    else if (f.kind === "table") o[f.camel] = below(r, 4) === 0 ? null : randomTable(r, f.table);
    else {
      const n = below(r, 5) === 0 ? 0 : below(r, 4);
      const e = f.elem;
      o[f.camel] = Array.from({ length: n }, () =>
        e.kind === "table" ? randomTable(r, e.table) : e.kind === "struct" ? randomStruct(r, e.struct) : scalarValue(r, e));
    }
  }
  return o;
}

/** A finished message (with its file identifier) encoded by the flatc-generated TS code. */
export function encodeRoot(root: "WorkerReport" | "DecisionTable", value: Any, builder = new Builder(64)): Uint8Array {
  builder.clear();
  const off = value.pack(builder);
  const cls = classes[root] as unknown as Any;
  cls[`finish${root}Buffer`](builder, off);
  return builder.asUint8Array().slice();
}
