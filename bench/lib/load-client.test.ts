// Smoke tests over real sockets: the load client (its own process) through the plain proxy (its own
// process, 2 worker threads) to the upstream (in this process), about a second each.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { runClient } from "./measure.ts";
import { startUpstream, parseModeArgs, type Upstream } from "./upstream.ts";
import { startPlainProxy } from "./targets.ts";
import { stopAll, freePort } from "./procs.ts";
import { resolveConfig, parseClientArgs } from "./load-client.ts";

after(() => stopAll());

function conserved(s: { offered: number; completed: number; blocked: number; refused: number; failed: number; unfinished: number }) {
  assert.equal(s.offered, s.completed + s.blocked + s.refused + s.failed + s.unfinished);
}

async function withProxy(mode: Parameters<typeof startUpstream>[0]["mode"], fn: (up: Upstream, proxyPort: number) => Promise<void>) {
  const up = await startUpstream({ mode });
  const proxy = await startPlainProxy("plain", "plain", up.port, 2);
  try { await fn(up, proxy.port); } finally { await proxy.child.stop(); await up.close(); }
}

test("closed loop through the plain proxy: every connection completes, counts and bytes are conserved", async () => {
  await withProxy({ mode: "echo" }, async (up, port) => {
    const { summary, intervals } = await runClient({ port, mode: "closed", connections: 8, durationMs: 1000, payloadBytes: 100, exchanges: 3, intervalMs: 250 });
    assert.ok(summary.offered > 50, `only ${summary.offered} connections in 1 s`);
    assert.equal(summary.completed, summary.offered);
    assert.equal(summary.admitted, summary.offered);
    assert.equal(summary.blocked + summary.refused + summary.failed, 0, JSON.stringify(summary.errorsByCode));
    assert.equal(summary.bytesOut, summary.offered * 300);
    assert.equal(summary.bytesIn, summary.bytesOut);
    assert.equal(summary.latency.count, summary.admitted);
    assert.ok(summary.conserved);
    conserved(summary);
    assert.equal(up.stats().accepted, summary.connected);
    // intervals add up to the totals
    const sum = (k: "offered" | "completed" | "bytesIn") => intervals.reduce((n, iv) => n + iv[k], 0);
    assert.equal(sum("offered"), summary.offered);
    assert.equal(sum("completed"), summary.completed);
    assert.equal(sum("bytesIn"), summary.bytesIn);
    assert.ok(intervals.length >= 4);
  });
});

test("failing upstream: the proxy closes half the connections before any byte, counted as blocked", async () => {
  await withProxy({ mode: "failing", ratio: 0.5, kind: "close" }, async (up, port) => {
    const { summary } = await runClient({ port, mode: "open", schedule: "200@1s", payloadBytes: 10 });
    assert.equal(summary.offered, 200);
    assert.equal(up.stats().failed, 100);
    assert.equal(summary.blocked, 100);
    assert.equal(summary.completed, 100);
    conserved(summary);
  });
});

test("slow upstream delays the first byte; switching modes applies to new connections", async () => {
  const up = await startUpstream({ mode: parseModeArgs(["--mode", "slow", "--delay", "150"]) });
  try {
    const slow = await runClient({ port: up.port, mode: "closed", connections: 2, durationMs: 400, exchanges: 1 });
    assert.ok(slow.summary.latency.p50 >= 150, `p50 ${slow.summary.latency.p50} ms < the 150 ms delay`);
    await up.setMode({ mode: "echo" });
    const fast = await runClient({ port: up.port, mode: "closed", connections: 2, durationMs: 300, exchanges: 1 });
    assert.ok(fast.summary.latency.p50 < 100, `p50 ${fast.summary.latency.p50} ms after switching to echo`);
  } finally { await up.close(); }
});

test("refusing upstream: connects are refused until it echoes again", async () => {
  const port = await freePort();
  const up = await startUpstream({ port, mode: { mode: "refusing" } });
  try {
    const refused = await runClient({ port, mode: "open", schedule: "50@500ms" });
    assert.equal(refused.summary.refused, 25);
    assert.equal(refused.summary.connected, 0);
    conserved(refused.summary);
    await up.setMode({ mode: "echo" });
    const ok = await runClient({ port, mode: "open", schedule: "50@500ms" });
    assert.equal(ok.summary.completed, 25);
  } finally { await up.close(); }
});

test("load config errors name the field", () => {
  assert.throws(() => resolveConfig({ host: "10.0.0.1" }), /host must be a loopback address/);
  assert.throws(() => resolveConfig({ connections: 0 }), /connections must be an integer 1\.\.20000/);
  assert.throws(() => resolveConfig({ mode: "open", schedule: "x" }), /schedule item 1/);
  assert.throws(() => resolveConfig({ bogus: 1 } as never), /unknown field "bogus"/);
  assert.throws(() => parseClientArgs(["--reconnect", "yes"]), /--reconnect must be true or false/);
  assert.equal(parseClientArgs(["--payload-bytes", "512", "--mode", "open"]).payloadBytes, 512);
  assert.throws(() => parseModeArgs(["--mode", "echo", "--delay", "5"]), /--delay does not apply to --mode echo/);
  assert.throws(() => parseModeArgs(["--mode", "failing", "--fail-ratio", "2"]), /--fail-ratio must be within 0\.\.1/);
});

test("open loop: arrivals the stalled client could not start on time are skipped, not sent in a burst", async () => {
  const { runLoad } = await import("./load-client.ts");
  const up = await startUpstream({ mode: { mode: "echo" } });
  try {
    const run = runLoad(resolveConfig({ port: up.port, mode: "open", schedule: "200@1s", maxLagMs: 100 }), () => {});
    // block this process (client and upstream) for 500 ms a third of the way in
    setTimeout(() => { const end = Date.now() + 500; while (Date.now() < end) { /* stall */ } }, 300);
    const s = await run.done;
    assert.equal(s.offered + s.skipped, 200);
    assert.ok(s.skipped >= 60 && s.skipped <= 100, `skipped ${s.skipped}: expected ~(500 - 100) ms x 200/s = 80`);
    assert.equal(s.completed, s.offered);
  } finally { await up.close(); }
});

test("connections spread over source addresses 127.0.0.1..N all complete", async () => {
  const up = await startUpstream({ mode: { mode: "echo" } });
  try {
    const { summary } = await runClient({ port: up.port, mode: "closed", connections: 4, durationMs: 300, sourceAddresses: 4 });
    assert.ok(summary.offered > 10);
    assert.equal(summary.completed, summary.offered, JSON.stringify(summary.errorsByCode));
    assert.equal(up.stats().sourceAddresses, 4);
  } finally { await up.close(); }
});
