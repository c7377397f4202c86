// The load client: runs in its own process (never inside the proxy it measures) and reports on
// stdout as JSON lines, one {"type":"interval"} per reporting interval and a final {"type":"summary"}.
//
//   open loop   new connections at the rate a schedule gives (steps, ramps, bursts), whatever the
//               proxy does with earlier ones; in-flight connections are capped, and an arrival the
//               client could not start within maxLagMs of its time (its own process stalled) is
//               not sent late in a burst: both count as `skipped`, never silently dropped
//   closed loop `connections` workers; each either reconnects back to back (connect, exchanges,
//               close, repeat) or holds one long-lived connection for the whole run
//
// Every connection: connect, then `exchanges` times write `payloadBytes` and wait for them to come
// back, optionally hold the connection `holdMs`, then half-close and wait for the peer's FIN.
// Its fate is exactly one of:
//   completed  every exchange echoed and closed cleanly
//   blocked    the peer closed (FIN or reset) after connect but before any byte came back: this is
//              how an L4 filter rejects a connection
//   refused    the connect itself was refused (nobody listening)
//   failed     anything else: connect timeout, no progress for ioTimeoutMs, a close mid-exchange,
//              other socket errors (counted by code in errorsByCode)
// so offered = completed + blocked + refused + failed + unfinished, checked in the summary.
//
// Run: node bench/lib/load-client.ts --port 10000 --mode closed --connections 8 --duration-ms 5000
//      node bench/lib/load-client.ts --port 10000 --mode open --schedule "500@2s,+200,500..2000@5s"
//      node bench/lib/load-client.ts --config '{"port":10000,...}'
import net from "node:net";
import { performance } from "node:perf_hooks";
import { Histogram, type LatencySummaryMs, type SparseHistogram } from "./histogram.ts";
import { parseSchedule, scheduledCount, type Schedule } from "./schedule.ts";
import { readFileSync } from "node:fs";
import { SkewSelector, checkSkewPlan } from "./tuple-pool.ts";

export interface LoadConfig {
  host: string;
  port: number;
  mode: "open" | "closed";
  /** open loop: compact schedule (see schedule.ts). */
  schedule: string;
  /** closed loop: number of concurrent workers. */
  connections: number;
  /** closed loop: reconnect back to back (true) or one long-lived connection per worker (false). */
  reconnect: boolean;
  /** closed loop: run length. Open loop: the schedule's length unless set longer (to keep reporting). */
  durationMs: number;
  payloadBytes: number;
  /** exchanges per connection; 0 = keep exchanging until the run ends (long-lived connections). */
  exchanges: number;
  /** keep the connection open this long after the last exchange (for concurrency tests). */
  holdMs: number;
  intervalMs: number;
  connectTimeoutMs: number;
  /** a connection making no progress for this long is failed and destroyed. */
  ioTimeoutMs: number;
  maxInFlight: number;
  /** hard cap on connections started in the whole run. */
  maxConnections: number;
  /**
   * open loop: an arrival that could not be started within this many ms of its scheduled time
   * (the client process was stalled) is counted as `skipped` instead of being sent in a catch-up
   * burst the schedule never asked for.
   */
  maxLagMs: number;
  /** after the run, how long in-flight connections may take to finish before being destroyed. */
  drainMs: number;
  /** >1: spread connections over source addresses 127.0.0.1 .. 127.0.0.N (bind before connect). */
  sourceAddresses: number;
  /**
   * >0: start the run on a wall-clock multiple of this many ms, so intervals line up with a
   * proxy's time windows (Sentinel's buckets are aligned to wall-clock multiples of their length).
   */
  alignToMs: number;
  /**
   * open loop: a JSON file {"shares":[...],"pools":[["127.0.0.x:port",...],...]} (tuple-pool.ts):
   * each arrival binds a source tuple calibrated to land on the worker its share picks, so the
   * spread over SO_REUSEPORT workers is chosen by the client. "" = the kernel's own spread.
   */
  skewPlanFile: string;
  /**
   * >0: also count offered (by start) and admitted (by first byte) connections in buckets of this
   * many ms of wall-clock time (Date.now(), multiples of it), whatever the report timer does:
   * a rate limiter's stat windows are wall-clock aligned, and a report interval stretched by a
   * client stall (1098 ms, then 902 ms) would otherwise mix two windows.
   */
  wallClockBucketMs: number;
}

export const DEFAULT_CONFIG: LoadConfig = {
  host: "127.0.0.1", port: 10000, mode: "closed", schedule: "100@5s", connections: 8, reconnect: true,
  durationMs: 5000, payloadBytes: 64, exchanges: 1, holdMs: 0, intervalMs: 1000, connectTimeoutMs: 5000,
  ioTimeoutMs: 10000, maxInFlight: 20000, maxConnections: 5_000_000, maxLagMs: 250, drainMs: 5000, sourceAddresses: 1, alignToMs: 0, skewPlanFile: "", wallClockBucketMs: 0,
};

export function resolveConfig(partial: Partial<LoadConfig>): LoadConfig {
  const c = { ...DEFAULT_CONFIG, ...partial } as LoadConfig;
  for (const k of Object.keys(partial)) if (!(k in DEFAULT_CONFIG)) throw new Error(`load config: unknown field "${k}"`);
  const int = (k: keyof LoadConfig, min: number, max: number) => {
    const v = c[k] as number;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new Error(`load config: ${k} must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
  };
  if (!/^127\.\d+\.\d+\.\d+$/.test(c.host)) throw new Error(`load config: host must be a loopback address (127.x.x.x), got "${c.host}"`);
  int("port", 1, 65535);
  if (c.mode !== "open" && c.mode !== "closed") throw new Error(`load config: mode must be "open" or "closed", got ${JSON.stringify(c.mode)}`);
  int("connections", 1, 20000);
  int("durationMs", 0, 3_600_000);
  int("payloadBytes", 1, 64 * 1024 * 1024);
  int("exchanges", 0, 1_000_000);
  int("holdMs", 0, 3_600_000);
  int("intervalMs", 50, 60_000);
  int("connectTimeoutMs", 1, 600_000);
  int("ioTimeoutMs", 1, 600_000);
  int("maxInFlight", 1, 60000);
  int("maxConnections", 1, 100_000_000);
  int("maxLagMs", 1, 600_000);
  int("drainMs", 0, 600_000);
  int("sourceAddresses", 1, 254);
  int("alignToMs", 0, 60_000);
  int("wallClockBucketMs", 0, 60_000);
  if (typeof c.skewPlanFile !== "string") throw new Error(`load config: skewPlanFile must be a file name`);
  if (c.skewPlanFile && c.mode !== "open") throw new Error(`load config: skewPlanFile is for the open loop only`);
  if (c.skewPlanFile && c.sourceAddresses > 1) throw new Error(`load config: skewPlanFile and sourceAddresses both choose source addresses; give one`);
  if (typeof c.reconnect !== "boolean") throw new Error(`load config: reconnect must be true or false`);
  // open loop: the schedule sets the length unless durationMs asks to keep reporting beyond it
  if (c.mode === "open") c.durationMs = partial.durationMs ?? parseSchedule(c.schedule).durationMs;
  if (c.mode === "closed" && c.durationMs === 0) throw new Error("load config: closed loop needs durationMs > 0");
  if (c.exchanges === 0 && c.mode === "open") throw new Error("load config: exchanges 0 (until the end) is for closed-loop long-lived connections only");
  return c;
}

export interface Counters {
  offered: number; connected: number; admitted: number; completed: number; blocked: number;
  blockedByReset: number; refused: number; failed: number; skipped: number; bytesOut: number; bytesIn: number;
}

function zeroCounters(): Counters {
  return { offered: 0, connected: 0, admitted: 0, completed: 0, blocked: 0, blockedByReset: 0, refused: 0, failed: 0, skipped: 0, bytesOut: 0, bytesIn: 0 };
}

export interface IntervalReport extends Counters {
  type: "interval";
  index: number;
  /** wall-clock ms when the run started (tMs is relative to it), to line up with other processes. */
  t0EpochMs: number;
  /** end of this interval, ms since the run started, and its actual length. */
  tMs: number;
  intervalMs: number;
  active: number;
  maxActive: number;
  /** connections that got their first byte and are not closed yet: what a concurrency limit bounds. */
  activeAdmitted: number;
  maxActiveAdmitted: number;
  latency: LatencySummaryMs;
  latencyHist: SparseHistogram;
  latencyMaxUs: number;
  latencySumUs: number;
  /** with a skew plan: arrivals the client sent towards each worker, and those admitted. */
  offeredByWorker?: number[];
  admittedByWorker?: number[];
}

export interface SummaryReport extends Counters {
  type: "summary";
  config: LoadConfig;
  elapsedMs: number;
  /** the load phase only (excludes draining), the denominator for rates. */
  loadMs: number;
  unfinished: number;
  maxActive: number;
  maxActiveAdmitted: number;
  conserved: boolean;
  errorsByCode: Record<string, number>;
  latency: LatencySummaryMs;
  latencyHist: SparseHistogram;
  latencyMaxUs: number;
  latencySumUs: number;
  clientCpuMs: number;
  aborted: boolean;
  offeredByWorker?: number[];
  admittedByWorker?: number[];
  wallClock?: WallClockBuckets;
}

export interface WallClockBuckets {
  bucketMs: number;
  /** epoch ms where bucket 0 starts (a multiple of bucketMs). */
  firstEpochMs: number;
  offered: number[];
  admitted: number[];
  /** with a skew plan: admitted per bucket per worker. */
  admittedByWorker?: number[][];
}

type Fate = "completed" | "blocked" | "refused" | "failed";

export function runLoad(config: LoadConfig, onReport: (r: IntervalReport | SummaryReport) => void): { done: Promise<SummaryReport>; abort: () => void } {
  const c = config;
  const payload = Buffer.alloc(c.payloadBytes, 0x61);
  const total = zeroCounters();
  let iv = zeroCounters();
  const ivHist = new Histogram();
  const allHist = new Histogram();
  const errorsByCode: Record<string, number> = {};
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const t0EpochMs = Date.now();
  const schedule: Schedule | undefined = c.mode === "open" ? parseSchedule(c.schedule) : undefined;
  const loadMs = schedule ? Math.max(schedule.durationMs, c.durationMs) : c.durationMs;
  let active = 0;
  let maxActive = 0;
  let ivMaxActive = 0;
  let activeAdmitted = 0;
  let maxActiveAdmitted = 0;
  let ivMaxActiveAdmitted = 0;
  let started = 0;
  let loadOver = false;
  let aborted = false;
  let intervalIndex = 0;
  let lastReportMs = 0;
  const selector = c.skewPlanFile ? new SkewSelector(checkSkewPlan(JSON.parse(readFileSync(c.skewPlanFile, "utf8")))) : undefined;
  const nWorkers = selector ? selector.plan.shares.length : 0;
  const byWorker = () => ({ offered: new Array<number>(nWorkers).fill(0), admitted: new Array<number>(nWorkers).fill(0) });
  const totalByWorker = byWorker();
  let ivByWorker = byWorker();
  const wall = c.wallClockBucketMs > 0 ? { first: Math.floor(Date.now() / c.wallClockBucketMs), offered: [] as number[], admitted: [] as number[], byWorker: [] as number[][] } : undefined;
  const wallBump = (arr: number[]) => {
    const i = Math.floor(Date.now() / c.wallClockBucketMs) - wall!.first;
    while (arr.length <= i) arr.push(0);
    arr[i]++;
    return i;
  };
  // tuples with a live socket: binding one again would fail
  const busyTuples = new Set<string>();

  interface Conn { worker: number; tupleKey?: string; sock: net.Socket; startMs: number; lastProgressMs: number; gotByte: boolean; pending: number; exchangesDone: number; fate?: Fate; ended: boolean; sentEnd: boolean; connected: boolean; code?: string; holdTimer?: NodeJS.Timeout }
  const live = new Set<Conn>();
  let resolveDone!: (s: SummaryReport) => void;
  const done = new Promise<SummaryReport>((r) => { resolveDone = r; });

  const bump = (k: keyof Counters, n = 1) => { total[k] += n; iv[k] += n; };

  const finish = (conn: Conn, fate: Fate, code?: string) => {
    if (conn.fate) return;
    conn.fate = fate;
    if (code && fate !== "completed") errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
    bump(fate);
    if (fate === "blocked" && code === "ECONNRESET") bump("blockedByReset");
  };

  const sendExchange = (conn: Conn) => {
    conn.pending = payload.length;
    conn.sock.write(payload);
    bump("bytesOut", payload.length);
  };

  const closeGracefully = (conn: Conn) => {
    if (conn.sentEnd) return;
    conn.sentEnd = true;
    conn.sock.end();
  };

  const afterExchange = (conn: Conn) => {
    conn.exchangesDone++;
    const more = c.exchanges === 0 ? !loadOver : conn.exchangesDone < c.exchanges;
    if (more) { sendExchange(conn); return; }
    if (c.holdMs > 0 && !loadOver) conn.holdTimer = setTimeout(() => closeGracefully(conn), c.holdMs);
    else closeGracefully(conn);
  };

  const startConnection = (onClosed?: () => void, pick?: { worker: number; key: string; tuple: { address: string; port: number } }) => {
    started++;
    bump("offered");
    if (wall) wallBump(wall.offered);
    const nowMs = performance.now();
    const opts: net.NetConnectOpts = { host: c.host, port: c.port, allowHalfOpen: true, noDelay: true };
    if (c.sourceAddresses > 1) (opts as net.TcpNetConnectOpts).localAddress = `127.0.0.${1 + (started % c.sourceAddresses)}`;
    if (pick) {
      Object.assign(opts, { localAddress: pick.tuple.address, localPort: pick.tuple.port });
      busyTuples.add(pick.key);
      totalByWorker.offered[pick.worker]++;
      ivByWorker.offered[pick.worker]++;
    }
    const sock = net.connect(opts);
    const conn: Conn = { worker: pick ? pick.worker : -1, tupleKey: pick?.key, sock, startMs: nowMs, lastProgressMs: nowMs, gotByte: false, pending: 0, exchangesDone: 0, ended: false, sentEnd: false, connected: false };
    live.add(conn);
    active++;
    if (active > maxActive) maxActive = active;
    if (active > ivMaxActive) ivMaxActive = active;
    sock.on("connect", () => {
      conn.connected = true;
      conn.lastProgressMs = performance.now();
      bump("connected");
      sendExchange(conn);
    });
    sock.on("data", (chunk: Buffer) => {
      const now = performance.now();
      conn.lastProgressMs = now;
      bump("bytesIn", chunk.length);
      if (!conn.gotByte) {
        conn.gotByte = true;
        bump("admitted");
        if (conn.worker >= 0) { totalByWorker.admitted[conn.worker]++; ivByWorker.admitted[conn.worker]++; }
        if (wall) {
          const i = wallBump(wall.admitted);
          if (conn.worker >= 0) {
            while (wall.byWorker.length <= i) wall.byWorker.push(new Array<number>(nWorkers).fill(0));
            wall.byWorker[i][conn.worker]++;
          }
        }
        activeAdmitted++;
        if (activeAdmitted > maxActiveAdmitted) maxActiveAdmitted = activeAdmitted;
        if (activeAdmitted > ivMaxActiveAdmitted) ivMaxActiveAdmitted = activeAdmitted;
        const us = (now - conn.startMs) * 1000;
        ivHist.record(us);
        allHist.record(us);
      }
      conn.pending -= chunk.length;
      if (conn.pending < 0) { finish(conn, "failed", "EXTRA_BYTES"); sock.destroy(); return; }
      if (conn.pending === 0) afterExchange(conn);
    });
    sock.on("end", () => {
      conn.ended = true;
      if (!conn.gotByte) finish(conn, "blocked", "FIN");
      else if (!conn.sentEnd || conn.pending > 0) finish(conn, "failed", "CLOSED_MID_EXCHANGE");
      // our FIN went out already (allowHalfOpen): the socket closes now; otherwise close it.
      if (!conn.sentEnd) sock.destroy();
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "ERROR";
      if (!conn.connected && code === "ECONNREFUSED") finish(conn, "refused", code);
      else if (conn.connected && !conn.gotByte && (code === "ECONNRESET" || code === "EPIPE")) finish(conn, "blocked", "ECONNRESET");
      else finish(conn, "failed", code);
    });
    sock.on("close", () => {
      if (conn.holdTimer) clearTimeout(conn.holdTimer);
      if (!conn.fate) {
        if (conn.ended && conn.sentEnd && conn.pending === 0 && conn.gotByte) finish(conn, "completed");
        else if (conn.connected && !conn.gotByte) finish(conn, "blocked", "CLOSED");
        else finish(conn, "failed", "CLOSED");
      }
      live.delete(conn);
      if (conn.tupleKey) busyTuples.delete(conn.tupleKey);
      active--;
      if (conn.gotByte) activeAdmitted--;
      if (onClosed) setImmediate(onClosed);
      maybeFinish();
    });
  };

  // One sweep for every timeout instead of a timer per connection.
  const sweep = setInterval(() => {
    const now = performance.now();
    for (const conn of live) {
      const limit = conn.connected ? c.ioTimeoutMs : c.connectTimeoutMs;
      // a held connection is idle by design
      if (conn.holdTimer && !conn.sentEnd) continue;
      if (now - conn.lastProgressMs > limit) {
        finish(conn, "failed", conn.connected ? "IO_TIMEOUT" : "CONNECT_TIMEOUT");
        conn.sock.destroy();
      }
    }
  }, 100);

  const report = (final: boolean) => {
    const now = performance.now() - t0;
    const r: IntervalReport = {
      type: "interval", index: intervalIndex++, t0EpochMs, tMs: Math.round(now), intervalMs: Math.round(now - lastReportMs),
      ...iv, active, maxActive: ivMaxActive, activeAdmitted, maxActiveAdmitted: ivMaxActiveAdmitted,
      latency: ivHist.summaryMs(), latencyHist: ivHist.toSparse(), latencyMaxUs: ivHist.maxUs, latencySumUs: ivHist.sumUs,
      ...(selector ? { offeredByWorker: ivByWorker.offered, admittedByWorker: ivByWorker.admitted } : {}),
    };
    lastReportMs = now;
    iv = zeroCounters();
    ivByWorker = byWorker();
    ivHist.reset();
    ivMaxActive = active;
    ivMaxActiveAdmitted = activeAdmitted;
    if (r.intervalMs > 0 || !final) onReport(r);
  };
  // Intervals are aligned to the run start so interval i covers [i, i+1) * intervalMs.
  let nextReport = c.intervalMs;
  let reportTimer: NodeJS.Timeout;
  const scheduleReport = () => {
    reportTimer = setTimeout(() => {
      report(false);
      nextReport += c.intervalMs;
      scheduleReport();
    }, Math.max(0, t0 + nextReport - performance.now()));
  };
  scheduleReport();

  let drainTimer: NodeJS.Timeout | undefined;
  let finished = false;
  const maybeFinish = () => {
    if (!loadOver || finished || active > 0) return;
    finished = true;
    clearInterval(sweep);
    clearTimeout(reportTimer);
    if (drainTimer) clearTimeout(drainTimer);
    report(true);
    const cpu = process.cpuUsage(cpu0);
    const unfinished = total.offered - total.completed - total.blocked - total.refused - total.failed;
    const s: SummaryReport = {
      type: "summary", config: c, ...total, elapsedMs: Math.round(performance.now() - t0), loadMs, unfinished, maxActive, maxActiveAdmitted,
      conserved: unfinished === 0, errorsByCode,
      latency: allHist.summaryMs(), latencyHist: allHist.toSparse(), latencyMaxUs: allHist.maxUs, latencySumUs: allHist.sumUs,
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000), aborted,
      ...(selector ? { offeredByWorker: totalByWorker.offered, admittedByWorker: totalByWorker.admitted } : {}),
      ...(wall ? { wallClock: wallClockReport(wall, c.wallClockBucketMs, nWorkers) } : {}),
    };
    onReport(s);
    resolveDone(s);
  };

  const endLoad = () => {
    if (loadOver) return;
    loadOver = true;
    // Long-lived connections in their hold stop holding; exchanges in flight finish (afterExchange
    // sees loadOver). Whatever is still open after drainMs is destroyed and counted failed.
    for (const conn of live) {
      if (conn.holdTimer && !conn.sentEnd) { clearTimeout(conn.holdTimer); closeGracefully(conn); }
    }
    drainTimer = setTimeout(() => {
      for (const conn of live) { finish(conn, "failed", "DRAIN_TIMEOUT"); conn.sock.destroy(); }
    }, c.drainMs);
    maybeFinish();
  };

  if (schedule) {
    const tick = () => {
      if (loadOver) return;
      const elapsed = performance.now() - t0;
      const due = Math.min(Math.floor(scheduledCount(schedule, elapsed)), schedule.totalCount, c.maxConnections);
      const overdue = Math.min(Math.floor(scheduledCount(schedule, elapsed - c.maxLagMs)), due);
      if (started + total.skipped < overdue) bump("skipped", overdue - started - total.skipped);
      while (started + total.skipped < due) {
        if (active >= c.maxInFlight) { bump("skipped"); continue; }
        if (selector) {
          const pick = selector.next((k) => busyTuples.has(k));
          if (!pick) { bump("skipped"); continue; }
          startConnection(undefined, pick);
        } else startConnection();
      }
      if (elapsed >= loadMs || started + total.skipped >= c.maxConnections) { endLoad(); return; }
      setTimeout(tick, 1);
    };
    tick();
  } else {
    const worker = () => {
      if (loadOver || started >= c.maxConnections) return;
      startConnection(c.reconnect ? worker : undefined);
    };
    for (let i = 0; i < c.connections; i++) worker();
    setTimeout(endLoad, c.durationMs);
  }

  const abort = () => {
    aborted = true;
    endLoad();
    for (const conn of live) { finish(conn, "failed", "ABORTED"); conn.sock.destroy(); }
  };
  return { done, abort };
}

function wallClockReport(w: { first: number; offered: number[]; admitted: number[]; byWorker: number[][] }, bucketMs: number, nWorkers: number): WallClockBuckets {
  const n = Math.max(w.offered.length, w.admitted.length);
  const pad = (a: number[]) => { while (a.length < n) a.push(0); return a; };
  const out: WallClockBuckets = { bucketMs, firstEpochMs: w.first * bucketMs, offered: pad(w.offered), admitted: pad(w.admitted) };
  if (nWorkers > 0) {
    while (w.byWorker.length < n) w.byWorker.push(new Array<number>(nWorkers).fill(0));
    out.admittedByWorker = w.byWorker.map((b) => b ?? new Array<number>(nWorkers).fill(0));
  }
  return out;
}

const FLAG_TYPES: Record<string, "string" | "number" | "boolean"> = {
  host: "string", port: "number", mode: "string", schedule: "string", connections: "number", reconnect: "boolean",
  durationMs: "number", payloadBytes: "number", exchanges: "number", holdMs: "number", intervalMs: "number",
  connectTimeoutMs: "number", ioTimeoutMs: "number", maxInFlight: "number", maxConnections: "number", maxLagMs: "number", drainMs: "number",
  sourceAddresses: "number", alignToMs: "number", skewPlanFile: "string", wallClockBucketMs: "number",
};

export function parseClientArgs(argv: string[]): LoadConfig {
  const partial: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!flag.startsWith("--") || value === undefined) throw new Error(`expected --flag value pairs, got "${flag}"`);
    if (flag === "--config") { Object.assign(partial, JSON.parse(value)); continue; }
    const key = flag.slice(2).replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
    const type = FLAG_TYPES[key];
    if (!type) throw new Error(`unknown flag ${flag}`);
    if (type === "number") {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new Error(`${flag} must be a number, got "${value}"`);
      partial[key] = n;
    } else if (type === "boolean") {
      if (value !== "true" && value !== "false") throw new Error(`${flag} must be true or false, got "${value}"`);
      partial[key] = value === "true";
    } else partial[key] = value;
  }
  return resolveConfig(partial as Partial<LoadConfig>);
}

if (import.meta.main) {
  try {
    const config = parseClientArgs(process.argv.slice(2));
    if (config.alignToMs > 0) await new Promise((r) => setTimeout(r, config.alignToMs - (Date.now() % config.alignToMs)));
    const run = runLoad(config, (r) => process.stdout.write(JSON.stringify(r) + "\n"));
    process.on("SIGTERM", run.abort);
    process.on("SIGINT", run.abort);
    await run.done;
    process.exit(0);
  } catch (e) {
    process.stderr.write(`load-client: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
