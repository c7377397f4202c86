// A real TCP upstream for benchmarks, with behaviours a flow-control filter must react to:
//   echo      echo every byte back, honouring half-close (our FIN follows the client's)
//   slow      like echo, but the first byte leaves only after a delay (fixed or drawn per connection)
//   failing   a given share of connections is reset or closed on their first data, before any byte
//             is echoed; the rest echo
//   refusing  the port is closed, so connects are refused (existing connections carry on)
// The mode can be changed while running (stdin lines or the loopback HTTP control port), so a run
// can show a proxy's breaker opening and recovering. A mode applies to connections accepted after it.
//
// Run: node bench/lib/upstream.ts --port 10001 --mode echo [--control-port 10002] [--exit-with-stdin 1]
//      then type e.g. "--mode slow --delay uniform:50-200" or "stats" on stdin.
// Prints JSON lines on stdout: {"event":"listening",...}, {"event":"mode",...}, {"event":"stats",...}.
import net from "node:net";
import http from "node:http";
import readline from "node:readline";

export type DelaySpec =
  | { dist: "fixed"; ms: number }
  | { dist: "uniform"; minMs: number; maxMs: number }
  | { dist: "exponential"; meanMs: number };

export type UpstreamMode =
  | { mode: "echo" }
  | { mode: "slow"; delay: DelaySpec }
  | { mode: "failing"; ratio: number; kind: "reset" | "close" }
  | { mode: "refusing" };

export interface UpstreamStats {
  mode: UpstreamMode;
  accepted: number;
  active: number;
  failed: number;      // connections reset/closed on purpose in failing mode
  delayed: number;     // connections that went through a slow delay
  bytesEchoed: number;
  /** distinct client (source) addresses seen. */
  sourceAddresses: number;
}

export interface Upstream {
  readonly host: string;
  readonly port: number;
  setMode(mode: UpstreamMode): Promise<void>;
  stats(): UpstreamStats;
  close(): Promise<void>;
}

export function parseDelay(text: string): DelaySpec {
  let m = /^(?:fixed:)?(\d+(?:\.\d+)?)$/.exec(text);
  if (m) return { dist: "fixed", ms: Number(m[1]) };
  m = /^uniform:(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(text);
  if (m && Number(m[1]) <= Number(m[2])) return { dist: "uniform", minMs: Number(m[1]), maxMs: Number(m[2]) };
  m = /^exp:(\d+(?:\.\d+)?)$/.exec(text);
  if (m) return { dist: "exponential", meanMs: Number(m[1]) };
  throw new Error(`--delay: expected MS, fixed:MS, uniform:MIN-MAX or exp:MEAN, got "${text}"`);
}

export function drawDelayMs(d: DelaySpec, random: () => number = Math.random): number {
  switch (d.dist) {
    case "fixed": return d.ms;
    case "uniform": return d.minMs + (d.maxMs - d.minMs) * random();
    case "exponential": return -d.meanMs * Math.log(1 - random());
  }
}

/** Parses mode flags (the CLI's and the control channel's): --mode, --delay, --fail-ratio, --fail-kind. */
export function parseModeArgs(args: string[]): UpstreamMode {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new Error(`unexpected argument "${a}"`);
    const v = args[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
    flags.set(a.slice(2), v);
    i++;
  }
  const mode = flags.get("mode") ?? "echo";
  for (const k of flags.keys()) {
    const allowed: Record<string, string[]> = { echo: [], slow: ["delay"], failing: ["fail-ratio", "fail-kind"], refusing: [] };
    if (k !== "mode" && !(allowed[mode] ?? []).includes(k)) throw new Error(`--${k} does not apply to --mode ${mode}`);
  }
  switch (mode) {
    case "echo": return { mode: "echo" };
    case "refusing": return { mode: "refusing" };
    case "slow": return { mode: "slow", delay: parseDelay(flags.get("delay") ?? "100") };
    case "failing": {
      const ratio = Number(flags.get("fail-ratio") ?? "1");
      if (!(ratio >= 0 && ratio <= 1)) throw new Error(`--fail-ratio must be within 0..1, got "${flags.get("fail-ratio")}"`);
      const kind = flags.get("fail-kind") ?? "reset";
      if (kind !== "reset" && kind !== "close") throw new Error(`--fail-kind must be reset or close, got "${kind}"`);
      return { mode: "failing", ratio, kind };
    }
    default: throw new Error(`--mode must be echo, slow, failing or refusing, got "${mode}"`);
  }
}

export async function startUpstream(opts: { host?: string; port?: number; mode?: UpstreamMode } = {}): Promise<Upstream> {
  const host = opts.host ?? "127.0.0.1";
  let mode: UpstreamMode = opts.mode ?? { mode: "echo" };
  const sockets = new Set<net.Socket>();
  const st = { accepted: 0, failed: 0, delayed: 0, bytesEchoed: 0 };
  // Failing connections are spread evenly (not randomly) so a ratio of 0.5 is exactly every other
  // connection, which keeps short runs and tests reproducible.
  let failCredit = 0;
  const sources = new Set<string>();

  const echo = (socket: net.Socket) => {
    socket.on("data", (chunk: Buffer) => { st.bytesEchoed += chunk.length; });
    socket.pipe(socket);
  };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    st.accepted++;
    if (socket.remoteAddress) sources.add(socket.remoteAddress);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const m = mode;
    if (m.mode === "slow") {
      st.delayed++;
      socket.pause();
      const timer = setTimeout(() => echo(socket), drawDelayMs(m.delay));
      socket.on("close", () => clearTimeout(timer));
      return;
    }
    if (m.mode === "failing") {
      failCredit += m.ratio;
      if (failCredit >= 1 - 1e-9) {
        failCredit -= 1;
        socket.once("data", () => {
          st.failed++;
          if (m.kind === "reset") socket.resetAndDestroy();
          else socket.destroy();
        });
        return;
      }
    }
    echo(socket);
  });

  let listening = false;
  let boundPort = opts.port ?? 0;
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port: boundPort }, () => {
      server.off("error", reject);
      boundPort = (server.address() as net.AddressInfo).port;
      listening = true;
      resolve();
    });
  });
  const unlisten = () => new Promise<void>((resolve) => {
    if (!listening) { resolve(); return; }
    listening = false;
    // server.close() waits for open connections; we only want the port closed, so resolve now.
    server.close();
    resolve();
  });

  if (mode.mode !== "refusing") await listen();
  else {
    if (!boundPort) throw new Error("refusing mode needs an explicit --port (nothing to refuse on port 0)");
  }

  return {
    host,
    get port() { return boundPort; },
    async setMode(next: UpstreamMode) {
      mode = next;
      failCredit = 0;
      if (next.mode === "refusing") await unlisten();
      else if (!listening) await listen();
    },
    stats: () => ({ mode, active: sockets.size, ...st, sourceAddresses: sources.size }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await unlisten();
    },
  };
}

function emit(obj: object): void {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function splitArgs(line: string): string[] {
  return line.trim().split(/\s+/).filter(Boolean);
}

async function main(argv: string[]): Promise<void> {
  let port = 10001;
  let host = "127.0.0.1";
  let controlPort: number | undefined;
  let exitWithStdin = false;
  const modeArgs: string[] = [];
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === "--port") port = Number(v);
    else if (k === "--host") host = v;
    else if (k === "--control-port") controlPort = Number(v);
    else if (k === "--exit-with-stdin") exitWithStdin = v === "1" || v === "true";
    else modeArgs.push(k, v);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
  if (!/^127\./.test(host)) throw new Error(`--host must be a loopback address (127.x.x.x), got "${host}"`);
  const up = await startUpstream({ host, port, mode: parseModeArgs(modeArgs) });
  emit({ event: "listening", host: up.host, port: up.port, pid: process.pid, mode: up.stats().mode });

  const apply = async (args: string[]) => {
    if (args.length === 1 && args[0] === "stats") return { event: "stats", ...up.stats() };
    await up.setMode(parseModeArgs(args));
    return { event: "mode", mode: up.stats().mode };
  };

  const rl = readline.createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    apply(splitArgs(line)).then(emit, (e: Error) => emit({ event: "error", message: e.message }));
  });
  // Under a parent (run.ts), our stdin closing means the parent is gone: stop instead of lingering.
  if (exitWithStdin) rl.on("close", () => { void up.close().then(() => process.exit(0)); });

  if (controlPort !== undefined) {
    // GET /stats, GET /mode?mode=slow&delay=100 (query keys are the flag names without "--").
    http.createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      const args = url.pathname === "/stats" ? ["stats"]
        : url.pathname === "/mode" ? [...url.searchParams].flatMap(([k, v]) => [`--${k}`, v]) : null;
      if (!args) { res.writeHead(404).end("GET /stats or /mode?mode=...\n"); return; }
      apply(args).then(
        (r) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(r) + "\n"),
        (e: Error) => res.writeHead(400).end(e.message + "\n"));
    }).listen(controlPort, "127.0.0.1");
  }
  const stop = () => { void up.close().then(() => process.exit(0)); };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((e: Error) => {
    process.stderr.write(`upstream: ${e.message}\n`);
    process.exit(2);
  });
}
