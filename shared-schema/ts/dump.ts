// Canonical text form of a message read through the flatc-generated TypeScript classes; the same
// format as the AssemblyScript dump (gen/as/dump.ts), so the two decoders can be compared
// byte for byte: fields in id order by schema name, integers in decimal, enums as numbers,
// strings as hex of their UTF-8 bytes (null when absent), absent vectors as [].
import { ByteBuffer, Encoding } from "flatbuffers";
import * as wire from "../gen/js/sentinel-wire.js";
import { SCHEMA } from "../gen/meta/schema.ts";

type Field = (typeof SCHEMA.tables)[keyof typeof SCHEMA.tables]["fields"][number];
type Accessors = Record<string, (...args: unknown[]) => unknown>;

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const scalar = (v: unknown): string => (typeof v === "boolean" ? String(v) : String(v));

export function dumpStruct(obj: unknown, structName: string): string {
  const s = (SCHEMA.structs as Record<string, { fields: readonly { name: string; camel: string }[] }>)[structName];
  const o = obj as Accessors;
  return "{" + s.fields.map((f) => `"${f.name}":${scalar(o[f.camel]())}`).join(",") + "}";
}

export function dumpTable(obj: unknown, tableName: string): string {
  const t = (SCHEMA.tables as Record<string, { fields: readonly Field[] }>)[tableName];
  const o = obj as Accessors;
  const parts: string[] = [];
  for (const f of t.fields as readonly (Field & Record<string, any>)[]) {
    if (f.deprecated) continue;
    let v: string;
    if (f.kind === "scalar" || f.kind === "enum") v = scalar(o[f.camel]());
    else if (f.kind === "string") {
      const b = o[f.camel](Encoding.UTF8_BYTES) as Uint8Array | null;
      v = b === null ? "null" : `"${hex(b)}"`;
    } else if (f.kind === "table") {
      const c = o[f.camel]();
      v = c ? dumpTable(c, f.table) : "null";
    } else {
      const n = o[f.camel + "Length"]() as number;
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        const e = o[f.camel](i);
        if (f.elem.kind === "table") items.push(dumpTable(e, f.elem.table));
        else if (f.elem.kind === "struct") items.push(dumpStruct(e, f.elem.struct));
        else items.push(scalar(e));
      }
      v = "[" + items.join(",") + "]";
    }
    parts.push(`"${f.name}":${v}`);
  }
  return "{" + parts.join(",") + "}";
}

/** Dump of the root table of bytes (which the caller has verified). */
export function dumpRoot(bytes: Uint8Array, rootTable: "WorkerReport" | "DecisionTable"): string {
  const bb = new ByteBuffer(bytes);
  const root = rootTable === "WorkerReport" ? wire.WorkerReport.getRootAsWorkerReport(bb) : wire.DecisionTable.getRootAsDecisionTable(bb);
  return dumpTable(root, rootTable);
}
