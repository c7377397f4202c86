// The schema parser behind gen-as.mjs: its layout must agree with flatc's, and schema features
// the AS codec cannot handle must fail generation with a message naming the file and line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as wire from "../gen/js/sentinel-wire.js";
import { SCHEMA } from "../gen/meta/schema.ts";
// @ts-ignore: plain ESM script without types
import { parseSchema } from "../scripts/fbs-parse.mjs";

test("struct sizes match flatc's generated sizeOf()", () => {
  const W = wire as unknown as Record<string, { sizeOf(): number }>;
  for (const [name, s] of Object.entries(SCHEMA.structs)) assert.equal(s.size, W[name].sizeOf(), name);
});

test("enum values are Sentinel's", () => {
  assert.deepEqual(SCHEMA.enums.CircuitState.values, { Closed: 0, HalfOpen: 1, Open: 2 });
  const b = SCHEMA.enums.BlockReason.values;
  assert.deepEqual([b.Flow, b.Isolation, b.CircuitBreaking, b.SystemFlow], [1, 2, 3, 4]);
  assert.equal(wire.CircuitState.Open, 2);
});

const cases: { name: string; fbs: string; error: RegExp }[] = [
  { name: "union", fbs: "union U { A }", error: /x\.fbs:1: unions are not supported/ },
  { name: "unknown type", fbs: "table T { a: Nope; }", error: /x\.fbs:1: unknown type 'Nope'/ },
  { name: "id gap", fbs: "table T { a: int (id: 0); b: int (id: 2); }", error: /ids must be 0\.\.1 without gaps/ },
  { name: "some ids missing", fbs: "table T { a: int (id: 0); b: int; }", error: /either every field has an id or none/ },
  { name: "inline struct in table", fbs: "struct S { a: int; }\ntable T { s: S; }", error: /x\.fbs:2: T\.s: inline struct fields/ },
  { name: "enum value too big", fbs: "enum E : ubyte { A = 256 }", error: /does not fit ubyte/ },
  { name: "fixed array", fbs: "struct S { a: [int:4]; }", error: /fixed-length arrays are not supported/ },
  { name: "unknown attribute", fbs: "table T { a: int (key); }", error: /attribute 'key' is not supported/ },
  { name: "bad identifier", fbs: 'table T { a: int; }\nroot_type T;\nfile_identifier "TOOLONG";', error: /x\.fbs:3: file_identifier must be 4 bytes/ },
];

for (const c of cases) {
  test(`parseSchema rejects: ${c.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "fbs-"));
    try {
      writeFileSync(join(dir, "x.fbs"), c.fbs);
      assert.throws(() => parseSchema(join(dir, "x.fbs")), c.error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("struct layout pads like flatc: ubyte then uint is 8 bytes, trailing padding to the alignment", () => {
  const dir = mkdtempSync(join(tmpdir(), "fbs-"));
  try {
    writeFileSync(join(dir, "x.fbs"), "struct A { r: ubyte; c: uint; }\nstruct B { x: ulong; y: uint; }\nstruct C { a: ushort; b: ubyte; }");
    const m = parseSchema(join(dir, "x.fbs"));
    assert.deepEqual([m.structs.get("A").size, m.structs.get("A").fields[1].offset], [8, 4]);
    assert.deepEqual([m.structs.get("B").size, m.structs.get("B").align], [16, 8]);
    assert.equal(m.structs.get("C").size, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
