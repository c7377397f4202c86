// Parses the subset of the FlatBuffers schema language this project uses into a layout model
// that the AssemblyScript generator and the TypeScript verifier share.
//
// Supported: include, namespace, attribute, enum (integer base types), struct (scalar, enum and
// nested struct fields), table (scalar, enum, string, table, vectors of scalars/enums/strings/
// structs/tables; attributes id, deprecated, required), root_type, file_identifier,
// file_extension, `//`, `///` and `/* */` comments. Anything else is an error naming file:line,
// so the schema cannot silently use a feature the generated AS codec would mishandle.
import { readFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";

export const SCALARS = {
  bool: { size: 1, as: "bool", load: "u8" },
  byte: { size: 1, as: "i8" }, int8: { size: 1, as: "i8" },
  ubyte: { size: 1, as: "u8" }, uint8: { size: 1, as: "u8" },
  short: { size: 2, as: "i16" }, int16: { size: 2, as: "i16" },
  ushort: { size: 2, as: "u16" }, uint16: { size: 2, as: "u16" },
  int: { size: 4, as: "i32" }, int32: { size: 4, as: "i32" },
  uint: { size: 4, as: "u32" }, uint32: { size: 4, as: "u32" },
  long: { size: 8, as: "i64" }, int64: { size: 8, as: "i64" },
  ulong: { size: 8, as: "u64" }, uint64: { size: 8, as: "u64" },
  float: { size: 4, as: "f32" }, float32: { size: 4, as: "f32" },
  double: { size: 8, as: "f64" }, float64: { size: 8, as: "f64" },
};

/** Canonical scalar name (int32 -> int) so consumers switch on one spelling. */
const CANON = { int8: "byte", uint8: "ubyte", int16: "short", uint16: "ushort", int32: "int",
  uint32: "uint", int64: "long", uint64: "ulong", float32: "float", float64: "double" };

class SchemaError extends Error {}

function tokenize(text, file) {
  const toks = [];
  let i = 0, line = 1, doc = [];
  const re = /[A-Za-z_][A-Za-z0-9_.]*|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|"(?:[^"\\]|\\.)*"|[{}()[\]:;,=]/y;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") { line++; i++; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if (text.startsWith("///", i)) {
      const end = text.indexOf("\n", i);
      doc.push(text.slice(i + 3, end < 0 ? text.length : end).replace(/^ /, ""));
      i = end < 0 ? text.length : end;
      continue;
    }
    if (text.startsWith("//", i)) { const end = text.indexOf("\n", i); i = end < 0 ? text.length : end; continue; }
    if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new SchemaError(`${file}:${line}: unterminated block comment`);
      line += (text.slice(i, end).match(/\n/g) || []).length;
      i = end + 2;
      continue;
    }
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new SchemaError(`${file}:${line}: unexpected character ${JSON.stringify(c)}`);
    toks.push({ v: m[0], line, doc });
    doc = [];
    i = re.lastIndex;
  }
  toks.push({ v: "<eof>", line, doc: [] });
  return toks;
}

/**
 * @param {string} entryPath path of the root .fbs file
 * @returns the layout model: { namespace, enums, structs, tables, roots, files }
 */
export function parseSchema(entryPaths) {
  const model = { namespace: "", enums: new Map(), structs: new Map(), tables: new Map(), roots: [], files: [] };
  const seen = new Set();
  const pending = []; // fields whose types are resolved after every file is read
  const parseFile = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const file = basename(path);
    const toks = tokenize(readFileSync(path, "utf8"), file);
    let p = 0;
    const peek = () => toks[p].v;
    const next = () => toks[p++];
    const fail = (msg, t = toks[p]) => { throw new SchemaError(`${file}:${t.line}: ${msg}`); };
    const expect = (v) => { const t = next(); if (t.v !== v) fail(`expected '${v}', found '${t.v}'`, t); return t; };
    const ident = () => { const t = next(); if (!/^[A-Za-z_]/.test(t.v)) fail(`expected a name, found '${t.v}'`, t); return t.v; };
    const str = () => { const t = next(); if (t.v[0] !== '"') fail(`expected a string, found '${t.v}'`, t); return JSON.parse(t.v); };
    const attrs = () => {
      const out = {};
      if (peek() !== "(") return out;
      next();
      while (peek() !== ")") {
        const k = ident();
        if (peek() === ":") { next(); out[k] = next().v; } else out[k] = true;
        if (peek() === ",") next();
      }
      next();
      return out;
    };
    model.files.push(file);
    let fileRoot = null, fileIdent = null, fileExt = null;
    while (peek() !== "<eof>") {
      const t = next();
      switch (t.v) {
        case "include": {
          const inc = str(); expect(";");
          parseFile(join(dirname(path), inc));
          break;
        }
        case "namespace": {
          const ns = ident(); expect(";");
          if (model.namespace && model.namespace !== ns) fail(`only one namespace is supported (${model.namespace} vs ${ns})`, t);
          model.namespace = ns;
          break;
        }
        case "attribute": str(); expect(";"); break;
        case "root_type": fileRoot = ident(); expect(";"); break;
        case "file_identifier": fileIdent = str(); expect(";");
          if (Buffer.byteLength(fileIdent) !== 4) fail(`file_identifier must be 4 bytes`, t);
          break;
        case "file_extension": fileExt = str(); expect(";"); break;
        case "enum": {
          const name = ident(); expect(":"); const base = ident();
          if (!SCALARS[base] || /float|double|bool/.test(base)) fail(`enum ${name}: base type must be an integer type`);
          attrs(); expect("{");
          const values = [];
          let nextVal = 0n;
          while (peek() !== "}") {
            const vt = toks[p];
            const vname = ident();
            let val = nextVal;
            if (peek() === "=") { next(); val = BigInt(next().v); }
            values.push({ name: vname, value: val, doc: vt.doc });
            nextVal = val + 1n;
            if (peek() === ",") next();
          }
          next();
          const size = SCALARS[base].size;
          const signed = SCALARS[base].as[0] === "i";
          const lo = signed ? -(1n << BigInt(size * 8 - 1)) : 0n, hi = signed ? (1n << BigInt(size * 8 - 1)) - 1n : (1n << BigInt(size * 8)) - 1n;
          for (const v of values) if (v.value < lo || v.value > hi) fail(`enum ${name}.${v.name} = ${v.value} does not fit ${base}`);
          model.enums.set(name, { name, base: CANON[base] ?? base, values: values.map((v) => ({ ...v, value: Number(v.value) })), doc: t.doc });
          break;
        }
        case "struct":
        case "table": {
          const kind = t.v;
          const name = ident(); attrs(); expect("{");
          const fields = [];
          while (peek() !== "}") {
            const ft = toks[p];
            const fname = ident(); expect(":");
            let type;
            if (peek() === "[") {
              next(); const elem = ident();
              if (peek() === ":") fail(`fixed-length arrays are not supported (${name}.${fname})`);
              expect("]");
              type = { vector: elem };
            } else type = { name: ident() };
            let dflt = null;
            if (peek() === "=") { next(); dflt = next().v; }
            const a = attrs();
            expect(";");
            if (kind === "struct" && (dflt !== null || Object.keys(a).length)) fail(`struct ${name}.${fname}: defaults and attributes are not allowed in structs`, ft);
            fields.push({ name: fname, type, dflt, attrs: a, doc: ft.doc, line: ft.line, file });
          }
          next();
          const rec = { name, kind, fields, doc: t.doc, file };
          if (model.structs.has(name) || model.tables.has(name) || model.enums.has(name)) fail(`${name} is defined twice`, t);
          (kind === "struct" ? model.structs : model.tables).set(name, rec);
          pending.push(rec);
          break;
        }
        case "union": fail("unions are not supported by the AS codec", t); break;
        case "rpc_service": fail("rpc_service is not supported", t); break;
        default: fail(`unexpected '${t.v}'`, t);
      }
    }
    if (fileRoot) model.roots.push({ table: fileRoot, identifier: fileIdent, extension: fileExt, file });
    else if (fileIdent) throw new SchemaError(`${file}: file_identifier without root_type`);
  };
  for (const e of [].concat(entryPaths)) parseFile(e);
  resolve(model, pending);
  return model;
}

function resolve(model, recs) {
  const err = (f, msg) => { throw new SchemaError(`${f.file}:${f.line}: ${msg}`); };
  const classify = (f, name) => {
    if (name === "string") return { kind: "string" };
    if (SCALARS[name]) return { kind: "scalar", scalar: CANON[name] ?? name, size: SCALARS[name].size };
    if (model.enums.has(name)) { const e = model.enums.get(name); return { kind: "enum", enum: name, scalar: e.base, size: SCALARS[e.base].size }; }
    if (model.structs.has(name)) return { kind: "struct", struct: name };
    if (model.tables.has(name)) return { kind: "table", table: name };
    return err(f, `unknown type '${name}'`);
  };
  // Structs first (in dependency order) so tables can use their sizes.
  const layoutStruct = (s, stack = []) => {
    if (s.size !== undefined) return s;
    if (stack.includes(s.name)) throw new SchemaError(`${s.file}: struct ${s.name} contains itself`);
    let off = 0, align = 1;
    for (const f of s.fields) {
      if (f.type.vector) err(f, `struct ${s.name}.${f.name}: vectors are not allowed in structs`);
      const c = classify(f, f.type.name);
      if (c.kind === "string" || c.kind === "table") err(f, `struct ${s.name}.${f.name}: ${c.kind} is not allowed in structs`);
      let size, a;
      if (c.kind === "struct") { const inner = layoutStruct(model.structs.get(c.struct), [...stack, s.name]); size = inner.size; a = inner.align; }
      else { size = c.size; a = c.size; }
      off = (off + a - 1) & ~(a - 1);
      Object.assign(f, c, { offset: off, fieldSize: size });
      off += size;
      align = Math.max(align, a);
    }
    s.align = align;
    s.size = (off + align - 1) & ~(align - 1);
    return s;
  };
  for (const s of model.structs.values()) layoutStruct(s);
  for (const r of recs) {
    if (r.kind !== "table") continue;
    const withId = r.fields.filter((f) => f.attrs.id !== undefined).length;
    if (withId && withId !== r.fields.length) throw new SchemaError(`${r.file}: table ${r.name}: either every field has an id or none`);
    const ids = new Set();
    r.fields.forEach((f, i) => {
      const id = withId ? Number(f.attrs.id) : i;
      if (!Number.isInteger(id) || id < 0 || ids.has(id)) err(f, `${r.name}.${f.name}: bad or duplicate id ${f.attrs.id}`);
      ids.add(id);
      f.id = id;
      f.slot = 4 + 2 * id;
      f.deprecated = !!f.attrs.deprecated;
      f.required = !!f.attrs.required;
      for (const k of Object.keys(f.attrs)) if (!["id", "deprecated", "required"].includes(k)) err(f, `${r.name}.${f.name}: attribute '${k}' is not supported`);
      if (f.type.vector) {
        const c = classify(f, f.type.vector);
        f.kind = "vector";
        f.elem = c;
        if (c.kind === "struct") { const s = model.structs.get(c.struct); c.size = s.size; c.align = s.align; }
        else if (c.kind === "string" || c.kind === "table") { c.size = 4; c.align = 4; }
        else c.align = c.size;
      } else {
        Object.assign(f, classify(f, f.type.name));
        if (f.kind === "struct") err(f, `${r.name}.${f.name}: inline struct fields in tables are not supported; use a vector`);
      }
      if (f.required && (f.kind === "scalar" || f.kind === "enum")) err(f, `${r.name}.${f.name}: scalars cannot be required`);
      f.default = defaultOf(model, f);
    });
    for (let id = 0; id < ids.size; id++) if (!ids.has(id)) throw new SchemaError(`${r.file}: table ${r.name}: ids must be 0..${ids.size - 1} without gaps (missing ${id})`);
    r.fields.sort((a, b) => a.id - b.id);
    r.numSlots = ids.size;
  }
  for (const root of model.roots) if (!model.tables.has(root.table)) throw new SchemaError(`${root.file}: root_type ${root.table} is not a table`);
}

function defaultOf(model, f) {
  if (f.kind !== "scalar" && f.kind !== "enum") {
    if (f.dflt !== null) throw new SchemaError(`${f.file}:${f.line}: ${f.name}: only scalars can have defaults`);
    return null;
  }
  if (f.dflt === null) return f.scalar === "bool" ? "false" : "0";
  if (f.kind === "enum") {
    const v = model.enums.get(f.enum).values.find((x) => x.name === f.dflt || String(x.value) === f.dflt);
    if (!v) throw new SchemaError(`${f.file}:${f.line}: ${f.name}: default '${f.dflt}' is not a value of ${f.enum}`);
    return String(v.value);
  }
  if (f.scalar === "bool") {
    if (!["true", "false", "0", "1"].includes(f.dflt)) throw new SchemaError(`${f.file}:${f.line}: ${f.name}: bad bool default`);
    return f.dflt === "true" || f.dflt === "1" ? "true" : "false";
  }
  if (!/^-?\d+(\.\d+)?$/.test(f.dflt)) throw new SchemaError(`${f.file}:${f.line}: ${f.name}: bad default '${f.dflt}'`);
  return f.dflt;
}

export { SchemaError };
