// End to end: `node host/src/cli.ts -c <generated yaml> --concurrency 2` as a child process, driven
// through real sockets and its admin port. Listeners have only tcp_proxy (no wasm).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startEchoUpstream } from "../../src/network/echo-upstream.ts";
import type { EchoUpstream } from "../../src/network/echo-upstream.ts";
import { spawnHost, tcpOnlyYaml, waitReady, writeTempConfig } from "./host-process.ts";
import type { HostProcess } from "./host-process.ts";
import { adminStats, echoExchange, freePort, openConnection, pollUntil, randomPayload, waitForClose } from "./net-helpers.ts";

describe("cli: tcp_proxy-only host, --concurrency 2", () => {
  let echo: EchoUpstream;
  let host: HostProcess;
  let adminPort: number;
  let listenerPort: number;
  let refusedPort: number;

  before(async () => {
    echo = await startEchoUpstream();
    adminPort = await freePort();
    listenerPort = await freePort();
    refusedPort = await freePort();
    const path = writeTempConfig(tcpOnlyYaml({
      adminPort, listenerPort, clusterPort: echo.port,
      refusedListenerPort: refusedPort, refusedClusterPort: await freePort(),
    }));
    host = spawnHost(["-c", path, "--concurrency", "2", "--component-log-level", "connection:debug"]);
    await waitReady(host, adminPort);
  });

  after(async () => {
    await host?.kill();
    await echo?.close();
  });

  test("logs Envoy-format start-up lines", () => {
    assert.match(host.stderr(), /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[0\]\[info\]\[main\] \[host\/src\/network\/host\.ts\] initializing epoch 0/m);
    assert.match(host.stderr(), /\[info\]\[main\] .* all workers listening \(concurrency 2\)/);
  });

  test("2 MiB each way arrive intact through the proxy (sha256 both directions)", async () => {
    const payload = randomPayload(2 * 1024 * 1024);
    const r = await echoExchange(listenerPort, payload);
    assert.equal(r.receivedSha, r.sentSha);
    assert.equal(r.gotEnd, true);
  });

  test("half-close: after the client's FIN the echo still arrives, then the server's FIN", async () => {
    const s = await openConnection(listenerPort);
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((r) => s.on("end", () => r()));
    s.on("data", (d: Buffer) => chunks.push(d));
    s.end("written-then-fin");
    await ended;
    assert.equal(Buffer.concat(chunks).toString(), "written-then-fin");
    s.destroy();
  });

  test("upstream refused: downstream closed, upstream_cx_connect_fail in /stats?format=json", async () => {
    const r = await waitForClose(refusedPort, { send: Buffer.from("x") });
    assert.equal(r.bytes, 0);
    await pollUntil("connect_fail", async () =>
      ((await adminStats(adminPort)).get("cluster.refused.upstream_cx_connect_fail") ?? 0) >= 1 ? true : undefined);
  });

  test("connections spread over both worker threads (per-worker listener stats and log thread ids)", async () => {
    const N = 30;
    await Promise.all(Array.from({ length: N }, (_, i) => echoExchange(listenerPort, Buffer.from(`c${i}`))));
    const stats = await adminStats(adminPort);
    const p = `listener.127.0.0.1_${listenerPort}`;
    const w0 = stats.get(`${p}.worker_0.downstream_cx_total`) ?? 0;
    const w1 = stats.get(`${p}.worker_1.downstream_cx_total`) ?? 0;
    assert.ok(w0 > 0 && w1 > 0, `worker_0=${w0} worker_1=${w1}`);
    assert.equal(w0 + w1, stats.get(`${p}.downstream_cx_total`));
    // connection logs carry the worker's thread id (1 or 2), never main's 0
    const ids = new Set([...host.stderr().matchAll(/\]\[(\d+)\]\[debug\]\[connection\]/g)].map((m) => m[1]));
    assert.deepEqual([...ids].sort(), ["1", "2"]);
  });

  test("POST /logging changes a logger's level in every worker thread at once", async () => {
    const base = `http://127.0.0.1:${adminPort}`;
    const connLines = () => (host.stderr().match(/\]\[debug\]\[connection\]/g) ?? []).length;
    const off = await fetch(`${base}/logging?connection=off`, { method: "POST" });
    assert.match(await off.text(), /^  connection: off$/m);
    const before = connLines();
    await Promise.all(Array.from({ length: 10 }, () => echoExchange(listenerPort, Buffer.from("quiet"))));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connLines(), before, "no connection logs while the logger is off");
    await fetch(`${base}/logging?connection=debug`, { method: "POST" });
    await echoExchange(listenerPort, Buffer.from("loud"));
    await pollUntil("connection logs again", async () => connLines() > before ? true : undefined);
    assert.equal((await fetch(`${base}/logging?connection=debug`)).status, 405, "changes need POST");
    assert.equal((await fetch(`${base}/logging?nope=debug`, { method: "POST" })).status, 400);
    assert.equal((await fetch(`${base}/logging?level=loud`, { method: "POST" })).status, 400);
  });

  test("admin: /ready, /listeners, /server_info, /stats text and filter, /stats/prometheus", async () => {
    const base = `http://127.0.0.1:${adminPort}`;
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), "LIVE\n");
    assert.equal(await (await fetch(`${base}/listeners`)).text(),
      `tcp_in::127.0.0.1:${listenerPort}\nrefused_in::127.0.0.1:${refusedPort}\n`);
    const listenersJson = await (await fetch(`${base}/listeners?format=json`)).json() as { listener_statuses: { name: string }[] };
    assert.deepEqual(listenersJson.listener_statuses.map((l) => l.name), ["tcp_in", "refused_in"]);
    const info = await (await fetch(`${base}/server_info`)).json() as { state: string; command_line_options: { concurrency: number } };
    assert.equal(info.state, "LIVE");
    assert.equal(info.command_line_options.concurrency, 2);
    const text = await (await fetch(`${base}/stats`)).text();
    assert.match(text, /^server\.concurrency: 2$/m);
    assert.match(text, /^server\.live: 1$/m);
    assert.match(text, /^server\.state: 0$/m, "LIVE");
    assert.match(text, /^tcp\.tcp_in\.downstream_cx_total: \d+$/m);
    assert.match(text, /^cluster\.backend\.upstream_cx_connect_ms: P0\(nan,[\d.]+\) P25/m);
    const filtered = await (await fetch(`${base}/stats?filter=${encodeURIComponent("^server\\.")}`)).text();
    assert.ok(filtered.split("\n").filter(Boolean).every((l) => l.startsWith("server.")), filtered);
    const badFilter = await fetch(`${base}/stats?filter=(`);
    assert.equal(badFilter.status, 400);
    const prom = await (await fetch(`${base}/stats/prometheus`)).text();
    assert.match(prom, /^# TYPE envoy_server_live gauge\nenvoy_server_live\{\} 1$/m);
    // no stats_config: Envoy's default tag extractors apply (use_all_default_tags defaults to true)
    assert.match(prom, /^# TYPE envoy_cluster_upstream_cx_total counter\nenvoy_cluster_upstream_cx_total\{envoy_cluster_name="backend"\} \d+$/m);
    assert.match(prom, /^envoy_cluster_upstream_cx_connect_ms_bucket\{envoy_cluster_name="backend",le="\+Inf"\} \d+$/m);
    assert.match(prom, new RegExp(`^envoy_listener_worker_downstream_cx_total\\{envoy_worker_id="0",envoy_listener_address="127\\.0\\.0\\.1_${listenerPort}"\\} \\d+$`, "m"));
    assert.match(prom, /^envoy_tcp_downstream_cx_total\{envoy_tcp_prefix="tcp_in"\} \d+$/m);
    assert.equal((await fetch(`${base}/quitquitquit`)).status, 405, "GET must not stop the server");
    assert.equal((await fetch(`${base}/no_such_thing`)).status, 404);
  });

  test("SIGTERM closes open connections and exits 0", async () => {
    const s = await openConnection(listenerPort);
    s.on("error", () => {});
    s.on("end", () => s.end());
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    host.proc.kill("SIGTERM");
    assert.equal(await host.exited, 0);
    await closed;
    assert.match(host.stderr(), /caught ENVOY_SIGTERM/);
    assert.match(host.stderr(), /shutting down server/);
  });
});

describe("cli: process-level behaviour", () => {
  test("POST /quitquitquit stops the host with exit code 0", async () => {
    const adminPort = await freePort();
    const path = writeTempConfig(tcpOnlyYaml({ adminPort, listenerPort: await freePort(), clusterPort: await freePort() }));
    const host = spawnHost(["-c", path, "--concurrency", "1"]);
    try {
      await waitReady(host, adminPort);
      const res = await fetch(`http://127.0.0.1:${adminPort}/quitquitquit`, { method: "POST" });
      assert.equal(await res.text(), "OK\n");
      assert.equal(await host.exited, 0);
    } finally {
      await host.kill();
    }
  });

  test("a non-loopback admin address is allowed with a warning", async () => {
    const adminPort = await freePort();
    const yaml = tcpOnlyYaml({ adminPort, listenerPort: await freePort(), clusterPort: await freePort() })
      .replace(`address: 127.0.0.1, port_value: ${adminPort}`, `address: 0.0.0.0, port_value: ${adminPort}`);
    const host = spawnHost(["-c", writeTempConfig(yaml), "--concurrency", "1"]);
    try {
      await waitReady(host, adminPort);
      assert.match(host.stderr(), /\[warning\]\[admin\] .*admin address 0\.0\.0\.0:\d+ is not loopback/);
    } finally {
      assert.equal(await host.kill(), 0);
    }
  });

  test("a config error exits 1 and names the field path", async () => {
    const path = writeTempConfig(tcpOnlyYaml({ adminPort: 1, listenerPort: 2, clusterPort: 70001 }));
    const host = spawnHost(["-c", path]);
    assert.equal(await host.exited, 1);
    assert.match(host.stderr(),
      /\[critical\]\[main\] .*error initializing configuration '.*': static_resources\.clusters\[0\]\.load_assignment\.endpoints\[0\]\.lb_endpoints\[0\]\.endpoint\.address\.socket_address\.port_value: /);
  });

  test("an unknown flag exits 1 with a parse error", async () => {
    const host = spawnHost(["-c", "x.yaml", "--base-id", "3"]);
    assert.equal(await host.exited, 1);
    assert.match(host.stderr(), /PARSE ERROR: Argument: --base-id is not a known flag/);
  });

  test("a listener port taken by another process exits 1 with Envoy's cannot bind message", async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen({ host: "127.0.0.1", port: 0 }, () => r()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const path = writeTempConfig(tcpOnlyYaml({ adminPort: await freePort(), listenerPort: port, clusterPort: await freePort() }));
      const host = spawnHost(["-c", path, "--concurrency", "1"]);
      assert.equal(await host.exited, 1);
      assert.match(host.stderr(), new RegExp(`cannot bind '127\\.0\\.0\\.1:${port}': Address already in use`));
    } finally {
      taken.close();
    }
  });

  test("--mode validate checks the config and exits 0 without serving", async () => {
    const path = writeTempConfig(tcpOnlyYaml({ adminPort: await freePort(), listenerPort: await freePort(), clusterPort: 1 }));
    const host = spawnHost(["-c", path, "--mode", "validate"]);
    assert.equal(await host.exited, 0);
    assert.match(host.stderr(), /configuration '.*' OK/);
  });
});
