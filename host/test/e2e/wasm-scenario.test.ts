// End to end through envoy-configs/envoy.yaml: the Sentinel wasm filter on every worker plus the
// singleton wasm service on main, the host running as a child process with --concurrency 2.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, scenarioHostFixture } from "./host-process.ts";
import { adminStats, echoExchange, openConnection, pollUntil, randomPayload, readUntilSteady } from "./net-helpers.ts";

const BUILT = ["build/filter.wasm", "build/service.wasm"].every((f) => existsSync(join(REPO_ROOT, f)));

describe("envoy-configs/envoy.yaml (wasm filter + singleton service), --concurrency 2", { skip: !BUILT && "run `npm run build` first" }, () => {
  const f = scenarioHostFixture("envoy-configs/envoy.yaml", ["--concurrency", "2", "--component-log-level", "wasm:debug"]);

  test("4 MiB each way arrive intact through the wasm filter chain (sha256); 16 MiB to a slow reader", async () => {
    const payload = randomPayload(4 * 1024 * 1024);
    const r = await echoExchange(f.listenerPort, payload);
    assert.equal(r.receivedBytes, payload.length);
    assert.equal(r.receivedSha, r.sentSha);
    assert.equal(r.gotEnd, true);
    // a reader that holds back fills every buffer on the way, so flow control runs through the chain
    const before = await adminStats(f.adminPort);
    // (loopback socket buffers hold several MB, so it takes more than the 4 MiB above to fill them)
    const big = randomPayload(16 * 1024 * 1024);
    const slow = await echoExchange(f.listenerPort, big, { readDelayMs: 500, timeoutMs: 30_000 });
    assert.equal(slow.receivedSha, slow.sentSha);
    assert.equal(slow.gotEnd, true);
    const PAUSED = "cluster.echo_upstream.upstream_flow_control_paused_reading_total";
    // counters reach the store on the workers' next flush
    await pollUntil("the upstream paused while the client did not read", async () =>
      ((await adminStats(f.adminPort)).get(PAUSED) ?? 0) > (before.get(PAUSED) ?? 0) ? true : undefined);
  });

  test("the singleton service runs on main (thread 0) and the filter on the workers", async () => {
    const err = f.host.stderr();
    assert.match(err, /\]\[0\]\[info\]\[wasm\] .*wasm log sentinel_service sentinel: /, "service logs from main with its root prefix");
    await echoExchange(f.listenerPort, Buffer.from("x"));
    const filterThreads = new Set([...f.host.stderr().matchAll(/\]\[(\d+)\]\[debug\]\[wasm\] .*wasm log sentinel_filter sentinel_filter sentinel: /g)]
      .map((m) => m[1]));
    assert.ok(filterThreads.size > 0, "filter debug logs on connections");
    assert.ok(!filterThreads.has("0"), "no connection is handled on main");
  });

  test("the filter's wasmcustom counters are one stat summed over both workers", async () => {
    // Counts of the previous test's connections may still be on their way to the host (flushed on
    // the filters' tick): start from a snapshot that holds still for 100 ms.
    const before = await readUntilSteady(() => adminStats(f.adminPort), (s) => String(s.get("wasmcustom.sentinel.filter.cx_total")));
    const N = 20;
    await Promise.all(Array.from({ length: N }, (_, i) => echoExchange(f.listenerPort, Buffer.from(`c${i}`))));
    const p = `listener.127.0.0.1_${f.listenerPort}`;
    // The filter hands its counts to the host on its tick (20 ms), not per connection.
    const after = await pollUntil("connections to finish and the filters' next tick", async () => {
      const s = await adminStats(f.adminPort);
      const counted = (s.get("wasmcustom.sentinel.filter.cx_total") ?? 0) - (before.get("wasmcustom.sentinel.filter.cx_total") ?? 0);
      return s.get(`${p}.downstream_cx_active`) === 0 && counted >= N && s.get("wasmcustom.sentinel.filter.cx_active") === 0 ? s : undefined;
    });
    const delta = (n: string) => (after.get(n) ?? 0) - (before.get(n) ?? 0);
    assert.equal(delta("wasmcustom.sentinel.filter.cx_total"), N);
    assert.equal(after.get("wasmcustom.sentinel.filter.cx_active"), 0);
    assert.ok(delta(`${p}.worker_0.downstream_cx_total`) > 0 && delta(`${p}.worker_1.downstream_cx_total`) > 0,
      "both workers (each with its own filter VM) took connections");
    const prom = await (await fetch(`http://127.0.0.1:${f.adminPort}/stats/prometheus`)).text();
    assert.match(prom, /^# TYPE sentinel_filter_cx_total counter\nsentinel_filter_cx_total\{\} \d+$/m);
  });

  test("SIGTERM with an open connection: runtimes shut down and the process exits 0", async () => {
    const s = await openConnection(f.listenerPort);
    s.on("error", () => {});
    s.on("end", () => s.end());
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    f.host.proc.kill("SIGTERM");
    assert.equal(await f.host.exited, 0);
    await closed;
  });
});
