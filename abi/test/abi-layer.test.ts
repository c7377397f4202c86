// The ABI layer against the project's Envoy-like host (host/src/runtime Emulator: the real Vm, host
// functions, shared store and L4 filter manager): build/abi-test/probe(.debug).wasm runs the
// layer's public helpers from real callbacks and reports through log lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Emulator, type PluginInput } from "../../host/src/runtime/emulator.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WALL_START_MS = 1_750_000_000_000;

function probePath(build: string): string {
  const path = join(root, "build", "abi-test", build);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return path;
}

/** "probe <command>: <result>" lines, results only, in order, from every VM. */
function probe(emu: Emulator, command: string): string[] {
  const marker = `probe ${command}: `;
  return emu.logs().filter((l) => l.includes(marker)).map((l) => l.slice(l.indexOf(marker) + marker.length));
}

for (const build of ["probe.wasm", "probe.debug.wasm"]) {
  const codePath = probePath(build);
  const plugin = (config: string, extra: Partial<PluginInput> = {}): PluginInput =>
    ({ name: "probe", rootId: "abi_probe", vmId: "abi_vm", codePath, pluginConfiguration: config, ...extra });
  const start = (config: string, extra: Partial<PluginInput> = {}, workers = 1) =>
    Emulator.create({ filters: [plugin(config, extra)], workers, wallClockStartMs: WALL_START_MS });

  test(`config (${build}): plugin and VM configuration bytes reach onConfigure / getVmConfig`, async () => {
    const config = "config\nvm-config";
    const emu = await start(config, { vmConfiguration: "vm-bytes ü" });
    // canary (main) and worker 1 each start the root
    assert.deepEqual(probe(emu, "vm-start"), Array(2).fill(String(Buffer.byteLength("vm-bytes ü"))));
    assert.deepEqual(probe(emu, "config"), Array(2).fill(`${Buffer.byteLength(config)} 2`));
    assert.deepEqual(probe(emu, "vm-config"), Array(2).fill("vm-bytes ü"));
    emu.shutdown();
  });

  test(`config (${build}): onConfigure returning false rejects the plugin`, async () => {
    await assert.rejects(start("fail"), /probe/);
  });

  test(`properties (${build}): plugin_* in the root, \\0 paths in a connection, dotted paths are NotFound`, async () => {
    const emu = await start("property plugin_name\nproperty plugin_root_id\nproperty plugin_vm_id\nproperty no_such_thing");
    assert.deepEqual(probe(emu, "property plugin_name"), ['"probe"', '"probe"']);
    assert.deepEqual(probe(emu, "property plugin_root_id"), ['"abi_probe"', '"abi_probe"']);
    assert.deepEqual(probe(emu, "property plugin_vm_id"), ['"abi_vm"', '"abi_vm"']);
    assert.deepEqual(probe(emu, "property no_such_thing"), ["null NotFound", "null NotFound"]);
    const conn = emu.connect({ source: { address: "10.1.2.3", port: 4567 } });
    const line = emu.logs().find((l) => l.includes("probe conn") && l.includes(" new "));
    assert.ok(line, "connection logged");
    assert.match(line!, /new source=10\.1\.2\.3:4567 dotted=null connection\.id=\d+$/);
    assert.match(line!, new RegExp(`connection\\.id=${conn.connectionId}$`));
    emu.shutdown();
  });

  test(`shared data (${build}): get/set follow Envoy's cas rules and the CAS helper adds up across VMs`, async () => {
    const emu = await start([
      "shared-get fresh",
      "shared-set created-with-cas 1 12345", // absent key + nonzero cas succeeds
      "shared-set k2 5 0",
      "shared-set k2 6 4000000000",           // stale cas
      "shared-get k2",
      "cas-add counter 1 10",
    ].join("\n"), {}, 2);
    assert.deepEqual(probe(emu, "shared-get fresh"), ["absent NotFound", "absent NotFound", "absent NotFound"]);
    // the first VM creates the key despite a made-up cas; the next ones now hold a stale cas
    assert.deepEqual(probe(emu, "shared-set created-with-cas 1 12345"), ["Ok", "CasMismatch", "CasMismatch"]);
    assert.deepEqual(probe(emu, "shared-set k2 6 4000000000"), ["CasMismatch", "CasMismatch", "CasMismatch"]);
    assert.deepEqual(probe(emu, "shared-get k2"), ["5 cas>0=yes", "5 cas>0=yes", "5 cas>0=yes"]);
    // canary + 2 workers each add 1 ten times
    assert.deepEqual(probe(emu, "cas-add"), ["value=10 attempts=10 failures=0", "value=20 attempts=10 failures=0",
      "value=30 attempts=10 failures=0"]);
    const stored = emu.sharedData("abi_vm", "counter");
    assert.ok(stored);
    assert.equal(new DataView(stored.value.buffer, stored.value.byteOffset).getUint32(0, true), 30);
    emu.shutdown();
  });

  test(`queues (${build}): a service registers, a filter resolves and enqueues, the owner drains on queue_ready`, async () => {
    const emu = await Emulator.create({
      services: [{ name: "probe_service", rootId: "abi_probe", vmId: "svc_vm", codePath, pluginConfiguration: "queue-register reports" }],
      filters: [plugin("send svc_vm reports hello")],
      wallClockStartMs: WALL_START_MS,
    });
    const [token] = probe(emu, "queue-register reports");
    assert.match(token, /^[1-9]\d*$/);
    const sends = probe(emu, "send");
    assert.ok(sends.includes(`${token} Ok`), JSON.stringify(sends));
    const delivered = emu.logs().filter((l) => l.includes(`probe queue-ready ${token}:`));
    assert.ok(delivered.length >= 1, JSON.stringify(emu.logs()));
    assert.ok(delivered.every((l) => /: (hello(,hello)*)? then Empty$/.test(l)), JSON.stringify(delivered));
    const total = delivered.map((l) => (l.match(/hello/g) ?? []).length).reduce((a, b) => a + b, 0);
    assert.equal(total, sends.filter((s) => s.endsWith("Ok")).length, "every enqueued item is dequeued exactly once");
    assert.equal(emu.queueSize("svc_vm", "reports"), 0);
    emu.shutdown();
  });

  test(`queues (${build}): QueueSender answers NotFound before registration, then resolves lazily`, async () => {
    const emu = await start("send - late first\nqueue-register late\nsend - late second");
    const sends = probe(emu, "send");
    const [token] = probe(emu, "queue-register late");
    assert.match(token, /^[1-9]\d*$/);
    // the canary VM runs first: nobody has registered "late" yet
    assert.deepEqual(sends.slice(0, 2), ["0 NotFound", `${token} Ok`]);
    assert.ok(sends.slice(2).every((s) => s === `${token} Ok`), JSON.stringify(sends));
    emu.shutdown();
  });

  test(`metrics (${build}): one stat per name across VMs; counter, gauge, histogram`, async () => {
    const emu = await start("counter probe.c 3\ngauge probe.g 5 7\nhistogram probe.h 42\ncounter probe.c 0");
    assert.deepEqual(probe(emu, "counter probe.c 3"), ["Ok value=3", "Ok value=6"]);
    assert.deepEqual(probe(emu, "gauge probe.g 5 7"), ["5 7", "12 7"]);
    assert.deepEqual(probe(emu, "histogram probe.h 42"), ["Ok", "Ok"]);
    assert.deepEqual(probe(emu, "counter probe.c 0"), ["BadArgument value=3", "BadArgument value=6"]);
    assert.equal(emu.metric("probe.c"), 6n);
    assert.equal(emu.metric("wasmcustom.probe.g"), 7n);
    emu.shutdown();
  });

  test(`metrics (${build}): addLater makes no hostcall; flush hands over the sum once, and an empty flush adds nothing`, async () => {
    const emu = await start("batched probe.b 5");
    // two worker VMs each count 5: the first sees 0 before its flush, the second sees the first's 5
    assert.deepEqual(probe(emu, "batched probe.b 5"), ["0/0 5/5 5/5", "5/5 10/10 10/10"]);
    emu.shutdown();
  });

  test(`ticks (${build}): setTickPeriod ticks the worker's root each period until set to 0`, async () => {
    const emu = await start("tick 100");
    assert.deepEqual(probe(emu, "tick 100"), ["Ok", "Ok"]);
    emu.advanceTime(99);
    assert.deepEqual(probe(emu, "tick"), []);
    emu.advanceTime(1);
    assert.deepEqual(probe(emu, "tick"), ["1"]);
    emu.advanceTime(1000);
    assert.deepEqual(probe(emu, "tick"), ["1", "2", "3"], "the probe sets the period to 0 on its 3rd tick");
    emu.shutdown();
  });

  test(`time (${build}): nowNs is the host's wall clock`, async () => {
    const emu = await start(`time ${WALL_START_MS}`);
    assert.deepEqual(probe(emu, "time"), ["ok", "ok"]);
    emu.shutdown();
  });

  test(`L4 (${build}): buffer helpers read and rewrite downstream data; lifecycle ends in delete`, async () => {
    const emu = await start("conn-upper");
    const conn = emu.connect();
    conn.downstreamData("hello");
    conn.upstreamData("pong", true);
    conn.clientClose();
    assert.equal(conn.upstreamText(), "HELLO");
    assert.equal(conn.downstreamText(), "pong");
    const events = emu.logs().filter((l) => l.includes("probe conn ")).map((l) => l.replace(/^.*probe conn \d+ /, ""));
    assert.deepEqual(events.map((e) => e.split(" ")[0]), [
      "new", "downstream", "set-buffer", "upstream", "upstream-close", "downstream-close", "done", "log", "delete"]);
    assert.ok(events.includes("downstream len=5 eos=0 data=hello"));
    assert.ok(events.includes("set-buffer Ok"));
    emu.shutdown();
  });

  test(`memory (${build}): thousands of host-allocated reads through the real host leave nothing pinned`, async () => {
    const emu = await start("read-property-loop 5000 plugin_name\nall-hostcalls\nstats");
    for (const line of probe(emu, "read-property-loop")) {
      assert.match(line, /^bytes=25000 pending=0 untracked=0 pages=\d+/);
    }
    for (const line of probe(emu, "all-hostcalls")) assert.match(line, /^26 pending=0 untracked=0 /);
    // the VM is still healthy after every hostcall answered errors
    const conn = emu.connect();
    conn.downstreamData("x");
    assert.equal(conn.upstreamText(), "x");
    emu.shutdown();
  });

  test(`lifecycle (${build}): shutdown runs onDone then onDelete for the root`, async () => {
    const emu = await start("stats");
    assert.match(probe(emu, "stats").at(-1)!, /roots=1 streams=0/);
    emu.shutdown();
    assert.ok(probe(emu, "root-done").length >= 1);
    assert.ok(probe(emu, "root-delete").length >= 1);
  });
}

// The lean entry points of an L4 filter (abi/assembly/exports-l4.ts), through the same host.
for (const build of ["probe-l4.wasm", "probe-l4.debug.wasm"]) {
  const codePath = probePath(build);
  const start = (config: string) => Emulator.create({
    filters: [{ name: "probe", rootId: "abi_probe", vmId: "abi_vm", codePath, pluginConfiguration: config }],
    workers: 1, wallClockStartMs: WALL_START_MS,
  });

  test(`L4 lean exports (${build}): the upstream close arrives with the upstream FIN's data callback; no log callback`, async () => {
    const emu = await start("");
    const conn = emu.connect();
    conn.downstreamData("hello");
    conn.upstreamData("pong", false);
    conn.upstreamData("", true);
    conn.clientClose();
    const events = emu.logs().filter((l) => l.includes("probe conn ")).map((l) => l.replace(/^.*probe conn \d+ /, ""));
    assert.deepEqual(events.map((e) => e.split(" ")[0]), [
      "new", "downstream", "upstream", "upstream", "upstream-close", "downstream-close", "done", "delete"]);
    assert.ok(events.includes("upstream len=4 eos=0"), events.join("; "));
    assert.ok(events.includes("upstream len=0 eos=1"), events.join("; "));
    assert.ok(events.includes("upstream-close peer=0"), events.join("; "));
    emu.shutdown();
  });
}
