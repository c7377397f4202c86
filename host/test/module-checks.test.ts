// Loading a module as Envoy does: ABI marker, exact import set with types, export signatures, allocator,
// and the restricted start-up phase. Texts are Envoy's (proxy-wasm-cpp-host v8.cc / wasm.cc).
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadWasmModule, WasmLoadError } from "../src/runtime/wasm-module.ts";
import { ConfigRejected } from "../src/runtime/thread-runtime.ts";
import { Emulator } from "../src/runtime/emulator.ts";
import { testModule } from "./helpers.ts";

const cases = [
  { name: "a foreign env import is refused", module: "bad-foreign-import", error: "Failed to load Wasm module due to a missing import: env.foo" },
  { name: "asc's default env.abort is refused", module: "bad-env-abort", error: "Failed to load Wasm module due to a missing import: env.abort" },
  { name: "no ABI marker", module: "bad-no-abi", error: "Missing or unknown Proxy-Wasm ABI version" },
  { name: "a callback with the wrong signature", module: "bad-signature", error: "Bad function signature for: proxy_on_new_connection, want: i32 -> i32, but the module exports: i32 i32 -> i32" },
  { name: "no allocator export", module: "bad-no-malloc", error: "Wasm module is missing malloc function." },
  { name: "an import with the wrong type", module: "bad-import-type", error: "Failed to load Wasm module due to an import type mismatch: env.proxy_log, want: i32 i32 -> i32, but host exports: i32 i32 i32 -> i32" },
  { name: "proxy_get_log_level under ABI 0.2.0", module: "abi020-log-level", error: "Failed to load Wasm module due to a missing import: env.proxy_get_log_level" },
];

for (const c of cases) {
  test(`module checks: ${c.name}`, () => {
    assert.throws(() => loadWasmModule(testModule(c.module)), (e: unknown) => e instanceof WasmLoadError && e.message === c.error);
  });
}

test("module checks: a refused module logs Envoy's three lines and rejects the config, naming the plugin", async () => {
  const lines: string[] = [];
  await assert.rejects(Emulator.create({ logSink: (e) => lines.push(`${e.level} ${e.line}`),
    filters: [{ name: "my_plugin", codePath: testModule("bad-no-abi") }] }));
  assert.deepEqual(lines, [
    "4 Wasm VM failed Missing or unknown Proxy-Wasm ABI version", "4 Wasm VM failed Failed to load Wasm code",
    "5 Plugin my_plugin failed to load",
  ]);
});

test("module checks: a refused import rejects the config, naming the plugin", async () => {
  await assert.rejects(
    Emulator.create({ filters: [{ name: "my_plugin", codePath: testModule("bad-foreign-import") }] }),
    (e: unknown) => e instanceof ConfigRejected && e.message.startsWith("Unable to create Wasm plugin my_plugin") &&
      e.reason === "Failed to load Wasm module due to a missing import: env.foo");
});

test("module checks: ABI 0.2.1 modules with WASI under both module names load", () => {
  const m = loadWasmModule(testModule("hostcalls"));
  assert.equal(m.abi, "0.2.1");
  assert.equal(m.allocator, "malloc");
});

test("module checks: proxy_on_memory_allocate is the allocator when malloc is absent", async () => {
  const m = loadWasmModule(testModule("memory-allocate"));
  assert.equal(m.allocator, "proxy_on_memory_allocate");
  const emu = await Emulator.create({ filters: [{ rootId: "r", codePath: testModule("memory-allocate"), pluginConfiguration: "abc" }] });
  // the host allocated the configuration buffer through the module's proxy_on_memory_allocate
  assert.ok(emu.logs("info").includes("wasm log r: cfg=abc allocations=1"), emu.logs().join("\n"));
});

test("start-up: only the allowlist works during _initialize; anything else traps and fails the VM", async () => {
  await assert.rejects(
    Emulator.create({ filters: [{ name: "p", codePath: testModule("restricted-init") }] }),
    (e: unknown) => e instanceof ConfigRejected && e.reason === "Function: _initialize failed: restricted_callback");
});

test("start-up: a restricted call is logged at error with Envoy's wording; allowed calls work", async () => {
  const lines: string[] = [];
  try {
    await Emulator.create({ filters: [{ name: "p", codePath: testModule("restricted-init") }], logLevel: "trace" });
  } catch (e) {
    lines.push((e as Error).message);
  }
  assert.equal(lines.length, 1);
  // no emulator handle after a rejected config: check through a runtime-level load instead
  const { ThreadRuntime } = await import("../src/runtime/thread-runtime.ts");
  const { SharedStore } = await import("../src/store/shared-store.ts");
  const logs: { level: number; line: string }[] = [];
  const env = {
    threadId: 1, store: SharedStore.create({ bytes: 1 << 16 }), wallTimeNs: () => 0n, monotonicNs: () => 0n,
    setTimer: () => 0, cancelTimer: () => {}, restartTimer: () => {}, postQueueReady: () => {}, wasmLogLevel: () => 0,
    emitLog: (level: number, _c: string, line: string) => { logs.push({ level, line }); },
  };
  const { pluginSpec, DEFAULT_CLUSTER } = await import("../src/runtime/emulator.ts");
  await ThreadRuntime.create({
    env, role: "worker",
    config: {
      path: "", listeners: [{ name: "l", address: { address: "127.0.0.1", port: 1 }, filters: [
        { kind: "wasm", plugin: pluginSpec({ name: "p", codePath: testModule("restricted-init") }) },
        { kind: "tcp_proxy", statPrefix: "t", cluster: DEFAULT_CLUSTER }] }],
      clusters: [], wasmServices: [], statsTags: [], useAllDefaultTags: false,
    },
  });
  assert.ok(logs.some((l) => l.level === 2 && /^wasm log: init log 0$/.test(l.line)), JSON.stringify(logs));
  assert.ok(logs.some((l) => l.level === 4 && l.line === "Function: _initialize failed: restricted_callback"), JSON.stringify(logs));
  assert.ok(!logs.some((l) => l.line.includes("not reached")));
});

test("ABI 0.1.0: proxy_get_configuration gives the plugin configuration in on_configure, else the VM configuration", async () => {
  assert.equal(loadWasmModule(testModule("abi010")).abi, "0.1.0");
  const emu = await Emulator.create({ filters: [{ rootId: "o", codePath: testModule("abi010"), pluginConfiguration: "PLUGINCFG", vmConfiguration: "VMCFG" }] });
  const main = emu.logEntries().filter((e) => e.threadId === 0).map((e) => e.line);
  assert.deepEqual(main, [
    "wasm log o: vm_start config=0:VMCFG",
    "wasm log o: configure config=0:PLUGINCFG continue_request=0 continue_response=0 clear_route_cache=0",
  ]);
});
