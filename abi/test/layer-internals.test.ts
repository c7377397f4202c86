// The ABI layer's own mechanics, driven through build/abi-test/probe(.debug).wasm with the small
// import object in mini-host.ts: memory handed to the host (pin/unpin, no leak), odd host answers,
// the CAS retry loop under interference, metric guards, dispatcher robustness, abort handling.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { MiniHost } from "./mini-host.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function load(name: string): Uint8Array {
  const path = join(root, "build", "abi-test", name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return new Uint8Array(readFileSync(path));
}

function stat(line: string, key: string): number {
  const m = new RegExp(`\\b${key}=(-?\\d+)`).exec(line);
  if (!m) throw new Error(`no ${key}= in "${line}"`);
  return Number(m[1]);
}

const KiB = 1024;
const PAGE = 64 * KiB;

for (const build of ["probe.wasm", "probe.debug.wasm"]) {
  const bytes = load(build);
  const host = () => new MiniHost(bytes);

  test(`memory (${build}): 2000 reads of a 64 KiB property leave nothing pinned and memory bounded`, () => {
    const h = host();
    h.properties.set("big\0value", new Uint8Array(64 * KiB).fill(7));
    assert.deepEqual(h.startRoot(1, "abi_probe", "read-property-loop 2000 big value"), [1, 1]);
    const [line] = h.probe("read-property-loop");
    assert.equal(stat(line, "bytes"), 2000 * 64 * KiB);
    assert.equal(stat(line, "pending"), 0);
    assert.equal(stat(line, "untracked"), 0);
    // A leak would keep all 125 MiB (2000 pages); the GC must keep it near the working set.
    assert.ok(stat(line, "pages") * PAGE < 16 * 1024 * KiB, `memory grew to ${stat(line, "pages")} pages: ${line}`);
  });

  test(`memory (${build}): host-written bytes survive GC cycles, and unreported host blocks are released`, () => {
    const h = host();
    const value = new Uint8Array(48 * KiB).map((_, j) => j & 0xff);
    h.properties.set("pattern", value);
    h.strayAllocations = 3; // the host mallocs blocks it never reports, before and after the real one
    assert.deepEqual(h.startRoot(1, "abi_probe", "read-pattern-loop 500 pattern"), [1, 1]);
    const [line] = h.probe("read-pattern-loop");
    assert.equal(stat(line, "bad"), 0, line);
    assert.equal(stat(line, "bytes"), 500 * 48 * KiB);
    assert.equal(stat(line, "pending"), 0);
    assert.equal(stat(line, "untracked"), 0);
    assert.ok(stat(line, "pages") * PAGE < 16 * 1024 * KiB, line);
  });

  test(`memory (${build}): a host that allocates and then fails leaks nothing and the caller gets null`, () => {
    const h = host();
    h.properties.set("big", new Uint8Array(64 * KiB));
    h.failAfterAllocating.set("big", 2); // BadArgument after writing the value
    assert.deepEqual(h.startRoot(1, "abi_probe", "property big\nread-property-loop 2000 big"), [1, 1]);
    assert.deepEqual(h.probe("property big"), ["null BadArgument"]);
    const [line] = h.probe("read-property-loop");
    assert.equal(stat(line, "bytes"), 0);
    assert.equal(stat(line, "pending"), 0);
    assert.ok(stat(line, "pages") * PAGE < 16 * 1024 * KiB, line);
  });

  test(`hostcalls (${build}): absent property is null/NotFound, present-but-empty is ""`, () => {
    const h = host();
    h.properties.set("plugin_name", new Uint8Array(0));
    h.properties.set("source\0address", new TextEncoder().encode("127.0.0.1:5000"));
    h.properties.set("source\0port", new Uint8Array([0x88, 0x13, 0, 0, 0, 0, 0, 0]));
    h.startRoot(1, "abi_probe", "property plugin_name\nproperty no_such\nproperty source address\nproperty-i64 source port\nproperty-i64 source address");
    assert.deepEqual(h.probe("property plugin_name"), ['""']);
    assert.deepEqual(h.probe("property no_such"), ["null NotFound"]);
    assert.deepEqual(h.probe("property source address"), ['"127.0.0.1:5000"']);
    assert.deepEqual(h.probe("property-i64 source port"), ["5000"]);
    assert.deepEqual(h.probe("property-i64 source address"), ["-1"], "a non-8-byte value gives the fallback");
  });

  test(`shared data (${build}): updateSharedData retries on CasMismatch and gives up after maxAttempts`, () => {
    const h = host();
    h.interferingWrites = 3;
    h.startRoot(1, "abi_probe", "shared-set k 1 0\ncas-add k 1 1");
    assert.deepEqual(h.probe("shared-set k 1 0"), ["Ok"]);
    // 1, then three interfering writers add 1000 each, then our +1 sticks on the 4th attempt.
    assert.deepEqual(h.probe("cas-add"), ["value=3002 attempts=4 failures=0"]);
    h.interferingWrites = 100;
    h.exports.proxy_on_configure(1, 0); // no config: nothing runs
    h.pluginConfig = new TextEncoder().encode("cas-add k 1 1");
    h.exports.proxy_on_configure(1, h.pluginConfig.length);
    assert.equal(h.probe("cas-add")[1], `value=${3002 + 8 * 1000} attempts=8 failures=1`);
  });

  test(`metrics (${build}): Counter.increment(<=0) is refused without a hostcall`, () => {
    const h = host();
    h.startRoot(1, "abi_probe", "counter c 0\ncounter c -5\ncounter c 5");
    assert.deepEqual(h.probe("counter c 0"), ["BadArgument value=0"]);
    assert.deepEqual(h.probe("counter c -5"), ["BadArgument value=0"]);
    assert.deepEqual(h.probe("counter c 5"), ["Ok value=0"]);
    assert.deepEqual(h.metricCalls.filter((c) => c.startsWith("increment")), ["increment 4 5"]);
  });

  test(`dispatcher (${build}): an unregistered root_id logs why and refuses to start`, () => {
    const h = host();
    assert.deepEqual(h.startRoot(1, "sentinel_typo", "stats"), [0, 0]);
    const errors = h.logs.filter((l) => l.level === 4).map((l) => l.message);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0], /^no root context registered for root_id "sentinel_typo" \(this module registers: "abi_probe"\)/);
    assert.deepEqual(h.probe("stats"), [], "no command of the probe ran");
  });

  test(`dispatcher (${build}): callbacks for unknown context ids answer defaults and never trap`, () => {
    const h = host();
    h.startRoot(1, "abi_probe", "");
    const e = h.exports;
    assert.equal(e.proxy_on_new_connection(77), 0);
    assert.equal(e.proxy_on_downstream_data(77, 10, 0), 0);
    assert.equal(e.proxy_on_upstream_data(77, 10, 1), 0);
    e.proxy_on_downstream_connection_close(77, 1);
    e.proxy_on_upstream_connection_close(77, 0);
    assert.equal(e.proxy_on_done(77), 1);
    e.proxy_on_log(77);
    e.proxy_on_delete(77);
    e.proxy_on_tick(77);
    e.proxy_on_queue_ready(77, 1);
    assert.equal(e.proxy_on_vm_start(77, 0), 0);
    assert.equal(e.proxy_on_configure(77, 0), 0);
    e.proxy_on_context_create(78, 77); // stream under an unknown root
    assert.equal(e.proxy_on_request_headers(78, 3, 0), 0);
    assert.ok(h.logs.some((l) => l.level === 4 && l.message.includes("proxy_on_tick: no context with id 77")));
  });

  test(`dispatcher (${build}): a stream context lives from create to delete`, () => {
    const h = host();
    h.startRoot(1, "abi_probe", "");
    const e = h.exports;
    e.proxy_on_context_create(2, 1);
    assert.equal(e.proxy_on_new_connection(2), 0);
    e.proxy_on_downstream_connection_close(2, 2);
    assert.equal(e.proxy_on_done(2), 1);
    e.proxy_on_log(2);
    e.proxy_on_delete(2);
    assert.equal(e.proxy_on_new_connection(2), 0, "after delete the id is unknown, not a trap");
    const conn = h.logs.filter((l) => l.message.startsWith("probe conn 2 ")).map((l) => l.message.slice(13));
    assert.deepEqual(conn, ["new source=null dotted=null connection.id=-1", "downstream-close peer=2", "done", "log", "delete"]);
    h.pluginConfig = new TextEncoder().encode("stats");
    e.proxy_on_configure(1, h.pluginConfig.length);
    assert.match(h.probe("stats")[0], /roots=1 streams=0/);
  });

  test(`logging (${build}): lines below the host's level are not sent`, () => {
    const h = host();
    h.logLevel = 3; // warn
    h.startRoot(1, "abi_probe", "stats\nunknown-command");
    assert.deepEqual(h.probe("stats"), []);
    assert.deepEqual(h.logs.filter((l) => l.level < 3), []);
  });

  test(`abort (${build}): an AssemblyScript throw logs at critical, then traps`, () => {
    const h = host();
    assert.throws(() => h.startRoot(1, "abi_probe", "abort"), WebAssembly.RuntimeError);
    const critical = h.logs.filter((l) => l.level === 5);
    assert.equal(critical.length, 1);
    assert.match(critical[0].message, /^abort: probe abort requested/);
  });

  test(`config (${build}): getPluginConfig and getVmConfig return the exact bytes`, () => {
    const h = host();
    assert.deepEqual(h.startRoot(1, "abi_probe", "config\nvm-config\n", "vm-conf ü"), [1, 1]);
    assert.deepEqual(h.probe("config"), [`${"config\nvm-config\n".length} 2`]);
    assert.deepEqual(h.probe("vm-config"), ["vm-conf ü"]);
    assert.deepEqual(h.probe("vm-start"), [String(new TextEncoder().encode("vm-conf ü").length)]);
  });
}

test("dispatcher (probe-l4.wasm): the lean L4 entry points deliver the upstream close with end_stream data, once", () => {
  const h = new MiniHost(load("probe-l4.wasm"));
  const names = new Set(Object.keys(h.exports));
  assert.ok(!names.has("proxy_on_upstream_connection_close") && !names.has("proxy_on_log"), [...names].join(" "));
  h.startRoot(1, "abi_probe", "");
  const e = h.exports;
  e.proxy_on_context_create(2, 1);
  assert.equal(e.proxy_on_new_connection(2), 0);
  assert.equal(e.proxy_on_upstream_data(2, 4, 0), 0);
  assert.equal(e.proxy_on_upstream_data(2, 0, 1), 0);
  e.proxy_on_downstream_connection_close(2, 1);
  assert.equal(e.proxy_on_done(2), 1);
  e.proxy_on_delete(2);
  assert.equal(e.proxy_on_upstream_data(2, 0, 1), 0, "an unknown id answers Continue, no trap");
  const conn = h.logs.filter((l) => l.message.startsWith("probe conn 2 ")).map((l) => l.message.slice(13));
  assert.deepEqual(conn.slice(1), ["upstream len=4 eos=0", "upstream len=0 eos=1", "upstream-close peer=0", "downstream-close peer=1", "done", "delete"]);
});
