// The baseline: a plain Node TCP proxy built like the host's network layer, minus everything wasm,
// so "host vs plain proxy" measures what the host adds. Same threading as the host: N worker
// threads, each with its own listener on the same port (SO_REUSEPORT, the kernel spreads
// connections), each connection piped both ways with half-close.
//
// Run: node bench/lib/plain-proxy.ts --listen 127.0.0.1:11000 --upstream 127.0.0.1:10001 --concurrency 2 [--exit-with-stdin 1]
// Prints {"event":"listening",...} on stdout once every worker listens; SIGTERM or closing stdin stops it.
import net from "node:net";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

interface ProxyOptions { listenHost: string; listenPort: number; upstreamHost: string; upstreamPort: number }

function parseHostPort(text: string, flag: string): { host: string; port: number } {
  const m = /^(127\.\d+\.\d+\.\d+):(\d+)$/.exec(text);
  if (!m || Number(m[2]) > 65535) throw new Error(`${flag} must be 127.x.x.x:PORT (loopback only), got "${text}"`);
  return { host: m[1], port: Number(m[2]) };
}

/** One listener (run inside a worker thread). Resolves with the bound port. */
export function startProxyListener(o: ProxyOptions): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (down) => {
    const up = net.connect({ host: o.upstreamHost, port: o.upstreamPort, allowHalfOpen: true, noDelay: true });
    // Like tcp_proxy: nothing is read from downstream until upstream is connected, and a failed
    // upstream connect closes the downstream connection.
    down.pause();
    up.once("connect", () => {
      down.pipe(up);
      up.pipe(down);
    });
    const fail = () => { down.destroy(); up.destroy(); };
    down.on("error", fail);
    up.on("error", fail);
    down.on("close", () => { if (!up.destroyed && up.connecting) up.destroy(); });
    // Full close on one side after both FINs: pipe() already ended the other direction; a reset
    // on one side must tear down the other.
    up.on("close", (hadError) => { if (hadError) down.destroy(); });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: o.listenHost, port: o.listenPort, reusePort: true, backlog: 4096 }, () => {
      server.off("error", reject);
      resolve({ port: (server.address() as net.AddressInfo).port, server });
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i + 1] === undefined) throw new Error(`${argv[i]} needs a value`);
    flags.set(argv[i], argv[i + 1]);
  }
  for (const k of flags.keys()) if (!["--listen", "--upstream", "--concurrency", "--exit-with-stdin"].includes(k)) throw new Error(`unknown flag ${k}`);
  const listen = parseHostPort(flags.get("--listen") ?? "127.0.0.1:11000", "--listen");
  const upstream = parseHostPort(flags.get("--upstream") ?? "127.0.0.1:10001", "--upstream");
  const concurrency = Number(flags.get("--concurrency") ?? "1");
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new Error(`--concurrency must be an integer 1..64`);
  if (listen.port === 0) throw new Error("--listen needs an explicit port: every worker must bind the same one");
  const opts: ProxyOptions = { listenHost: listen.host, listenPort: listen.port, upstreamHost: upstream.host, upstreamPort: upstream.port };
  const workers = Array.from({ length: concurrency }, () => new Worker(new URL(import.meta.url), { workerData: opts }));
  await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    w.once("message", () => resolve());
    w.once("error", reject);
    w.once("exit", (code) => reject(new Error(`worker exited with ${code} before listening`)));
  })));
  process.stdout.write(JSON.stringify({ event: "listening", host: listen.host, port: listen.port, pid: process.pid, concurrency }) + "\n");
  const stop = () => { for (const w of workers) void w.terminate(); process.exit(0); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Under a parent (run.ts), our stdin closing means the parent is gone: stop instead of lingering.
  if (flags.get("--exit-with-stdin") === "1") {
    process.stdin.on("end", stop);
    process.stdin.resume();
  }
}

if (!isMainThread) {
  startProxyListener(workerData as ProxyOptions).then(() => parentPort!.postMessage("listening"), (e: Error) => { throw e; });
} else if (import.meta.main) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`plain-proxy: ${e.message}\n`);
    process.exit(2);
  });
}
