// SocketTransport alone, on real loopback sockets, driven by small scripted handlers.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { ConnectionHandler, Transport } from "../contracts.ts";
import { LogLevels, LogSink } from "../log/log-sink.ts";
import { SharedStore } from "../store/index.ts";
import { startEchoUpstream } from "./echo-upstream.ts";
import type { EchoUpstream } from "./echo-upstream.ts";
import { ListenerStats, PendingCounters, ServerStats, TcpProxyStats } from "./proxy-stats.ts";
import { SocketTransport } from "./socket-transport.ts";
import type { ListenerContext } from "./socket-transport.ts";
import { UpstreamCluster } from "./upstream-cluster.ts";

/** Records every callback; each test fills in the reactions it needs. */
class ScriptedHandler implements ConnectionHandler {
  readonly events: string[] = [];
  readonly t: Transport;
  react: Partial<Record<keyof ConnectionHandler, (...a: any[]) => void>> = {};
  constructor(t: Transport) { this.t = t; }
  onNewConnection(): void { this.events.push("new"); this.react.onNewConnection?.(); }
  onDownstreamData(c: Uint8Array, eos: boolean): void { this.events.push(`down:${c.length}:${eos}`); this.react.onDownstreamData?.(c, eos); }
  onUpstreamConnected(): void { this.events.push("up-connected"); this.react.onUpstreamConnected?.(); }
  onUpstreamConnectFailed(r: string): void { this.events.push(`up-failed`); this.react.onUpstreamConnectFailed?.(r); }
  onUpstreamData(c: Uint8Array, eos: boolean): void { this.events.push(`up:${c.length}:${eos}`); this.react.onUpstreamData?.(c, eos); }
  onUpstreamClosed(reset: boolean): void { this.events.push(`up-closed:${reset}`); this.react.onUpstreamClosed?.(reset); }
  onDownstreamClosed(local: boolean): void { this.events.push(`down-closed:${local}`); this.react.onDownstreamClosed?.(local); }
}

let echo: EchoUpstream;
let server: net.Server;
let port: number;
let makeHandler: (t: Transport) => ScriptedHandler;
let lastHandler: ScriptedHandler | undefined;
const logLines: string[] = [];

before(async () => {
  echo = await startEchoUpstream();
  const store = SharedStore.create({ bytes: 1 << 16 });
  const pending = new PendingCounters(store);
  const log = new LogSink(LogLevels.create({ level: 2, components: {} }), 9, (l) => logLines.push(l));
  const tcpStats = new TcpProxyStats(store, "t");
  const ctx: ListenerContext = {
    name: "l", store, pending, log,
    listenerStats: new ListenerStats(store, { address: "127.0.0.1", port: 1 }, 0),
    serverStats: new ServerStats(store), tcpStats,
    tcpRxSlot: pending.slot(tcpStats.rxBytesTotal), tcpTxSlot: pending.slot(tcpStats.txBytesTotal),
    cluster: new UpstreamCluster({ name: "echo", connectTimeoutMs: 1000, endpoints: [{ address: "127.0.0.1", port: echo.port }] }, store, pending),
    connections: new Set(),
    createHandler: (t) => (lastHandler = makeHandler(t)),
  };
  let id = 0n;
  server = net.createServer({ allowHalfOpen: true }, (s) => new SocketTransport(ctx, s, ++id).start());
  await new Promise<void>((r) => server.listen({ host: "127.0.0.1", port: 0 }, () => r()));
  port = (server.address() as net.AddressInfo).port;
});

after(async () => {
  server.close();
  await echo.close();
});

/** Connects, optionally writes, and collects what arrives until the server closes us. */
function client(opts: { write?: string; end?: boolean; readDelayMs?: number } = {}): Promise<{ data: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    if (opts.readDelayMs) { s.pause(); setTimeout(() => s.resume(), opts.readDelayMs); }
    s.on("connect", () => { if (opts.write) s.write(opts.write); if (opts.end) s.end(); });
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("end", () => s.end());
    s.on("error", (e: NodeJS.ErrnoException) => { error = e.code; });
    s.on("close", () => resolve({ data: Buffer.concat(chunks), error }));
  });
}

test("closeDownstream(flush) delivers queued bytes before closing, even to a slow reader", async () => {
  const big = Buffer.alloc(8 * 1024 * 1024, 7);
  makeHandler = (t) => {
    const h = new ScriptedHandler(t);
    h.react.onNewConnection = () => { t.writeDownstream(big, false); t.closeDownstream(true, "test flush"); };
    return h;
  };
  const r = await client({ readDelayMs: 100 });
  assert.equal(r.data.length, big.length);
  assert.deepEqual(lastHandler!.events, ["new", "down-closed:true"]);
});

test("bytes written before connectUpstream are sent once connected", async () => {
  makeHandler = (t) => {
    const h = new ScriptedHandler(t);
    h.react.onDownstreamData = (c: Uint8Array, eos: boolean) => {
      t.writeUpstream(c, eos);
      if (c.length > 0) t.connectUpstream();
    };
    h.react.onUpstreamData = (c: Uint8Array, eos: boolean) => t.writeDownstream(c, eos);
    h.react.onDownstreamClosed = () => t.closeUpstream();
    return h;
  };
  const r = await client({ write: "early bytes", end: true });
  assert.equal(r.data.toString(), "early bytes");
  const ev = lastHandler!.events;
  assert.equal(ev[0], "new");
  assert.ok(ev.includes("up-connected") && ev.includes("up:0:true"), ev.join(","));
  assert.equal(ev.at(-1), "down-closed:false");
});

test("readDisable(true) holds downstream reads until readDisable(false)", async () => {
  let released = false;
  makeHandler = (t) => {
    const h = new ScriptedHandler(t);
    h.react.onNewConnection = () => {
      t.readDisable(true);
      setTimeout(() => { released = true; t.readDisable(false); }, 150);
    };
    h.react.onDownstreamData = (_c: Uint8Array, eos: boolean) => {
      assert.equal(released, true, "no data while read-disabled");
      if (eos) t.closeDownstream(false, "done");
    };
    return h;
  };
  await client({ write: "held", end: true });
  assert.deepEqual(lastHandler!.events.slice(0, 2), ["new", "down:4:false"]);
});

test("a throwing handler is logged and its connection dropped (a local close it is told about)", async () => {
  makeHandler = (t) => {
    const h = new ScriptedHandler(t);
    h.react.onDownstreamData = () => { throw new Error("handler bug"); };
    return h;
  };
  const r = await client({ write: "x" });
  assert.equal(r.data.length, 0);
  assert.ok(logLines.some((l) => /\[error\]\[connection\] .*handler failed: Error: handler bug/.test(l)));
  assert.deepEqual(lastHandler!.events, ["new", "down:1:false", "down-closed:true"]);
});

test("after the downstream closes, upstream events no longer reach the handler", async () => {
  makeHandler = (t) => {
    const h = new ScriptedHandler(t);
    h.react.onNewConnection = () => t.connectUpstream();
    h.react.onDownstreamClosed = () => t.closeUpstream();
    return h;
  };
  await new Promise<void>((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => s.resetAndDestroy());
    s.on("error", () => {});
    s.on("close", () => resolve());
  });
  await new Promise((r) => setTimeout(r, 200));
  const ev = lastHandler!.events;
  assert.equal(ev.at(-1), "down-closed:false", ev.join(","));
  assert.equal(ev.filter((e) => e.startsWith("down-closed")).length, 1);
});
