// The L4 filter chain as Envoy runs it (docs §4.1-§4.4, §12.5), driven through the Emulator.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator, type PluginInput } from "../src/runtime/emulator.ts";
import { facts, kv, testModule } from "./helpers.ts";

async function emulator(config: string, opts: { workers?: number; autoConnectUpstream?: boolean; more?: PluginInput[] } = {}) {
  return Emulator.create({
    workers: opts.workers ?? 1, autoConnectUpstream: opts.autoConnectUpstream,
    filters: [{ name: "f", rootId: "r", vmId: "v", codePath: testModule("lifecycle"), pluginConfiguration: config }, ...(opts.more ?? [])],
  });
}

/** Callback lines of one worker, without the log prefix. */
function callbacks(emu: Emulator, worker = 1, marker = "cb "): string[] {
  return facts(emu.logEntries().filter((e) => e.threadId === worker).map((e) => e.line), marker);
}

test("L4: callback order for a full stream; ids per VM (root 1, stream 2); upstream connects on accept", async () => {
  const emu = await emulator("");
  const c = emu.connect();
  assert.equal(c.upstreamState, "connected");
  c.downstreamData("hello");
  c.upstreamData("world", true);
  c.clientClose();
  assert.deepEqual(callbacks(emu), [
    // the plugin configuration is readable in the root's context_create and configure, not in vm_start
    "cb context_create 1 0 plugincfg=", "cb vm_start 1 0 vmcfg= plugincfg=<status 1>", "cb configure 1 0 cfg=",
    "cb context_create 2 1", "cb new_connection 2",
    "cb downstream_data 2 5 0 data=hello",
    "cb upstream_data 2 5 1 data=world", "cb upstream_close 2 0",
    "cb downstream_close 2 2", "cb done 2", "cb log 2", "cb delete 2",
  ]);
  assert.equal(c.upstreamText(), "hello");
  assert.equal(c.downstreamText(), "world");
  assert.equal(c.downstreamEndStream, true);
  assert.equal(c.upstreamClosedByHost, true, "tcp_proxy closes the upstream after the downstream went away");
});

test("L4: a finished connection's filter and stream context serve the next one: a fresh id, nothing of the old connection", async () => {
  const emu = await emulator("stop_until:10");
  const vm = emu.runtime(1)!.vmFor("f")!;
  const first = emu.connect();
  first.downstreamData("hello"); // held: the filter stops below 10 bytes
  const ctx = vm.contextById(2);
  assert.ok(ctx);
  first.clientClose();
  assert.equal(vm.contextById(2), undefined, "the old id is gone for good");
  const second = emu.connect();
  assert.equal(vm.contextById(3), ctx, "the same context object, under the next id");
  second.downstreamData("world");
  assert.deepEqual(callbacks(emu).filter((l) => / 3( |$)/.test(l)), [
    "cb context_create 3 1", "cb new_connection 3", "cb downstream_data 3 5 0 data=world",
  ], "the held bytes of connection 2 are not shown to connection 3");
  second.downstreamData("12345");
  assert.equal(second.upstreamText(), "world12345");
  second.clientClose();
  assert.equal(vm.contextCount, 2, "the VM context and the root: no stream context left behind");
});

test("L4: downstream data accumulates while the filter stops; the same bytes are shown again", async () => {
  const emu = await emulator("stop_until:10");
  const c = emu.connect();
  c.downstreamData("hello");
  assert.equal(c.upstreamText(), "");
  c.downstreamData("world!");
  assert.deepEqual(callbacks(emu).filter((l) => l.startsWith("cb downstream_data")), [
    "cb downstream_data 2 5 0 data=hello", "cb downstream_data 2 11 0 data=helloworld!",
  ]);
  assert.equal(c.upstreamText(), "helloworld!");
});

test("L4: Stop from on_new_connection keeps tcp_proxy uninitialised until a later Continue", async () => {
  const emu = await emulator("stop_on_new");
  const c = emu.connect();
  assert.equal(c.upstreamRequested, false);
  c.downstreamData("abc"); // the data callback continues: tcp_proxy is initialised now, and connects
  assert.equal(c.upstreamRequested, true);
  assert.equal(c.upstreamText(), "abc");
  // tcp_proxy disabled reading until connected; the re-read shows the same bytes to the filter again
  assert.deepEqual(callbacks(emu).filter((l) => l.startsWith("cb downstream_data")), [
    "cb downstream_data 2 3 0 data=abc", "cb downstream_data 2 3 0 data=abc",
  ]);
});

test("L4: a connection held by Stop on new_connection is resumed from on_tick via set_effective_context", async () => {
  const emu = await emulator("stop_on_new tick:100 continue_on_tick", { autoConnectUpstream: true });
  const c = emu.connect();
  assert.equal(c.upstreamRequested, false);
  emu.advanceTime(99);
  assert.equal(c.upstreamRequested, false);
  emu.advanceTime(1);
  assert.deepEqual(facts(emu.logEntries().filter((e) => e.threadId === 1).map((e) => e.line), "tick continued"), ["tick continued 2 0 0"]);
  assert.equal(c.upstreamRequested, true);
  assert.equal(c.upstreamState, "connected");
  c.downstreamData("after");
  assert.equal(c.upstreamText(), "after");
});

test("L4: close_stream(Downstream) is deferred until the callback returns, then closes with FlushWrite", async () => {
  const emu = await emulator("close_on_data");
  const c = emu.connect();
  c.downstreamData("bye");
  assert.ok(callbacks(emu, 1, "close_stream(2)=").includes("close_stream(2)=0 after=bye"), "the buffer is still there inside the call");
  assert.deepEqual(c.closed, { by: "host", flush: true, reason: "wasm_downstream_close" });
  assert.equal(c.upstreamText(), "", "the chain stops once the connection is closing");
  assert.deepEqual(callbacks(emu).slice(-4), ["cb downstream_close 2 1", "cb done 2", "cb log 2", "cb delete 2"]);
});

test("L4: close_stream(Upstream) closes the same downstream connection", async () => {
  const emu = await emulator("close_up_on_data");
  const c = emu.connect();
  c.downstreamData("x");
  assert.ok(callbacks(emu, 1, "close_stream(3)=").includes("close_stream(3)=0"));
  assert.deepEqual(c.closed, { by: "host", flush: true, reason: "wasm_upstream_close" });
});

test("L4: continue_stream(Upstream) is Unimplemented; stream types above 3 are BadArgument", async () => {
  const emu = await emulator("continue_in_data");
  const c = emu.connect();
  c.downstreamData("x");
  assert.deepEqual(callbacks(emu, 1, "continue_stream"), ["continue_stream(2)=0 continue_stream(3)=12 continue_stream(4)=2 close_stream(9)=2"]);
  assert.equal(c.upstreamText(), "x");
});

test("L4: set_buffer_bytes rules (prepend, append, middle BadArgument) and get_buffer_bytes clipping", async () => {
  const emu = await emulator("buffer_rules");
  const c = emu.connect();
  c.downstreamData("hello");
  assert.deepEqual(kv(callbacks(emu, 1, "rules ")[0]), {
    prepend: "0", append: "0", middle: "2", badtype: "2", noUpstream: "2", oob: "6", past: "0:0/0",
    overflow: "0", // cpp-host adds start+length in 64 bits: no overflow for 32-bit arguments
    now: "XhelloX",
  });
  assert.equal(c.upstreamText(), "XhelloX", "tcp_proxy forwards the edited buffer");
});

test("L4: set_buffer_bytes(0, len) replaces the whole buffer", async () => {
  const emu = await emulator("replace:HELLO");
  const c = emu.connect();
  c.downstreamData("hello world");
  assert.equal(c.upstreamText(), "HELLO");
});

test("L4: properties for network filters (\\0 paths, encodings, NotFound), set_property round trip", async () => {
  const emu = await emulator("props", { autoConnectUpstream: false });
  const c = emu.connect();
  const p = kv(callbacks(emu, 1, "prop source")[0]);
  assert.deepEqual(p, {
    "source.address": "10.0.0.1:40001", "source.port": "40001/8", "destination.address": "127.0.0.1:10000",
    "destination.port": "10000/8", "connection.id": "1/8", connection_id: "1/8", plugin_name: "f", plugin_root_id: "r",
    plugin_vm_id: "v", dotted: "st1", unknown: "st1", upstream: "st1",
    group: "st3", nokey: "st1", mtls: "0/1", // a whole attribute group is SerializationFailure; mtls is a bool
  });
  assert.deepEqual(callbacks(emu, 1, "prop set"), ["prop set=0 get=my_value"]);
  c.upstreamConnect();
  c.downstreamData("x");
  assert.deepEqual(callbacks(emu, 1, "prop upstream"), ["prop upstream=127.0.0.1:9000"]);
});

test("L4: Stop on upstream data holds it; later upstream bytes show the accumulated buffer", async () => {
  const emu = await emulator("stop_upstream");
  const c = emu.connect();
  c.upstreamData("ab");
  c.upstreamData("cd");
  assert.equal(c.downstreamText(), "");
  assert.deepEqual(callbacks(emu).filter((l) => l.startsWith("cb upstream_data")), [
    "cb upstream_data 2 2 0 data=ab", "cb upstream_data 2 4 0 data=abcd",
  ]);
});

test("L4: upstream connect failure closes the downstream (tcp_proxy)", async () => {
  const emu = await emulator("", { autoConnectUpstream: false });
  const c = emu.connect();
  assert.equal(c.upstreamState, "connecting");
  c.upstreamRefuse("connection refused");
  assert.equal(c.closed?.by, "host");
  assert.equal(c.closed?.flush, false);
  assert.deepEqual(callbacks(emu).slice(-4), ["cb downstream_close 2 1", "cb done 2", "cb log 2", "cb delete 2"]);
});

test("L4: half-close both ways: end_stream is forwarded each way; upstream EOS -> data(eos=1) then upstream_close(0)", async () => {
  const emu = await emulator("");
  const c = emu.connect();
  c.downstreamData("req", true);
  assert.equal(c.upstreamEndStream, true);
  assert.equal(c.upstreamText(), "req");
  assert.ok(callbacks(emu).includes("cb downstream_data 2 3 1 data=req"));
  c.upstreamData("resp", true);
  assert.equal(c.downstreamEndStream, true);
  assert.deepEqual(callbacks(emu).slice(-2), ["cb upstream_data 2 4 1 data=resp", "cb upstream_close 2 0"]);
  assert.equal(c.closed, undefined, "half-closed both ways; the transport reports the full close");
  c.clientClose();
  assert.deepEqual(callbacks(emu).slice(-4), ["cb downstream_close 2 2", "cb done 2", "cb log 2", "cb delete 2"]);
});

test("L4: the upstream closing closes the downstream with FlushWrite (LocalClose = 1)", async () => {
  const emu = await emulator("");
  const c = emu.connect();
  c.upstreamClose();
  assert.deepEqual(c.closed, { by: "host", flush: true, reason: "upstream_closed" });
  assert.ok(callbacks(emu).includes("cb downstream_close 2 1"));
  assert.ok(!callbacks(emu).includes("cb upstream_close 2 0"), "only the write path's end_stream produces upstream_close");
});

test("L4: a Stop in the first filter keeps later filters uninitialised; write filters run in reverse order", async () => {
  const emu = await emulator("stop_on_new", {
    more: [{ name: "g", rootId: "r2", vmId: "v2", codePath: testModule("lifecycle"), pluginConfiguration: "" }],
  });
  const c = emu.connect();
  const stream = (prefix: string) => emu.logEntries().filter((e) => e.threadId === 1 && e.line.startsWith(prefix)).map((e) => e.line.replace(/^wasm log[^:]*: /, ""));
  assert.deepEqual(stream("wasm log g r2 v2: "), [], "g is not initialised while f stops");
  assert.equal(c.upstreamRequested, false);
  c.downstreamData("abcd");
  assert.deepEqual(stream("wasm log g r2 v2: ").slice(0, 3), ["cb context_create 2 1", "cb new_connection 2", "cb downstream_data 2 4 0 data=abcd"]);
  c.upstreamData("z");
  const order = emu.logEntries().filter((e) => e.threadId === 1 && e.line.includes("cb upstream_data")).map((e) => e.line.split(":")[0]);
  assert.deepEqual(order, ["wasm log g r2 v2", "wasm log f r v"]);
});

test("root teardown: on_done 0 waits for proxy_done(), then on_delete is posted; proxy_done is NotFound otherwise", async () => {
  const emu = await emulator("defer_done");
  const token = emu.store.resolveQueue("v", "done_q");
  const owner = emu.store.queueOwner(token)!;
  assert.equal(owner.threadId, 1);
  // before shutdown nothing is pending: proxy_done answers NotFound
  emu.runtime(1)!.deliverQueueReady(owner.vmInstanceId, owner.rootContextId, token);
  assert.deepEqual(callbacks(emu).slice(-1), ["cb queue_ready 1 proxy_done=1"]);
  emu.shutdown();
  assert.deepEqual(callbacks(emu).slice(-1), ["cb done 1"], "on_done returned 0: no on_delete yet");
  emu.runtime(1)!.deliverQueueReady(owner.vmInstanceId, owner.rootContextId, token);
  emu.runPending();
  assert.deepEqual(callbacks(emu).slice(-2), ["cb queue_ready 1 proxy_done=0", "cb delete 1"]);
});

test("L4: bytes that arrive while tcp_proxy waits for the upstream are held, then run through the chain once", async () => {
  const emu = await emulator("", { autoConnectUpstream: false });
  const c = emu.connect();
  assert.equal(c.readDisabled, true, "tcp_proxy disables reading until the upstream is connected");
  c.downstreamData("early");
  assert.deepEqual(callbacks(emu).filter((l) => l.startsWith("cb downstream_data")), []);
  c.upstreamConnect();
  assert.equal(c.readDisabled, false);
  assert.deepEqual(callbacks(emu).filter((l) => l.startsWith("cb downstream_data")), ["cb downstream_data 2 5 0 data=early"]);
  assert.equal(c.upstreamText(), "early");
});

test("L4: set_tick_period from a stream context arms its root's timer", async () => {
  const emu = await emulator("tick_from_stream:50");
  emu.connect();
  assert.ok(callbacks(emu, 1, "stream set_tick_period=").includes("stream set_tick_period=0"));
  emu.advanceTime(50);
  assert.deepEqual(callbacks(emu).filter((l) => l.startsWith("cb tick")), ["cb tick 1"]);
});
