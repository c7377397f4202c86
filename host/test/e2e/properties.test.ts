// The properties Envoy exposes to network filters, read by a module (host/test/modules/e2e-props.ts)
// in the real multi-threaded host over real sockets: the addresses must be the sockets' own.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { startEchoUpstream } from "../../src/network/echo-upstream.ts";
import type { EchoUpstream } from "../../src/network/echo-upstream.ts";
import { REPO_ROOT, spawnHost, waitReady, wasmYaml, writeTempConfig } from "./host-process.ts";
import type { HostProcess } from "./host-process.ts";
import { freePort, pollUntil } from "./net-helpers.ts";

const PROPS_WASM = "build/test-modules/e2e-props.wasm";

/** Sends one byte and half-closes; resolves the client's local port once the echo has come back. */
function exchange(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let localPort = 0;
    let echoed = "";
    const timer = setTimeout(() => { s.destroy(); reject(new Error("no echo in time")); }, 10_000);
    s.on("connect", () => { localPort = s.localPort!; s.end("x"); });
    s.on("data", (d: Buffer) => { echoed += d; });
    s.on("error", (e) => { clearTimeout(timer); reject(e); });
    s.on("close", () => {
      clearTimeout(timer);
      if (echoed === "x") resolve(localPort); else reject(new Error(`echo was '${echoed}'`));
    });
  });
}

describe("network-filter properties through real sockets (--concurrency 2)", { skip: !existsSync(join(REPO_ROOT, PROPS_WASM)) && "run `npm run build` first" }, () => {
  let echo: EchoUpstream;
  let host: HostProcess;
  let listenerPort: number;

  before(async () => {
    echo = await startEchoUpstream();
    const adminPort = await freePort();
    listenerPort = await freePort();
    host = spawnHost(["-c", writeTempConfig(wasmYaml({
      adminPort, listenerPort, clusterPort: echo.port,
      filters: [{ name: "props", rootId: "e2e_props", vmId: "pv", codePath: PROPS_WASM }],
    })), "--concurrency", "2"]);
    await waitReady(host, adminPort);
  });

  after(async () => {
    await host?.kill();
    await echo?.close();
  });

  test("source/destination/upstream address and port, connection.id and plugin_* are the real ones", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const clientPort = await exchange(listenerPort);
      const line = await pollUntil(`the props line of client port ${clientPort}`, async () =>
        host.stderr().split("\n").find((l) => l.includes(` sport=${clientPort} `)));
      assert.match(line, /\[info\]\[wasm\] .*wasm log props e2e_props pv: props /, line);
      const kv = Object.fromEntries(line.slice(line.indexOf("props src=") + 6).split(" ").map((p) => p.split("=") as [string, string]));
      assert.deepEqual({ ...kv, conn: undefined }, {
        src: `127.0.0.1:${clientPort}`, sport: String(clientPort),
        dst: `127.0.0.1:${listenerPort}`, dport: String(listenerPort),
        up: `127.0.0.1:${echo.port}`, uport: String(echo.port),
        plugin: "props", root: "e2e_props", vm: "pv",
        dotted: "<absent>", // paths are \0-separated; a dotted name is NotFound, as in Envoy
        conn: undefined,
      });
      assert.match(kv.conn, /^\d+$/);
      ids.add(kv.conn);
    }
    assert.equal(ids.size, 3, "every connection has its own connection.id");
  });
});
