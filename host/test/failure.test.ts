// A trap fails the whole VM (docs §9): Envoy's error line, the connection's fate by fail_open, later
// callbacks skipped, later connections by failure policy; the host stays alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator, type PluginInput } from "../src/runtime/emulator.ts";
import { ConfigRejected } from "../src/runtime/thread-runtime.ts";
import { facts, testModule } from "./helpers.ts";

async function emulator(config: string, extra: Partial<PluginInput> = {}, reloadBackoffMs?: number) {
  return Emulator.create({
    workers: 1, reloadBackoffMs,
    filters: [{ name: "f", rootId: "r", vmId: "v", codePath: testModule("lifecycle"), pluginConfiguration: config, ...extra }],
  });
}
const cbs = (emu: Emulator) => facts(emu.logEntries().filter((e) => e.threadId === 1).map((e) => e.line), "cb ");

test("failure: a trap in on_new_connection with fail_open false closes the connection and fails the VM", async () => {
  const emu = await emulator("trap_on_new");
  const c = emu.connect();
  assert.ok(emu.logs("error").includes("Function: proxy_on_new_connection failed: Uncaught RuntimeError: unreachable"), emu.logs("error").join("\n"));
  assert.deepEqual(c.closed, { by: "host", flush: true, reason: "wasm_fail_stream" });
  assert.equal(c.upstreamRequested, false);
  assert.equal(emu.workers[0].vmFor("f")!.failed, true);
  // close/done/log/delete are skipped on a failed VM
  assert.equal(cbs(emu).at(-1), "cb new_connection 2");
});

test("failure: with fail_open true the in-flight connection continues without the filter", async () => {
  const emu = await emulator("trap_on_new", { failOpen: true });
  const c = emu.connect();
  assert.equal(c.closed, undefined);
  c.downstreamData("through");
  assert.equal(c.upstreamText(), "through");
  assert.equal(cbs(emu).filter((l) => l.startsWith("cb downstream_data")).length, 0, "callbacks on a failed VM are skipped");
});

test("failure: after a failure FAIL_CLOSED closes every later connection; the host keeps running", async () => {
  const emu = await emulator("trap_on_data");
  const first = emu.connect();
  first.downstreamData("boom");
  assert.equal(first.closed?.reason, "wasm_fail_stream");
  const later = emu.connect();
  assert.deepEqual(later.closed, { by: "host", flush: true, reason: "wasm_fail_stream" });
  assert.equal(later.upstreamRequested, false);
  assert.equal(cbs(emu).filter((l) => l === "cb new_connection 3").length, 0, "no Wasm callback for the dummy context");
});

test("failure: FAIL_OPEN (legacy fail_open) leaves the filter out of later connections", async () => {
  const emu = await emulator("trap_on_data", { failOpen: true });
  emu.connect().downstreamData("boom");
  const later = emu.connect();
  later.downstreamData("fine");
  assert.equal(later.closed, undefined);
  assert.equal(later.upstreamText(), "fine");
});

test("failure: a trap in on_tick fails the VM and stops its ticks", async () => {
  const emu = await emulator("tick:10 trap_on_tick");
  emu.advanceTime(10);
  assert.ok(emu.logs("error").includes("Function: proxy_on_tick failed: Uncaught RuntimeError: unreachable"));
  emu.advanceTime(100);
  assert.equal(cbs(emu).filter((l) => l.startsWith("cb tick")).length, 1);
  assert.equal(emu.connect().closed?.reason, "wasm_fail_stream");
});

test("failure: FAIL_RELOAD creates a fresh VM for a connection after the backoff; closes before it", async () => {
  const emu = await emulator("trap_on_data", { failurePolicy: "FAIL_RELOAD" }, 1000);
  const vm1 = emu.workers[0].vmFor("f")!;
  emu.connect().downstreamData("boom");
  assert.equal(vm1.failed, true);
  assert.equal(emu.connect().closed?.reason, "wasm_fail_stream", "within the backoff it behaves as FAIL_CLOSED");
  emu.advanceTime(1000);
  const c = emu.connect();
  assert.equal(c.closed, undefined);
  const vm2 = emu.workers[0].vmFor("f")!;
  assert.notEqual(vm2, vm1);
  assert.equal(vm2.failed, false);
  // fresh VM: ids start again, the root was restarted (vm_start + configure)
  assert.deepEqual(cbs(emu).slice(-5), ["cb context_create 1 0 plugincfg=trap_on_data", "cb vm_start 1 0 vmcfg= plugincfg=<status 1>", "cb configure 1 12 cfg=trap_on_data", "cb context_create 2 1", "cb new_connection 2"]);
});

test("failure: a root whose on_configure returns false rejects the config at the canary, with Envoy's log lines", async () => {
  const lines: string[] = [];
  await assert.rejects(
    Emulator.create({ logSink: (e) => lines.push(`${e.level} ${e.line}`),
      filters: [{ name: "f", codePath: testModule("lifecycle"), pluginConfiguration: "reject" }] }),
    (e: unknown) => e instanceof ConfigRejected && e.message.startsWith("Unable to create Wasm plugin f") &&
      e.reason === "Failed to configure base Wasm plugin (proxy_on_configure returned false)");
  assert.deepEqual(lines.slice(-2), ["4 Wasm VM failed Failed to configure base Wasm plugin", "5 Plugin f failed to load"]);
});

test("failure: with a name section the error carries cpp-host's in-VM backtrace", async () => {
  const { readFileSync, writeFileSync, mkdtempSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  // Append a "name" custom section naming function i "fn_i" (the test modules are built without one).
  const leb = (n: number): number[] => { const out: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
  const str = (s: string): number[] => [...leb(s.length), ...new TextEncoder().encode(s)];
  const entries: number[] = [];
  const count = 500;
  for (let i = 0; i < count; i++) entries.push(...leb(i), ...str(`fn_${i}`));
  const sub = [1, ...leb(leb(count).length + entries.length), ...leb(count), ...entries];
  const payload = [...str("name"), ...sub];
  const bytes = new Uint8Array([...readFileSync(testModule("lifecycle")), 0, ...leb(payload.length), ...payload]);
  const path = join(mkdtempSync(join(tmpdir(), "rt-")), "named.wasm");
  writeFileSync(path, bytes);
  const emu = await Emulator.create({ filters: [{ name: "f", codePath: path, pluginConfiguration: "trap_on_new" }] });
  emu.connect();
  const err = emu.logs("error").find((l) => l.startsWith("Function: proxy_on_new_connection failed"));
  assert.match(err ?? "", /^Function: proxy_on_new_connection failed: Uncaught RuntimeError: unreachable\nProxy-Wasm plugin in-VM backtrace:\n  0:  0x[0-9a-f]+ - fn_\d+$/m);
});

test("failure: FAIL_RELOAD measures the interval from the last load, not from the failure (Envoy last_load)", async () => {
  const emu = await emulator("trap_on_data", { failurePolicy: "FAIL_RELOAD" }, 1000);
  emu.advanceTime(5000);
  const vm1 = emu.workers[0].vmFor("f")!;
  emu.connect().downstreamData("boom");
  assert.equal(vm1.failed, true);
  const c = emu.connect();
  assert.equal(c.closed, undefined, "loaded 5 s ago: the first connection after the trap reloads at once");
  c.downstreamData("boom again");
  assert.equal(emu.connect().closed?.reason, "wasm_fail_stream", "reloaded just now: closed until 1 s has passed");
});

test("logging: at wasm:trace every host->vm call and vm->host call is logged as cpp-host does", async () => {
  const emu = await Emulator.create({ logLevel: "trace", filters: [{ name: "f", rootId: "r", codePath: testModule("lifecycle"), pluginConfiguration: "" }] });
  const main = emu.logEntries().filter((e) => e.threadId === 0 && e.level === 0).map((e) => e.line);
  assert.ok(main.includes("[host->vm] proxy_on_context_create(1, 0)"), main.join("\n"));
  assert.ok(main.includes("[host<-vm] proxy_on_context_create return: void"));
  assert.ok(main.includes("[host->vm] proxy_on_vm_start(1, 0)"));
  assert.ok(main.includes("[host<-vm] proxy_on_vm_start return: 1"));
  assert.ok(main.some((l) => /^\[vm->host\] env\.proxy_log\(2, \d+, \d+\)$/.test(l)));
  assert.ok(main.includes("[vm<-host] env.proxy_log return: 0"));
});
