// The built modules link in Envoy: imports are exactly Envoy's ABI 0.2.1 set with Envoy's types,
// and the exports are the ones Envoy looks up, with all-i32 callback signatures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { checkModule } from "./check-module.ts";
import { encodeModule, parseModule } from "./wasm-binary.ts";
import type { FuncType } from "./wasm-binary.ts";
import { CALLBACKS_0_2_1, HOST_FUNCTIONS_0_2_1, L4_CALLBACKS } from "./abi-0-2-1.ts";
import binaryen from "binaryen";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUILDS = ["filter.wasm", "filter.debug.wasm", "service.wasm", "service.debug.wasm"];

function readBuild(name: string): Uint8Array {
  const path = join(root, "build", name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return new Uint8Array(readFileSync(path));
}

for (const name of BUILDS) {
  test(`imports: build/${name} links against Envoy's ABI 0.2.1 set and exports every L4 callback`, () => {
    const bytes = readBuild(name);
    assert.deepEqual(checkModule(bytes), []);
  });

  test(`imports: build/${name} agrees with WebAssembly.Module on names and has no AS default imports`, () => {
    const bytes = readBuild(name);
    const mod = new WebAssembly.Module(bytes);
    const viaEngine = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`).sort();
    const viaParser = parseModule(bytes).imports.map((i) => `${i.module}.${i.name}`).sort();
    assert.deepEqual(viaParser, viaEngine);
    for (const bad of ["env.abort", "env.trace", "env.seed", "env.Date.now", "Date.now"]) {
      assert.ok(!viaEngine.includes(bad), `${name} imports ${bad}`);
    }
    const exportNames = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const required of ["proxy_abi_version_0_2_1", "memory", "malloc", "_initialize", ...L4_CALLBACKS]) {
      assert.ok(exportNames.includes(required), `${name} does not export ${required}`);
    }
  });
}

/** Whether the module validates with every wasm feature except bulk memory (binaryen prints what fails). */
function validWithoutBulkMemory(bytes: Uint8Array): boolean {
  const m = binaryen.readBinary(bytes);
  try {
    m.setFeatures(binaryen.Features.All & ~binaryen.Features.BulkMemory & ~binaryen.Features.BulkMemoryOpt);
    return m.validate() !== 0;
  } finally {
    m.dispose();
  }
}

for (const name of ["filter.wasm", "service.wasm"]) {
  // scripts/build.mjs --disable bulk-memory: V8 runs memory.fill/memory.copy as calls out of the wasm
  // code into C++, and the runtime's shadow-stack zeroing would make one per call of most functions.
  test(`imports: build/${name} has no bulk-memory instruction (no memory.fill per function call)`, () => {
    assert.ok(validWithoutBulkMemory(readBuild(name)), `${name} uses bulk memory: build it with --disable bulk-memory`);
  });
}

test("imports: the bulk-memory check finds a memory.fill", () => {
  // (module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 32))))
  const m = new binaryen.Module();
  m.setMemory(1, 1);
  m.addFunction("f", binaryen.none, binaryen.none, [], m.memory.fill(m.i32.const(0), m.i32.const(0), m.i32.const(32)));
  m.setFeatures(binaryen.Features.All);
  const bytes = m.emitBinary();
  m.dispose();
  assert.equal(validWithoutBulkMemory(bytes), false);
});

// The probe calls every hostcall wrapper, so its imports are every declaration in
// abi/assembly/imports.ts: this checks each declared signature against Envoy's, used or not.
for (const name of ["abi-test/probe.wasm", "abi-test/probe.debug.wasm"]) {
  test(`imports: every declaration in abi/assembly/imports.ts matches Envoy (build/${name})`, () => {
    const bytes = readBuild(name);
    assert.deepEqual(checkModule(bytes), []);
    const imported = new Set(parseModule(bytes).imports.map((i) => i.name));
    const missing = Object.keys(HOST_FUNCTIONS_0_2_1).filter((n) => !imported.has(n));
    assert.deepEqual(missing, [], "the probe should import the whole ABI 0.2.1 host set");
  });
}

// The checker must catch each mistake that breaks loading in Envoy.
const i32 = "i32" as const;
const i64 = "i64" as const;
const ok = (params: number, results: number): FuncType => ({
  params: Array.from({ length: params }, () => i32), results: Array.from({ length: results }, () => i32),
});
const goodFunctions = [
  { name: "proxy_abi_version_0_2_1", type: ok(0, 0) },
  { name: "malloc", type: ok(1, 1) },
  { name: "_initialize", type: ok(0, 0) },
  ...L4_CALLBACKS.map((name) => ({ name, type: CALLBACKS_0_2_1[name] })),
];

const cases: { name: string; spec: Parameters<typeof encodeModule>[0]; expect: RegExp | null }[] = [
  { name: "a correct minimal module passes", spec: { functions: goodFunctions, exportMemory: true }, expect: null },
  { name: "env.abort is rejected", expect: /env\.abort is an AssemblyScript default/,
    spec: { imports: [{ module: "env", name: "abort", type: { params: [i32, i32, i32, i32], results: [] } }], functions: goodFunctions, exportMemory: true } },
  { name: "env.seed is rejected", expect: /env\.seed/,
    spec: { imports: [{ module: "env", name: "seed", type: { params: [], results: ["f64"] } }], functions: goodFunctions, exportMemory: true } },
  { name: "an ABI 0.1.0-only import is rejected", expect: /only in ABI 0\.1\.0/,
    spec: { imports: [{ module: "env", name: "proxy_clear_route_cache", type: ok(0, 1) }], functions: goodFunctions, exportMemory: true } },
  { name: "the sdk's 10-parameter proxy_grpc_call is rejected", expect: /proxy_grpc_call has type/,
    spec: { imports: [{ module: "env", name: "proxy_grpc_call", type: ok(10, 1) }], functions: goodFunctions, exportMemory: true } },
  { name: "proxy_increment_metric with an i32 delta is rejected", expect: /proxy_increment_metric has type/,
    spec: { imports: [{ module: "env", name: "proxy_increment_metric", type: ok(2, 1) }], functions: goodFunctions, exportMemory: true } },
  { name: "an import from an unknown module is rejected", expect: /module "foo"/,
    spec: { imports: [{ module: "foo", name: "bar", type: ok(0, 0) }], functions: goodFunctions, exportMemory: true } },
  { name: "WASI proc_exit under both names is accepted", expect: null,
    spec: { imports: [{ module: "wasi_snapshot_preview1", name: "proc_exit", type: ok(1, 0) }, { module: "wasi_unstable", name: "proc_exit", type: ok(1, 0) }], functions: goodFunctions, exportMemory: true } },
  { name: "a missing L4 callback is reported", expect: /missing L4 callback export proxy_on_new_connection/,
    spec: { functions: goodFunctions.filter((f) => f.name !== "proxy_on_new_connection"), exportMemory: true } },
  { name: "a callback with an i64 parameter is rejected", expect: /proxy_on_downstream_data has type/,
    spec: { functions: goodFunctions.map((f) => f.name === "proxy_on_downstream_data" ? { name: f.name, type: { params: [i32, i64, i32], results: [i32] } } : f), exportMemory: true } },
  { name: "a callback with the wrong arity is rejected", expect: /proxy_on_new_connection has type/,
    spec: { functions: goodFunctions.map((f) => f.name === "proxy_on_new_connection" ? { name: f.name, type: ok(2, 1) } : f), exportMemory: true } },
  { name: "a misspelt callback is reported", expect: /proxy_on_grpc_trailing_metadata is not a callback/,
    spec: { functions: [...goodFunctions, { name: "proxy_on_grpc_trailing_metadata", type: ok(3, 0) }], exportMemory: true } },
  { name: "the ABI 0.2.0 marker is rejected", expect: /ABI marker/,
    spec: { functions: goodFunctions.map((f) => f.name === "proxy_abi_version_0_2_1" ? { name: "proxy_abi_version_0_2_0", type: f.type } : f), exportMemory: true } },
  { name: "no malloc is reported", expect: /missing function export malloc/,
    spec: { functions: goodFunctions.filter((f) => f.name !== "malloc"), exportMemory: true } },
  { name: "no memory is reported", expect: /no memory exported/, spec: { functions: goodFunctions } },
  { name: "a start section is reported", expect: /start section/,
    spec: { functions: goodFunctions, exportMemory: true, startSection: true } },
];

for (const c of cases) {
  test(`checkModule: ${c.name}`, () => {
    const bytes = encodeModule(c.spec);
    assert.ok(WebAssembly.validate(bytes), "the synthetic module itself must be valid wasm");
    const problems = checkModule(bytes);
    if (c.expect === null) assert.deepEqual(problems, []);
    else assert.ok(problems.some((p) => c.expect!.test(p)), `expected a problem matching ${c.expect}, got ${JSON.stringify(problems)}`);
  });
}
