// End to end with test modules (host/test/modules/e2e-*.ts): queue notifications crossing threads, and
// a trapping filter under fail_open false/true. The host runs as a child process.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, spawnHost, wasmHostFixture, wasmYaml, writeTempConfig } from "./host-process.ts";
import { adminStats, echoExchange, freePort, pollUntil, waitForClose } from "./net-helpers.ts";

const QUEUE_WASM = "build/test-modules/e2e-queue.wasm";
const TRAP_WASM = "build/test-modules/e2e-trap.wasm";
const built = (f: string) => existsSync(join(REPO_ROOT, f)) || "run `npm run build` first";

describe("queue-ready notifications cross threads (filter on 2 workers -> singleton on main)", { skip: built(QUEUE_WASM) !== true && "run `npm run build` first" }, () => {
  const h = wasmHostFixture({
    filters: [{ name: "producer", rootId: "e2e_producer", vmId: "e2e", codePath: QUEUE_WASM }],
    services: [{ name: "consumer", rootId: "e2e_consumer", vmId: "e2e", codePath: QUEUE_WASM }],
  }, ["--concurrency", "2", "--component-log-level", "wasm:debug"]);

  test("N enqueues from both workers give N proxy_on_queue_ready calls, all on main", async () => {
    const N = 24;
    await Promise.all(Array.from({ length: N }, (_, i) => echoExchange(h.listenerPort, Buffer.from(`q${i}`))));
    const stats = await pollUntil("all items consumed", async () => {
      const s = await adminStats(h.adminPort);
      return (s.get("wasmcustom.e2e.items") ?? 0) >= N ? s : undefined;
    });
    assert.equal(stats.get("wasmcustom.e2e.enqueued"), N);
    assert.equal(stats.get("wasmcustom.e2e.items"), N);
    // Never coalesced: one notification per enqueue (a call may find the queue already drained).
    assert.equal(stats.get("wasmcustom.e2e.queue_ready"), N);
    const p = `listener.127.0.0.1_${h.listenerPort}`;
    assert.ok((stats.get(`${p}.worker_0.downstream_cx_total`) ?? 0) > 0 && (stats.get(`${p}.worker_1.downstream_cx_total`) ?? 0) > 0,
      "enqueues came from both worker threads");
    const consumerThreads = new Set([...h.host.stderr().matchAll(/\]\[(\d+)\]\[debug\]\[wasm\] .*e2e_consumer: queue ready/g)].map((m) => m[1]));
    assert.deepEqual([...consumerThreads], ["0"]);
  });
});

describe("queue owned by one worker: notifications from the other worker reach the owner's thread", { skip: built(QUEUE_WASM) !== true && "run `npm run build` first" }, () => {
  const h = wasmHostFixture({
    filters: [{ name: "owner", rootId: "e2e_worker_owner", vmId: "e2e_w", codePath: QUEUE_WASM }],
  }, ["--concurrency", "2", "--component-log-level", "wasm:debug"]);

  test("every enqueue, from either worker, notifies the one owner worker", async () => {
    const N = 24;
    await Promise.all(Array.from({ length: N }, (_, i) => echoExchange(h.listenerPort, Buffer.from(`w${i}`))));
    const stats = await pollUntil("all notifications", async () => {
      const s = await adminStats(h.adminPort);
      return (s.get("wasmcustom.e2e.worker_queue_ready") ?? 0) >= N ? s : undefined;
    });
    assert.equal(stats.get("wasmcustom.e2e.worker_queue_ready"), N);
    const p = `listener.127.0.0.1_${h.listenerPort}`;
    assert.ok((stats.get(`${p}.worker_0.downstream_cx_total`) ?? 0) > 0 && (stats.get(`${p}.worker_1.downstream_cx_total`) ?? 0) > 0,
      "enqueues came from both workers");
    const threads = new Set([...h.host.stderr().matchAll(/\]\[(\d+)\]\[debug\]\[wasm\] .*e2e_worker_owner: queue ready/g)].map((m) => m[1]));
    assert.equal(threads.size, 1, `one owner thread, got ${[...threads]}`);
    assert.ok(!threads.has("0"), "the owner is a worker, not main");
  });
});

for (const failOpen of [false, true]) {
  describe(`a trapping filter with fail_open ${failOpen} (--concurrency 1)`, { skip: built(TRAP_WASM) !== true && "run `npm run build` first" }, () => {
    const h = wasmHostFixture({
      filters: [{ name: "trap", rootId: "e2e_trap", vmId: "trap", codePath: TRAP_WASM, failOpen }],
    }, ["--concurrency", "1"]);

    test("a healthy VM proxies; the trap is logged at error; later connections follow the policy", async () => {
      const ok = await echoExchange(h.listenerPort, Buffer.from("hello"));
      assert.equal(ok.receivedSha, ok.sentSha, "before the trap the filter passes data");
      const trapped = await waitForClose(h.listenerPort, { send: Buffer.from("trap"), end: true });
      await pollUntil("trap log", async () => /\[error\]\[wasm\] .*failed/.test(h.host.stderr()) ? true : undefined);
      if (failOpen) {
        assert.equal(trapped.bytes, 4, "fail open: the trapping connection continues (its bytes are echoed)");
        const after = await echoExchange(h.listenerPort, Buffer.from("after the trap"));
        assert.equal(after.receivedSha, after.sentSha, "fail open: later connections bypass the failed filter");
      } else {
        assert.equal(trapped.bytes, 0, "fail closed: the trapping connection is closed without data");
        const after = await waitForClose(h.listenerPort, { send: Buffer.from("after the trap") });
        assert.equal(after.bytes, 0, "fail closed: later connections are closed");
      }
      // the host itself keeps serving: admin still answers
      const s = await adminStats(h.adminPort);
      assert.equal(s.get("server.live"), 1);
    });
  });
}

describe("wasm start-up failures reject the configuration (exit 1, as Envoy)", () => {
  test("the canary's proxy_on_configure returning false", { skip: built("build/filter.wasm") !== true && "run `npm run build` first" }, async () => {
    const path = writeTempConfig(wasmYaml({
      adminPort: await freePort(), listenerPort: await freePort(), clusterPort: await freePort(),
      filters: [{ name: "sentinel_filter", rootId: "sentinel_filter", vmId: "sentinel", codePath: "build/filter.wasm", configuration: "not json" }],
    }));
    const host = spawnHost(["-c", path, "--concurrency", "1"]);
    assert.equal(await host.exited, 1);
    assert.match(host.stderr(), /\[critical\]\[main\] .*error initializing configuration '.*': .*sentinel_filter/);
    assert.doesNotMatch(host.stderr(), /all workers listening/);
  });

  test("a module importing a function Envoy does not provide: Envoy's text, exit 1, nothing served", { skip: built("build/test-modules/bad-foreign-import.wasm") !== true && "run `npm run build` first" }, async () => {
    const path = writeTempConfig(wasmYaml({
      adminPort: await freePort(), listenerPort: await freePort(), clusterPort: await freePort(),
      filters: [{ name: "foreign", rootId: "r", vmId: "v", codePath: "build/test-modules/bad-foreign-import.wasm" }],
    }));
    const host = spawnHost(["-c", path, "--concurrency", "2"]);
    assert.equal(await host.exited, 1);
    const err = host.stderr();
    assert.match(err, /\[error\]\[wasm\] .*Failed to load Wasm module due to a missing import: env\.foo\n/);
    assert.match(err, /\[critical\]\[wasm\] .*Plugin foreign failed to load/);
    assert.match(err, /\[critical\]\[main\] .*error initializing configuration '.*': Unable to create Wasm plugin foreign: .*env\.foo/);
    assert.doesNotMatch(err, /all workers listening/);
  });

  test("a .wasm file that does not exist", async () => {
    const path = writeTempConfig(wasmYaml({
      adminPort: await freePort(), listenerPort: await freePort(), clusterPort: await freePort(),
      filters: [{ name: "f", rootId: "r", vmId: "v", codePath: "build/does-not-exist.wasm", configuration: "{}" }],
    }));
    const host = spawnHost(["-c", path, "--concurrency", "1"]);
    assert.equal(await host.exited, 1);
    // caught by the config loader already, naming the field
    assert.match(host.stderr(), /error initializing configuration '.*': .*vm_config\.code\.local\.filename: .*does-not-exist\.wasm/);
  });
});

describe("module faults on every thread never kill the host (--concurrency 2, fail_open false)", { skip: built(TRAP_WASM) !== true && "run `npm run build` first" }, () => {
  const h = wasmHostFixture({
    filters: [{ name: "trap", rootId: "e2e_trap", vmId: "trap", codePath: TRAP_WASM, failOpen: false }],
    services: [{ name: "ticker", rootId: "e2e_trap_service", vmId: "svc", codePath: TRAP_WASM }],
  }, ["--concurrency", "2"]);

  test("a trap in the singleton's on_tick (main) and stack overflows in both workers' filters: logged, the host serves on", async () => {
    await pollUntil("the service's tick trap", async () =>
      /\]\[0\]\[error\]\[wasm\] .*Function: proxy_on_tick failed: Uncaught RuntimeError: unreachable/.test(h.host.stderr()) ? true : undefined);
    // Send "deep" until the filter VM of each worker has overflowed its stack (the kernel picks the worker).
    const failedThreads = () => new Set([...h.host.stderr().matchAll(
      /\]\[(\d+)\]\[error\]\[wasm\] .*Function: proxy_on_downstream_data failed: Uncaught RangeError: Maximum call stack size exceeded/g)].map((m) => m[1]));
    for (let i = 0; i < 40 && failedThreads().size < 2; i++) {
      const r = await waitForClose(h.listenerPort, { send: Buffer.from("deep"), end: true });
      assert.equal(r.bytes, 0, "fail closed: the faulting connection gets nothing back");
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.deepEqual([...failedThreads()].sort(), ["1", "2"]);
    // Both workers' filters are failed: every connection is closed, whichever worker takes it ...
    for (let i = 0; i < 4; i++) {
      const r = await waitForClose(h.listenerPort, { send: Buffer.from("hello"), end: true });
      assert.equal(r.bytes, 0);
    }
    // ... and the process, its admin and its shutdown are unharmed.
    assert.equal(h.host.proc.exitCode, null);
    const s = await adminStats(h.adminPort);
    assert.equal(s.get("server.live"), 1);
    assert.equal(await h.host.kill(), 0, h.host.stderr());
  });
});
