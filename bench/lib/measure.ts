// One measured load phase: a load client process against one target, with the CPU the target (and
// the upstream and the client) used during it, and the target's admin stats before and after.
import path from "node:path";
import { spawnNode, processCpuMs } from "./procs.ts";
import { BENCH_DIR, type Target, type UpstreamProc } from "./targets.ts";
import { statDelta, crossCheck, type CrossCheck } from "./admin-stats.ts";
import { readUntilSteady } from "../../host/test/e2e/net-helpers.ts";
import type { IntervalReport, LoadConfig, SummaryReport } from "./load-client.ts";
import { parseSchedule } from "./schedule.ts";

export interface PhaseResult {
  target: string;
  phase: string;
  round: number;
  /** ms since the scenario started, when this phase started. */
  startMs: number;
  summary: SummaryReport;
  intervals: IntervalReport[];
  connPerSec: number;       // completed connections per second of the run
  mbPerSec: number;         // echoed payload MB (1e6 bytes) per second, client receive side
  proxyCpuMs: number;
  upstreamCpuMs: number;
  proxyCpuUsPerConn: number;
  proxyCpuMsPerMB: number;
  upstreamAccepted: number;
  crossChecks: CrossCheck[];
}

const STATS_SETTLE_MS = 3000;
const CLIENT_EXIT_GRACE_MS = 2000;

export type IntervalListener = (r: IntervalReport, target: Target, phase: string) => void;

export async function runClient(config: Partial<LoadConfig>, onInterval?: (r: IntervalReport) => void): Promise<{ summary: SummaryReport; intervals: IntervalReport[] }> {
  const child = spawnNode("load-client", [path.join(BENCH_DIR, "lib/load-client.ts"), "--config", JSON.stringify(config)]);
  const intervals: IntervalReport[] = [];
  child.onMessage((m) => {
    if (m.type !== "interval") return;
    const r = m as unknown as IntervalReport;
    onInterval?.(r);
    // Per-interval percentiles are kept; the interval's raw histogram is not (the phase summary
    // keeps the merged one), which keeps results files small.
    intervals.push({ ...r, latencyHist: [] });
  });
  const loadMs = Math.max(config.durationMs ?? 0, config.mode === "open" && config.schedule ? parseSchedule(config.schedule).durationMs : 0);
  const limitMs = loadMs + (config.drainMs ?? 5000) + (config.alignToMs ?? 0) + (config.holdMs ?? 0) + 30_000;
  const summary = (await child.waitFor((m) => m.type === "summary", limitMs)) as unknown as SummaryReport;
  // Its work is done once the summary is out. Node has been seen to hang inside process.exit()
  // (futex wait, every socket closed) on this machine: don't let that stall the run.
  const exitedInTime = await Promise.race([child.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), CLIENT_EXIT_GRACE_MS))]);
  if (!exitedInTime) await child.stop();
  return { summary, intervals };
}

export async function measurePhase(opts: {
  target: Target; upstream: UpstreamProc; phase: string; round: number; scenarioStartMs: number;
  config: Partial<LoadConfig>; onInterval?: IntervalListener;
}): Promise<PhaseResult> {
  const { target, upstream } = opts;
  const statsBefore = target.stats ? await target.stats() : undefined;
  const upBefore = await upstream.stats();
  const cpu0 = processCpuMs(target.pid);
  const ucpu0 = processCpuMs(upstream.child.pid);
  const startMs = Date.now() - opts.scenarioStartMs;
  const { summary, intervals } = await runClient({ ...opts.config, port: target.port }, (r) => opts.onInterval?.(r, target, opts.phase));
  const proxyCpuMs = processCpuMs(target.pid) - cpu0;
  const upstreamCpuMs = processCpuMs(upstream.child.pid) - ucpu0;
  const upAfter = await upstream.stats();
  const upstreamAccepted = upAfter.accepted - upBefore.accepted;
  // Connections the proxy closed before any byte (blocked) never reach the upstream, and bytes the
  // clients wrote on them may or may not have been read: byte checks only hold without blocking.
  const passedOn = summary.connected - summary.blocked;
  const checks: CrossCheck[] = [
    { what: "upstream accepted = client connections not blocked", stat: "(upstream process)", proxy: upstreamAccepted, clients: passedOn, ok: upstreamAccepted === passedOn },
  ];
  if (target.stats && statsBefore && target.config) {
    const cfg = target.config;
    const expectations = [
      { what: "listener accepted = client connections", stat: `${cfg.listenerStatPrefix}.downstream_cx_total`, clients: summary.connected },
      ...cfg.tcpStatPrefixes.flatMap((p) => [
        { what: "tcp_proxy connections = client connections", stat: `${p}.downstream_cx_total`, clients: summary.connected },
        ...(summary.blocked > 0 ? [] : [
          { what: "tcp_proxy bytes from downstream = client bytes sent", stat: `${p}.downstream_cx_rx_bytes_total`, clients: summary.bytesOut },
        ]),
        { what: "tcp_proxy bytes to downstream = client bytes received", stat: `${p}.downstream_cx_tx_bytes_total`, clients: summary.bytesIn },
      ]),
      ...cfg.clusters.map((c) => ({ what: "cluster upstream connections = upstream accepted", stat: `${c}.upstream_cx_total`, clients: upstreamAccepted })),
    ];
    // Proxies may publish counters on a timer (the host batches byte counters, as Envoy's stats
    // flush): read until everything matches or two reads in a row agree, within STATS_SETTLE_MS.
    const readChecks = async () => crossCheck(statDelta(statsBefore, await target.stats!()), expectations);
    checks.push(...await readUntilSteady(readChecks, (cs) => JSON.stringify(cs.map((c) => c.proxy)),
      { gapMs: 250, maxMs: STATS_SETTLE_MS, done: (cs) => cs.every((c) => c.ok) }));
  }
  const secs = summary.elapsedMs / 1000;
  return {
    target: target.key, phase: opts.phase, round: opts.round, startMs, summary, intervals,
    connPerSec: summary.completed / secs,
    mbPerSec: summary.bytesIn / 1e6 / secs,
    proxyCpuMs, upstreamCpuMs,
    proxyCpuUsPerConn: summary.completed > 0 ? (proxyCpuMs * 1000) / summary.completed : 0,
    proxyCpuMsPerMB: summary.bytesIn > 0 ? proxyCpuMs / (summary.bytesIn / 1e6) : 0,
    upstreamAccepted,
    crossChecks: checks,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
