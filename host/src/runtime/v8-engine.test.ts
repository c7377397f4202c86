// The host runs modules under Envoy's V8 settings (cpp-host engine()): optimizing tier only, 1 GiB
// memories. Checked on V8 itself: a child process asks V8 which tier a called function runs in.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { ENVOY_WASM_MAX_MEMORY_PAGES, useEnvoyWasmEngine } from "./v8-engine.ts";

// (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add)
const ADD_ONE = [0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 9, 1, 7, 0, 32, 0, 65, 1, 106, 11];
// (memory (export "m") 1) (func (export "g") (param i32) (result i32) local.get 0 memory.grow)
const GROW = [0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 127, 1, 127, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 9, 2, 1, 109, 2, 0, 1, 103, 0, 0, 10, 8, 1, 6, 0, 32, 0, 64, 0, 11];
// (memory 16385): one page more than Envoy allows
const TOO_BIG = [0, 97, 115, 109, 1, 0, 0, 0, 5, 5, 1, 0, 0x81, 0x80, 0x01];

/** Which tier runs a called function, in a fresh process (V8 flags are per process). */
function tierOf(withEnvoyEngine: boolean): { liftoff: boolean; turbofan: boolean } {
  const engine = pathToFileURL(new URL("./v8-engine.ts", import.meta.url).pathname).href;
  const script = `
    ${withEnvoyEngine ? `(await import(${JSON.stringify(engine)})).useEnvoyWasmEngine();` : ""}
    const f = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(ADD_ONE)}))).exports.f;
    f(1);
    console.log(JSON.stringify({ liftoff: %IsLiftoffFunction(f), turbofan: %IsTurboFanFunction(f) }));`;
  const r = spawnSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim());
}

describe("V8 engine settings (Envoy's cpp-host engine())", () => {
  it("runs a function's first call in TurboFan code, never Liftoff, once applied", () => {
    assert.deepEqual(tierOf(true), { liftoff: false, turbofan: true });
  });

  it("differs from Node's default, which starts functions in Liftoff (what the setting is for)", () => {
    assert.deepEqual(tierOf(false), { liftoff: true, turbofan: false });
  });

  it("caps linear memory at 1 GiB: memory.grow past 16384 pages fails, a larger initial memory cannot be instantiated", () => {
    useEnvoyWasmEngine();
    useEnvoyWasmEngine(); // idempotent
    assert.equal(ENVOY_WASM_MAX_MEMORY_PAGES * 65536, 1024 * 1024 * 1024);
    const grow = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(GROW))).exports.g as (pages: number) => number;
    assert.equal(grow(ENVOY_WASM_MAX_MEMORY_PAGES - 1), 1, "growing to exactly 1 GiB succeeds (returns the old size)");
    assert.equal(grow(1), -1, "one page more fails");
    assert.throws(() => new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(TOO_BIG))), RangeError);
  });
});
