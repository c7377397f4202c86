// Every host function's statuses and memory effects, as Envoy answers them (docs §4-§9). The
// hostcalls module runs the calls in on_configure and logs the raw results; the canary on main
// (thread 0) runs first on an empty store, so its answers are the reference ones.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator } from "../src/runtime/emulator.ts";
import { facts, kv, testModule } from "./helpers.ts";

async function run(groups: string, extra: { logLevel?: "trace" | "info"; env?: Record<string, string> } = {}) {
  const emu = await Emulator.create({
    workers: 1, logLevel: extra.logLevel,
    filters: [{ name: "hc", rootId: "root", vmId: "vm1", codePath: testModule("hostcalls"), pluginConfiguration: groups,
      vmConfiguration: "VMCFG", environmentVariables: extra.env ?? {} }],
  });
  const main = emu.logEntries().filter((e) => e.threadId === 0);
  return { emu, main, lines: main.map((e) => e.line) };
}

test("shared data: NotFound, cas 0, CasMismatch, matching cas, absent key with nonzero cas, bad pointers", async () => {
  const { lines, emu } = await run("shared");
  const f = kv(facts(lines, "shared ")[0]);
  assert.deepEqual(f, {
    missing: "st1", set0: "0", got: "v1@1", mismatch: "8", match: "0", after: "v3@2", absentWithCas: "0", absent: "x@3",
    oob: "6", oobOut: "6",
  });
  // the worker ran the same calls afterwards against the same process-wide store
  const worker = kv(facts(emu.logEntries().filter((e) => e.threadId === 1).map((e) => e.line), "shared ")[0]);
  assert.equal(worker.missing, "v3@2");
  assert.equal(worker.absentWithCas, "8", "the key exists now, so a stale nonzero cas mismatches");
  assert.equal(new TextDecoder().decode(emu.sharedData("vm1", "k")!.value), "v3");
});

test("queues: NotFound before register, one token per name, FIFO, Empty, unknown token", async () => {
  const { lines } = await run("queues");
  assert.deepEqual(kv(facts(lines, "queue ")[0]), {
    before: "1", reg: "0", same: "yes", reg2: "0", res: "0", resolvedSame: "yes", resOther: "1", enq: "0", enqBad: "1",
    deq: "0:item1", deqEmpty: "7", deqBad: "1",
  });
});

test("metrics: ids 4/5/6 step 4, counter rules, gauge set/add, histogram BadArgument, unknown ids by kind bits", async () => {
  const { lines, emu } = await run("metrics");
  assert.deepEqual(kv(facts(lines, "metrics ")[0]), {
    ids: "4,5,6,8", bad: "st2", inc0: "2", incNeg: "2", inc5: "0", rec3: "0", counter: "8", viaSecondId: "8",
    gset: "0", ginc: "0", gauge: "6", hrec: "0", hinc: "2", hget: "st2",
    // unknown ids answer by their low two bits, as Envoy: 999 is "type 3", 1000 a counter id
    unknown: "st2", unknownInc: "2", unknownRec: "1", unknownCounter: "st1", unknownCounterInc: "1",
  });
  // canary + worker VM add to one stat per name
  assert.equal(emu.metric("wasmcustom.hc_counter"), 16n);
  assert.equal(emu.metric("hc_gauge"), 6n);
});

test("log, time, HTTP/gRPC in a network context, foreign functions, done, effective context, root stream calls", async () => {
  const { lines } = await run("misc");
  assert.deepEqual(kv(facts(lines, "misc ")[0]), {
    logBad: "2", logOob: "6", getLevel: "0:2", time: "0:1700000000000000000", timeOob: "6", hdr: "2", hdrType: "2",
    hdrPairs: "0:0/0", http: "2", httpNoHeaders: "2", httpKnown: "12", httpNegTimeout: "2", grpcKnown: "12", grpcUnknown: "4",
    grpcEmpty: "2", grpcCancel: "1", foreign: "1", compress: "0", uncompress: "0:aaaaaaaaaaaaaaaaaaaa",
    localResponse: "0", done: "1", effective: "2", downstreamBuf: "0:0", downstreamSet: "2", httpCallBody: "1", vmcfg: "0:5",
    rootContinue: "0", rootContinueUp: "12", rootClose: "0", rootSetProp: "1",
    // pthread_equal(3,3)/(3,4), then envoy_resolve_dns: Unimplemented here (no DNS), memory checked first
    envoyExtras: "1/0/12/6",
  });
});

test("time: the clock answers with the emulator's wall time and is traced like every host call", async () => {
  const { lines } = await run("misc", { logLevel: "trace" });
  assert.equal(kv(facts(lines, "misc ")[0]).time, "0:1700000000000000000");
  const call = lines.findIndex((l) => /^\[vm->host\] env\.proxy_get_current_time_nanoseconds\(\d+\)$/.test(l));
  assert.ok(call >= 0, lines.join("\n"));
  assert.equal(lines[call + 1], "[vm<-host] env.proxy_get_current_time_nanoseconds return: 0");
});

test("wasi: fd 1 -> info, fd 2 -> error, other fds BADF, clocks, environ, proc_exit returns", async () => {
  const { main } = await run("wasi", { env: { A: "1" }, logLevel: "trace" });
  assert.ok(main.some((e) => e.level === 2 && e.line === "wasm log root vm1: to stdout"));
  assert.ok(main.some((e) => e.level === 4 && e.line === "wasm log root vm1: to stderr"));
  assert.ok(main.some((e) => e.level === 0 && e.line === "wasi_unstable proc_exit"));
  const f = kv(facts(main.map((e) => e.line), "wasi ")[0]);
  assert.deepEqual(f, {
    out: "0:10", err: "0", bad: "8", clock0: "0:1700000000000000000", clock1: "0:0", clock9: "58", environ: "0:1:0:A=1",
    after_proc_exit: "yes",
  });
});

test("logging: prefix, level filter (info by default) and proxy_get_log_level", async () => {
  const { main } = await run("levels");
  const got = main.filter((e) => e.line.startsWith("wasm log root vm1: at ")).map((e) => `${e.level} ${e.line}`);
  assert.deepEqual(got, ["3 wasm log root vm1: at warn", "5 wasm log root vm1: at critical"]);
  const traced = await run("levels", { logLevel: "trace" });
  assert.equal(traced.main.filter((e) => e.line.startsWith("wasm log root vm1: at ")).length, 4);
});

test("wasi stubs: random_get (and its 64 KiB limit), args, fdstat, file functions, poll/yield, clock_res_get", async () => {
  const { lines } = await run("wasistubs");
  assert.deepEqual(kv(facts(lines, "wasistubs ")[0]), {
    random: "0:filled", randomBig: "28", args: "0:0", fdstat1: "0:64", fdstat5: "8", path_open: "44", fd_read: "52",
    sched_yield: "0", poll_oneoff: "0", prestat: "8", res0: "0:1", res7: "58",
  });
});

test("root context: get_status, plugin properties, connection properties NotFound, set_effective_context to itself", async () => {
  const { lines } = await run("rootprops");
  assert.deepEqual(kv(facts(lines, "rootprops ")[0]), {
    status: "0:0:0", plugin_name: "hc", plugin_root_id: "root", plugin_vm_id: "vm1", "source.address": "st1",
    connection_id: "st1", nope: "st1", "setEffective(1)": "0",
  });
});
