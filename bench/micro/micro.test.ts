// The micro benchmarks in tiny runs: output shape, and the counts that prove they measured real
// work (the connections each module counted equal the connections driven).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { FILTER_BUILD_FLAGS } from "./lib/build-empty.ts";
import { BenchTarget, filterSawFromMetrics, virtualClock } from "./lib/driver.ts";
import { REPO_ROOT } from "./lib/paths.ts";
import { loadBenchConfig } from "./lib/variants.ts";

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), "micro-test-"));
const cli = (name: string, args: string[]) =>
  run(process.execPath, [path.join(REPO_ROOT, "bench/micro", name), ...args], { cwd: REPO_ROOT, timeout: 90_000 });

test("callbacks: three variants, every module counted every connection, host cost measured", async () => {
  const out = path.join(dir, "callbacks.json");
  const { stdout } = await cli("callbacks.ts", ["--connections", "2000", "--rounds", "2", "--warmup-rounds", "1",
    "--host-phases", "1", "--host-phase-ms", "600", "--host-warmup-ms", "0", "--out", out]);
  // A tiny run on a busy machine can measure the filter below the empty module: the share is then
  // negative and the goal not judged, and the line still carries the number.
  assert.match(stdout, /filter share of host cost: -?[\d.]+ % \(goal < 2 %: (met|NOT met|not judged: [^)]+)\)/);
  const r = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(r.benchmark, "callbacks");
  assert.ok(r.machine.cpuModel && r.machine.cores >= 1 && r.machine.node.startsWith("v"));
  assert.deepEqual(r.variants.map((v: any) => v.key), ["no-wasm", "empty-filter", "filter"]);
  const driven = 2000 * (2 + 1); // rounds + warm-up
  for (const v of r.variants) {
    assert.equal(v.callbacksNsPerConnRounds.length, 2);
    assert.ok(v.callbacksNsPerConn > 0, `${v.key} measured no time`);
    assert.equal(v.tally.connections, driven);
    assert.equal(v.tally.completed, driven, `${v.key}: every connection ran the whole sequence`);
    assert.equal(v.tally.broken, 0);
  }
  assert.equal(r.variants[0].filterSaw, null);
  assert.equal(r.variants[1].filterSaw.value, driven, "the empty module's own counter");
  assert.equal(r.variants[2].filterSaw.value, driven, `the filter's counter ${r.variants[2].filterSaw.source}`);
  assert.ok(r.checks.length >= 7 && r.checks.every((c: any) => c.ok));
  // The filter makes the host call into it for every L4 event of a connection.
  assert.equal(r.callProfile.hostToVmPerConn.proxy_on_new_connection, 1);
  assert.equal(r.callProfile.hostToVmPerConn.proxy_on_delete, 1);
  assert.equal(r.callProfile.hostToVmPerConn.proxy_on_downstream_data, 2, "the 64 B and the client's FIN");
  assert.equal(r.callProfile.hostToVmPerConn.proxy_on_upstream_data, 2, "the echo and the upstream's FIN");
  assert.equal(r.callProfile.hostToVmPerConn.proxy_on_upstream_connection_close, undefined, "not exported: the FIN's data callback delivers it");
  assert.equal(r.hostCost.source, "measured");
  assert.ok(r.hostCost.usPerConn > 0 && r.hostCost.connPerSec > 0 && r.hostCost.coresUsed > 0);
  assert.equal(r.summary.hostNsPerConn, Math.round(r.hostCost.usPerConn * 1000));
  assert.equal(typeof r.summary.filterShareOfHost, "number");
  assert.equal(r.summary.goal, 0.02);
  assert.match(r.filterBuild.sha256, /^[0-9a-f]{16}$/);
  assert.match(r.filterBuild.sourceCommit, /^[0-9a-f]{7,}$/);
});

test("memory: samples every VM's memory, the filter counted every connection", async () => {
  const out = path.join(dir, "memory.json");
  await cli("memory.ts", ["--connections", "2000", "--sample-every", "500", "--out", out]);
  const r = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(r.benchmark, "memory");
  assert.deepEqual(r.samples.map((x: any) => x.connections), [0, 500, 1000, 1500, 2000]);
  for (const x of r.samples) {
    assert.equal(x.vms.length, 3, "two filter VMs (2 workers) and the service VM");
    for (const v of x.vms) {
      assert.ok(v.memoryBytes >= 65536 && v.memoryBytes % 65536 === 0, `${v.vm}: ${v.memoryBytes} is a whole number of pages`);
      assert.equal(v.failed, false);
    }
    assert.equal(x.filterCounted, x.connections);
  }
  assert.ok(r.samples.some((x: any) => x.open > 0), "connections were held open between samples");
  assert.ok(r.checks.some((c: any) => /live contexts once every connection closed/.test(c.what)));
  assert.equal(r.tally.connections, 2000);
  assert.equal(r.tally.upstreamFailed, Math.floor((r.tally.completed + r.tally.upstreamFailed) / 50), "every 50th upstream connect refused by default");
  assert.equal(r.tally.completed + r.tally.closedByHost + r.tally.upstreamFailed, 2000);
  assert.ok(r.checks.every((c: any) => c.ok), JSON.stringify(r.checks));
  assert.equal(typeof r.summary.noGrowthAfterWarmup, "boolean");
  assert.equal(r.summary.vms.length, 3);
});

test("a filter that blocks is seen: connections closed by the host are counted, not passed off as completed", async () => {
  const cfg = loadBenchConfig();
  const blockAll = JSON.stringify({ resource: "tcp:echo", flowRules: [{ resource: "tcp:echo", threshold: 0, statIntervalInMs: 1000 }] });
  const listeners = cfg.listeners.map((l) => ({
    ...l, filters: l.filters.map((f) => (f.kind === "wasm" ? { ...f, plugin: { ...f.plugin, pluginConfiguration: new TextEncoder().encode(blockAll) } } : f)),
  }));
  const t = await BenchTarget.create({ config: { ...cfg, listeners } });
  t.run(50, new Uint8Array(8), virtualClock(100));
  t.settle(100);
  assert.deepEqual(t.tally, { connections: 50, completed: 0, closedByHost: 50, upstreamFailed: 0, broken: 0 });
  assert.equal(filterSawFromMetrics(t.wasmMetrics())?.value, 50);
  t.shutdown();
});

test("memory --breaker: the added breaker rule opens on the refused upstreams and the run stays consistent", async () => {
  const out = path.join(dir, "memory-breaker.json");
  await cli("memory.ts", ["--connections", "6000", "--sample-every", "2000", "--fail-every", "10", "--breaker", "--out", out]);
  const r = JSON.parse(readFileSync(out, "utf8"));
  const opened = Object.entries(r.wasmMetrics).find(([k]) => k.startsWith("wasmcustom.sentinel.circuit_breaker.opened"));
  assert.ok(opened && Number(opened[1]) > 0, `breaker never opened: ${JSON.stringify(r.wasmMetrics)}`);
  assert.ok(r.checks.every((c: any) => c.ok), JSON.stringify(r.checks));
});

test("filterSawFromMetrics: the connection counter, else pass + block; nothing when the filter counts nothing", () => {
  assert.deepEqual(filterSawFromMetrics({ "wasmcustom.sentinel.filter.cx_total": "7" }), { metric: "wasmcustom.sentinel.filter.cx_total", value: 7 });
  assert.equal(filterSawFromMetrics({
    "wasmcustom.sentinel.entry.pass_resource=a;": "3", "wasmcustom.sentinel.block.flow_resource=a;": "2", "wasmcustom.sentinel.entry.complete_resource=a;": "3",
  })?.value, 5);
  assert.equal(filterSawFromMetrics({}), undefined);
});

test("cold: each variant's events timed at every eviction size, every connection through its whole sequence", async () => {
  const out = path.join(dir, "cold.json");
  const { stdout } = await cli("cold.ts", ["--connections", "300", "--rounds", "2", "--evict-kb", "0,64", "--out", out]);
  assert.match(stdout, /^0 KiB evicted before each event/m);
  assert.match(stdout, /^64 KiB evicted before each event/m);
  assert.match(stdout, /checks: 3\/3 ok/);
  const r = JSON.parse(readFileSync(out, "utf8"));
  assert.equal(r.benchmark, "cold");
  assert.deepEqual(r.sizes.map((s: any) => s.evictKb), [0, 64]);
  for (const size of r.sizes) {
    assert.deepEqual(size.variants.map((v: any) => v.key), ["no-wasm", "empty-filter", "filter"]);
    for (const v of size.variants) {
      assert.equal(v.nsPerConnRounds.length, 2);
      assert.ok(v.nsPerConn > 0 && v.perEvent.onNewConnection > 0 && v.perEvent.onDownstreamClosed > 0, JSON.stringify(v));
    }
    assert.equal(size.variants[0].overNoWasm, 0);
  }
});

test("cold --alt-filter: another build of the modules runs as a fourth variant, interleaved with the others", async () => {
  const out = path.join(dir, "cold-alt.json");
  const { stdout } = await cli("cold.ts", ["--connections", "200", "--rounds", "2", "--evict-kb", "0",
    "--alt-filter", "build/filter.wasm", "--alt-service", "build/service.wasm", "--out", out]);
  assert.match(stdout, /checks: 4\/4 ok/);
  const r = JSON.parse(readFileSync(out, "utf8"));
  assert.deepEqual(r.sizes[0].variants.map((v: any) => v.key), ["no-wasm", "empty-filter", "filter", "filter-alt"]);
  assert.ok(r.sizes[0].variants[3].nsPerConn > 0);
});

test("virtualClock: whole connections per whole ms", () => {
  assert.deepEqual(virtualClock(500), { batch: 1, stepMs: 2 });
  assert.deepEqual(virtualClock(10_000), { batch: 10, stepMs: 1 });
  assert.throws(() => virtualClock(0), /must be > 0/);
});

test("the empty filter is built with the flags scripts/build.mjs gives build/filter.wasm", () => {
  const src = readFileSync(path.join(REPO_ROOT, "scripts/build.mjs"), "utf8");
  const list = (name: string) => {
    const m = new RegExp(`const ${name} = \\[([^\\]]*)\\]`).exec(src);
    assert.ok(m, `scripts/build.mjs has no ${name} list`);
    return [...m[1].matchAll(/"([^"]*)"/g)].map((x) => x[1]);
  };
  assert.deepEqual([...FILTER_BUILD_FLAGS], [...list("COMMON"), ...list("RELEASE")]);
});

test("bad usage exits 2 and names the option", async () => {
  await assert.rejects(cli("callbacks.ts", ["--rounds"]), (e: any) => e.code === 2 && /--rounds needs a value/.test(e.stderr));
  await assert.rejects(cli("memory.ts", ["--bogus"]), (e: any) => e.code === 2 && /unknown option --bogus/.test(e.stderr));
  await assert.rejects(cli("cold.ts", ["--evict-kb", "x"]), (e: any) => e.code === 2 && /--evict-kb: "x" is not a list/.test(e.stderr));
  await assert.rejects(cli("cold.ts", ["--alt-service", "build/service.wasm"]), (e: any) => e.code === 2 && /--alt-service needs --alt-filter/.test(e.stderr));
  await assert.rejects(cli("cold.ts", ["--alt-filter", "no/such.wasm"]), (e: any) => e.code === 2 && /no\/such\.wasm: no such file/.test(e.stderr));
});
