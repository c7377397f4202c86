// Socket helpers shared by the host's network and end-to-end tests. Every wait is bounded in time.
import net from "node:net";
import { createHash, randomBytes } from "node:crypto";

// Ports handed out by this process, so one test run never gets the same port twice.
const handedOut = new Set<number>();

/**
 * A port that was free a moment ago. Drawn at random below the kernel's ephemeral range
 * (32768-60999 here): a port from bind(0) is an ephemeral one, which the kernel may give the very
 * next outgoing connection, and load tests make thousands of those, so the host's later bind fails.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) { handedOut.add(port); return port; }
  }
  throw new Error("freePort: no free port found in 20000-31999 after 200 tries");
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen({ host: "127.0.0.1", port }, () => s.close(() => resolve(true)));
  });
}

export interface EchoResult {
  sentSha: string;
  receivedSha: string;
  receivedBytes: number;
  /** The server's FIN reached us (half-close preserved). */
  gotEnd: boolean;
}

/**
 * Sends `payload` in chunks, half-closes, and collects everything until the connection closes.
 * readDelayMs holds reading back for a while so the proxy's buffers fill (backpressure).
 */
export function echoExchange(port: number, payload: Buffer, opts: { readDelayMs?: number; timeoutMs?: number } = {}): Promise<EchoResult> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const hash = createHash("sha256");
    let received = 0;
    let gotEnd = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`echo exchange timed out after ${received} bytes`));
    }, opts.timeoutMs ?? 15_000);
    if (opts.readDelayMs) {
      s.pause();
      setTimeout(() => s.resume(), opts.readDelayMs);
    }
    s.on("data", (d: Buffer) => { received += d.length; hash.update(d); });
    s.on("end", () => { gotEnd = true; s.end(); });
    s.on("error", (err) => { clearTimeout(timer); reject(err); });
    s.on("close", () => {
      clearTimeout(timer);
      resolve({
        sentSha: createHash("sha256").update(payload).digest("hex"),
        receivedSha: hash.digest("hex"), receivedBytes: received, gotEnd,
      });
    });
    s.on("connect", () => {
      const CHUNK = 64 * 1024;
      for (let off = 0; off < payload.length; off += CHUNK) s.write(payload.subarray(off, off + CHUNK));
      s.end();
    });
  });
}

export function randomPayload(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** Connects and waits for the server side to close; resolves how it ended. */
export function waitForClose(port: number, opts: { send?: Buffer; end?: boolean; timeoutMs?: number } = {}): Promise<{ bytes: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    let bytes = 0;
    let error: string | undefined;
    const timer = setTimeout(() => { s.destroy(); reject(new Error("connection was not closed in time")); }, opts.timeoutMs ?? 10_000);
    s.on("connect", () => {
      if (opts.send) s.write(opts.send);
      if (opts.end) s.end();
    });
    s.on("data", (d: Buffer) => { bytes += d.length; });
    s.on("end", () => s.end());
    s.on("error", (err: NodeJS.ErrnoException) => { error = err.code ?? err.message; });
    s.on("close", () => { clearTimeout(timer); resolve({ bytes, error }); });
  });
}

/** Opens a connection and resolves once it is established (the caller closes it). */
export function openConnection(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

export async function pollUntil<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Polls GET /ready on 127.0.0.1:adminPort until 200: Envoy's LIVE, every worker listening (the
 * listener port alone answers once the first worker has bound it). `exited` gives a reason to stop
 * waiting (the process is gone) or undefined.
 */
export async function waitLive(adminPort: number, timeoutMs: number, exited: () => string | undefined = () => undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  for (;;) {
    const gone = exited();
    if (gone !== undefined) throw new Error(gone);
    try {
      const res = await fetch(`http://127.0.0.1:${adminPort}/ready`);
      last = `${res.status} ${(await res.text()).trim()}`;
      if (res.status === 200) return;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`127.0.0.1:${adminPort}/ready still says "${last}" after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Reads until two reads `gapMs` apart agree on `key` (or `done` holds), and returns the last read;
 * gives up after `maxMs` with the last read. For stats that reach the host in batches (the host's
 * byte counters, a wasm filter's tick-flushed counters): what is still on its way shows as change.
 */
export async function readUntilSteady<T>(read: () => Promise<T>, key: (v: T) => string,
  opts: { gapMs?: number; maxMs?: number; done?: (v: T) => boolean } = {}): Promise<T> {
  const deadline = Date.now() + (opts.maxMs ?? 3000);
  let prev = await read();
  if (opts.done?.(prev)) return prev;
  for (;;) {
    await new Promise((r) => setTimeout(r, opts.gapMs ?? 100));
    const next = await read();
    if (opts.done?.(next) || key(next) === key(prev) || Date.now() > deadline) return next;
    prev = next;
  }
}

/** GET /stats?format=json as a name -> value map (counters and gauges). */
export async function adminStats(adminPort: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/stats?format=json`);
  const json = await res.json() as { stats: ({ name: string; value: number } | { histograms: unknown })[] };
  const out = new Map<string, number>();
  for (const s of json.stats) if ("name" in s) out.set(s.name, s.value);
  return out;
}
