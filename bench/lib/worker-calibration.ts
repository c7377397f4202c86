// Learns which worker of a SO_REUSEPORT listener group accepts each source tuple, by asking the
// proxy itself: connect from one tuple, then read the per-worker listener counters
// (listener.<addr>_<port>.worker_<k>.downstream_cx_total) on the admin endpoint until one of them
// has grown by exactly one. One probe at a time, so every increment is attributable; the admin
// read is filtered to those counters to stay small. Anything else connecting to the listener
// meanwhile makes a probe ambiguous: it is discarded, never guessed.
//
// The mapping holds while the listener group is unchanged (the kernel's hash secret is per boot,
// the group's order is the order the workers bound), so calibrate against the very process that
// will be measured.
import net from "node:net";
import { readFileSync } from "node:fs";
import { fetchText, parseStatsJson } from "./admin-stats.ts";
import { tupleKey, type SourceTuple } from "./tuple-pool.ts";

export interface CalibrationOptions {
  host: string; port: number;
  admin: { host: string; port: number };
  /** listener.<addr>_<port> (Envoy's listener stat prefix). */
  listenerStatPrefix: string;
  workers: number;
  candidates: SourceTuple[];
  /** stop once every worker has this many tuples. */
  perWorker: number;
  /** hard bound on the whole calibration. */
  timeoutMs: number;
  /** how long one probe may wait for its counter. */
  probeTimeoutMs?: number;
}

export interface CalibrationResult {
  mapping: Array<{ tuple: string; worker: number }>;
  probes: number;
  perWorker: number[];
  /** probes whose counters did not grow by exactly one on one worker, or whose connect failed. */
  ambiguous: number;
  failed: Record<string, number>;
  elapsedMs: number;
  msPerProbe: number;
  /** why it stopped: "enough" (every worker reached perWorker), "candidates", "timeout". */
  stoppedBy: "enough" | "candidates" | "timeout";
}

function escapeRe(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

async function readWorkerCounts(o: CalibrationOptions): Promise<number[]> {
  const filter = encodeURIComponent(`^${escapeRe(o.listenerStatPrefix)}\\.worker_\\d+\\.downstream_cx_total$`);
  const stats = parseStatsJson(await fetchText(`http://${o.admin.host}:${o.admin.port}/stats?format=json&filter=${filter}`));
  const counts = new Array<number>(o.workers).fill(0);
  let seen = 0;
  for (const [name, v] of stats) {
    const m = /\.worker_(\d+)\.downstream_cx_total$/.exec(name);
    if (!m) continue;
    const w = Number(m[1]);
    if (w >= o.workers) throw new Error(`calibration: admin reports ${name} but the proxy was said to have ${o.workers} workers`);
    counts[w] = v;
    seen++;
  }
  if (seen !== o.workers) throw new Error(`calibration: admin has ${seen} of ${o.workers} ${o.listenerStatPrefix}.worker_<k>.downstream_cx_total counters`);
  return counts;
}

/** Connects from `t`; resolves with the socket once connected, or the error code. */
function connectFrom(o: CalibrationOptions, t: SourceTuple): Promise<net.Socket | string> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: o.host, port: o.port, localAddress: t.address, localPort: t.port });
    const timer = setTimeout(() => { sock.destroy(); resolve("CONNECT_TIMEOUT"); }, 3000);
    sock.once("connect", () => { clearTimeout(timer); resolve(sock); });
    sock.once("error", (e: NodeJS.ErrnoException) => { clearTimeout(timer); sock.destroy(); resolve(e.code ?? "ERROR"); });
  });
}

export async function calibrateWorkers(o: CalibrationOptions): Promise<CalibrationResult> {
  const t0 = performance.now();
  const probeTimeoutMs = o.probeTimeoutMs ?? 2000;
  const mapping: CalibrationResult["mapping"] = [];
  const perWorker = new Array<number>(o.workers).fill(0);
  const failed: Record<string, number> = {};
  let ambiguous = 0;
  let probes = 0;
  let stoppedBy: CalibrationResult["stoppedBy"] = "candidates";
  let base = await readWorkerCounts(o);
  for (const t of o.candidates) {
    if (perWorker.every((n) => n >= o.perWorker)) { stoppedBy = "enough"; break; }
    if (performance.now() - t0 > o.timeoutMs) { stoppedBy = "timeout"; break; }
    probes++;
    const sock = await connectFrom(o, t);
    if (typeof sock === "string") { failed[sock] = (failed[sock] ?? 0) + 1; ambiguous++; base = await readWorkerCounts(o); continue; }
    // the handshake completes in the kernel; the worker's accept (and its counter) follows shortly
    const deadline = performance.now() + probeTimeoutMs;
    let now = base;
    let grown = 0;
    while (performance.now() < deadline) {
      now = await readWorkerCounts(o);
      grown = now.reduce((a, v, w) => a + v - base[w], 0);
      if (grown > 0) break;
    }
    sock.destroy();
    const w = now.findIndex((v, k) => v - base[k] === 1);
    if (grown === 1 && w >= 0) { mapping.push({ tuple: tupleKey(t), worker: w }); perWorker[w]++; }
    else ambiguous++;
    base = now;
  }
  if (stoppedBy === "candidates" && perWorker.every((n) => n >= o.perWorker)) stoppedBy = "enough";
  const elapsedMs = Math.round(performance.now() - t0);
  return { mapping, probes, perWorker, ambiguous, failed, elapsedMs, msPerProbe: probes ? Math.round((elapsedMs / probes) * 100) / 100 : 0, stoppedBy };
}

/** Ports with a listening TCP socket on this machine (any address): never usable as source ports. */
export function listeningPorts(): Set<number> {
  const out = new Set<number>();
  for (const f of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try { text = readFileSync(f, "utf8"); } catch { continue; }
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // st 0A = LISTEN
      if (cols.length > 3 && cols[3] === "0A") out.add(parseInt(cols[1].split(":")[1], 16));
    }
  }
  return out;
}
