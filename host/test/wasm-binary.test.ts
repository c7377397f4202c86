// Hand-built binaries for what asc does not emit: an imported memory (which the host must create, as
// cpp-host does), an imported global (refused as a missing import), and corrupt bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileWasmModule, WasmLoadError } from "../src/runtime/wasm-module.ts";
import { Emulator } from "../src/runtime/emulator.ts";
import { writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const leb = (n: number): number[] => { const out: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const str = (s: string): number[] => [...leb(s.length), ...new TextEncoder().encode(s)];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const vec = (items: number[][]): number[] => [...leb(items.length), ...items.flat()];

/** A module: imports env.memory (min 1 page) [+ extra imports], exports the ABI marker and malloc. */
function module(extraImports: number[][] = []): Uint8Array {
  const types = section(1, vec([[0x60, 0, 0], [0x60, 1, 0x7f, 1, 0x7f]]));
  const imports = section(2, vec([[...str("env"), ...str("memory"), 0x02, 0x00, 0x01], ...extraImports]));
  const funcs = section(3, vec([[0], [1]]));
  const exports = section(7, vec([[...str("proxy_abi_version_0_2_1"), 0x00, 0], [...str("malloc"), 0x00, 1]]));
  const body = (code: number[]): number[] => [...leb(code.length + 1), 0, ...code];
  const code = section(10, vec([body([0x0b]), body([0x41, ...leb(1024), 0x0b])]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...types, ...imports, ...funcs, ...exports, ...code]);
}

test("wasm binary: an imported memory is created by the host and used for host-function results", async () => {
  const m = compileWasmModule(module(), "imported-memory");
  assert.deepEqual(m.memoryImport, { module: "env", name: "memory", min: 1, max: undefined });
  const path = join(mkdtempSync(join(tmpdir(), "rt-")), "imported-memory.wasm");
  writeFileSync(path, module());
  const emu = await Emulator.create({ filters: [{ name: "p", codePath: path }] });
  const c = emu.connect();
  c.downstreamData("through");
  assert.equal(c.upstreamText(), "through", "a module without callbacks passes bytes through");
  assert.equal(emu.workers[0].vmFor("p")!.failed, false);
});

test("wasm binary: an imported global is refused as a missing import (cpp-host v8.cc)", () => {
  const globalImport = [...str("env"), ...str("g"), 0x03, 0x7f, 0x00];
  assert.throws(() => compileWasmModule(module([globalImport]), "global"),
    (e: unknown) => e instanceof WasmLoadError && e.message === "Failed to load Wasm module due to a missing import: env.g");
});

test("wasm binary: corrupt bytes are 'Failed to parse corrupted Wasm module' at the load stage", () => {
  const bytes = module().slice(0, 30);
  assert.throws(() => compileWasmModule(bytes, "corrupt"), (e: unknown) => e instanceof WasmLoadError &&
    e.message === "Failed to parse corrupted Wasm module" && e.logLines()[1] === "Wasm VM failed Failed to load Wasm code");
  assert.throws(() => compileWasmModule(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), "garbage"), /Failed to parse corrupted Wasm module/);
});

test("wasm binary: an imported table is created by the host too", async () => {
  const tableImport = [...str("env"), ...str("__indirect_function_table"), 0x01, 0x70, 0x00, 0x02];
  const m = compileWasmModule(module([tableImport]), "table");
  assert.deepEqual(m.tableImport, { module: "env", name: "__indirect_function_table", element: "anyfunc", min: 2, max: undefined });
  const path = join(mkdtempSync(join(tmpdir(), "rt-")), "table.wasm");
  writeFileSync(path, module([tableImport]));
  const emu = await Emulator.create({ filters: [{ name: "p", codePath: path }] });
  assert.equal(emu.workers[0].vmFor("p")!.failed, false);
});
