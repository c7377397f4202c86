// The shared core of `host-overhead` and `overhead`: several proxies (variants) in front of one
// echo upstream, measured in alternating rounds within one run so drift on a shared machine hits
// them alike. Each round runs, per variant, a connections/s phase (closed loop, back-to-back
// short connections: connect, 64 B echo, close) and an MB/s phase (long-lived connections
// echoing 64 KiB messages), and with `fixedRate` set a fixed-rate phase (open loop: that many of the
// same short connections per second, whatever the proxy does, so every variant does the same work
// in the same time; CPU per connection there is not shaped by who wins the cores at saturation), and
// with `pin` set a pinned phase (the conn/s phase again with the proxy on CPUs of its own and the
// client, the upstream and this driver on the others: what the proxy costs when it does not share
// its cores with the load).
// Round r starts with variant r mod n, so no variant always goes first.
import { Histogram } from "../lib/histogram.ts";
import { measurePhase, median, type PhaseResult } from "../lib/measure.ts";
import { startUpstreamProc, type Target, type UpstreamProc } from "../lib/targets.ts";
import type { Progress } from "../lib/progress.ts";
import type { LoadConfig } from "../lib/load-client.ts";
import type { Panel, Series } from "../lib/svg.ts";
import type { CrossCheck } from "../lib/admin-stats.ts";
import { allowedCpus, whilePinned, type PinSpec } from "../lib/cpu-pin.ts";

export interface Variant {
  key: string;
  label: string;
  /** Starts the target, or returns a reason to skip it (e.g. its module is not built yet). */
  start(upstreamPort: number, concurrency: number): Promise<Target | { skip: string }>;
}

export interface CompareSettings {
  concurrency: number;
  rounds: number;
  warmupMs: number;
  cpsMs: number;
  mbpsMs: number;
  cpsWorkers: number;
  cpsPayloadBytes: number;
  mbpsConnections: number;
  mbpsPayloadBytes: number;
  /** Connections per second offered in each round's fixed-rate phase (cpsMs long); 0: no such phase. */
  fixedRate: number;
  /** CPUs of the proxy and of everything else in each round's pinned phase; null: no such phase. */
  pin: PinSpec | null;
}

export type PhaseKind = "cps" | "mbps" | "rate" | "pinned";

export interface VariantFigures {
  key: string;
  label: string;
  kind: "plain" | "host";
  connPerSec: number;          // median over rounds
  connPerSecRounds: number[];
  mbPerSec: number;            // median over rounds
  mbPerSecRounds: number[];
  latencyP50Ms: number;        // connect-to-first-byte, all cps rounds merged
  latencyP99Ms: number;
  proxyCpuUsPerConn: number;   // median over rounds
  proxyCpuMsPerMB: number;     // median over rounds
  /** Median over rounds of CPU µs per connection in the fixed-rate phases; null without them. */
  fixedRateCpuUsPerConn: number | null;
  /** Medians over rounds of the pinned phases; null without them. */
  pinnedConnPerSec: number | null;
  pinnedCpuUsPerConn: number | null;
  errors: number;              // blocked + refused + failed, all phases
  /** CPU use during the conn/s phases (median, % of one core): who was busy. */
  proxyCpuPct: number;
  upstreamCpuPct: number;
  clientCpuPct: number;
}

export interface CompareResult {
  settings: CompareSettings;
  variants: VariantFigures[];
  skipped: Array<{ key: string; label: string; reason: string }>;
  phases: PhaseResult[];
  crossCheckMismatches: Array<CrossCheck & { target: string; phase: string; round: number }>;
  crossChecksTotal: number;
  plannedMs: number;
}

const INTERVAL_MS = 500;
/** Starting a load client process between phases (not part of any measurement). */
const SPAWN_MS = 250;

export function plannedMs(s: CompareSettings, variants: number): number {
  const phases = roundPhases(s);
  const perRound = phases.reduce((ms, ph) => ms + phaseMs(s, ph), 0);
  return variants * (2 * s.warmupMs + s.rounds * perRound + (2 + phases.length * s.rounds) * SPAWN_MS) + 3000;
}

/** A phase's length: the fixed-rate phase lasts as long as the conn/s phase it is set beside. */
function phaseMs(s: CompareSettings, phase: PhaseKind): number {
  return phase === "mbps" ? s.mbpsMs : s.cpsMs;
}

export function roundPhases(s: CompareSettings): PhaseKind[] {
  const phases: PhaseKind[] = ["cps", "mbps"];
  if (s.fixedRate > 0) phases.push("rate");
  if (s.pin) phases.push("pinned");
  return phases;
}

export function phaseConfig(s: CompareSettings, phase: PhaseKind, durationMs: number): Partial<LoadConfig> {
  if (phase === "cps" || phase === "pinned") return { mode: "closed", reconnect: true, connections: s.cpsWorkers, payloadBytes: s.cpsPayloadBytes, exchanges: 1, durationMs, intervalMs: INTERVAL_MS };
  if (phase === "mbps") return { mode: "closed", reconnect: false, connections: s.mbpsConnections, payloadBytes: s.mbpsPayloadBytes, exchanges: 0, durationMs, intervalMs: INTERVAL_MS };
  return { mode: "open", schedule: `${s.fixedRate}@${durationMs / 1000}s`, payloadBytes: s.cpsPayloadBytes, exchanges: 1, intervalMs: INTERVAL_MS };
}

export async function runCompare(variants: Variant[], s: CompareSettings, progress: Progress): Promise<CompareResult> {
  const scenarioStart = Date.now();
  // What every process may use outside the pinned phases (read before anything is pinned).
  const unpinned = s.pin ? allowedCpus() : [];
  const upstream: UpstreamProc = await startUpstreamProc();
  const targets: Target[] = [];
  const skipped: CompareResult["skipped"] = [];
  const started = await Promise.all(variants.map(async (v) => ({ v, t: await v.start(upstream.port, s.concurrency) })));
  for (const { v, t } of started) {
    if ("skip" in t) { skipped.push({ key: v.key, label: v.label, reason: t.skip }); progress.note(`skipping ${v.label}: ${t.skip}`); }
    else targets.push(t);
  }
  progress.plannedMs = plannedMs(s, targets.length) + (Date.now() - progress.t0);
  const phases: PhaseResult[] = [];
  const onInterval = (r: Parameters<Progress["interval"]>[0]) => progress.interval(r);

  // Warm-up: JIT and socket caches of every process, for each kind of phase; not recorded.
  for (const t of targets) {
    for (const ph of ["cps", "mbps"] as const) {
      progress.setPhase(`warm-up ${t.label} ${ph}`);
      await measurePhase({ target: t, upstream, phase: ph, round: -1, scenarioStartMs: scenarioStart, config: phaseConfig(s, ph, s.warmupMs), onInterval });
    }
  }
  for (let round = 0; round < s.rounds; round++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(round + i) % targets.length];
      for (const ph of roundPhases(s)) {
        progress.setPhase(`round ${round + 1}/${s.rounds} ${t.label} ${PHASE_NAMES[ph](s)}`);
        const measure = () => measurePhase({ target: t, upstream, phase: ph, round, scenarioStartMs: scenarioStart, config: phaseConfig(s, ph, phaseMs(s, ph)), onInterval });
        // Pinned: the load client is started by this driver after the pinning, so it inherits the driver's CPUs.
        phases.push(ph === "pinned" && s.pin ? await whilePinned(s.pin, [t.pid], [process.pid, upstream.child.pid], unpinned, measure) : await measure());
      }
    }
  }

  const figures: VariantFigures[] = targets.map((t) => {
    const mine = phases.filter((p) => p.target === t.key);
    const cps = mine.filter((p) => p.phase === "cps");
    const mbps = mine.filter((p) => p.phase === "mbps");
    const fixed = mine.filter((p) => p.phase === "rate");
    const pinned = mine.filter((p) => p.phase === "pinned");
    const hist = new Histogram();
    for (const p of cps) hist.add(Histogram.fromSparse(p.summary.latencyHist, p.summary.latencyMaxUs, p.summary.latencySumUs));
    const lat = hist.summaryMs();
    return {
      key: t.key, label: t.label, kind: t.kind,
      connPerSec: median(cps.map((p) => p.connPerSec)), connPerSecRounds: cps.map((p) => round1(p.connPerSec)),
      mbPerSec: median(mbps.map((p) => p.mbPerSec)), mbPerSecRounds: mbps.map((p) => round1(p.mbPerSec)),
      latencyP50Ms: lat.p50, latencyP99Ms: lat.p99,
      proxyCpuUsPerConn: median(cps.map((p) => p.proxyCpuUsPerConn)),
      proxyCpuMsPerMB: median(mbps.map((p) => p.proxyCpuMsPerMB)),
      fixedRateCpuUsPerConn: fixed.length ? median(fixed.map((p) => p.proxyCpuUsPerConn)) : null,
      pinnedConnPerSec: pinned.length ? median(pinned.map((p) => p.connPerSec)) : null,
      pinnedCpuUsPerConn: pinned.length ? median(pinned.map((p) => p.proxyCpuUsPerConn)) : null,
      errors: mine.reduce((n, p) => n + p.summary.blocked + p.summary.refused + p.summary.failed, 0),
      proxyCpuPct: round1(median(cps.map((p) => (100 * p.proxyCpuMs) / p.summary.elapsedMs))),
      upstreamCpuPct: round1(median(cps.map((p) => (100 * p.upstreamCpuMs) / p.summary.elapsedMs))),
      clientCpuPct: round1(median(cps.map((p) => (100 * p.summary.clientCpuMs) / p.summary.elapsedMs))),
    };
  });
  const mismatches = phases.flatMap((p) => p.crossChecks.filter((c) => !c.ok).map((c) => ({ ...c, target: p.target, phase: p.phase, round: p.round })));
  return {
    settings: s, variants: figures, skipped, phases, crossCheckMismatches: mismatches,
    crossChecksTotal: phases.reduce((n, p) => n + p.crossChecks.length, 0), plannedMs: progress.plannedMs,
  };
}

/**
 * Per round, variant / baseline for conn/s and MB/s, and baseline / variant for proxy CPU per
 * connection (so 0.95 reads "costs 5 % more", as the CPU figures are quoted), each the median over
 * rounds. A round's phases run seconds apart, so slow drift of this shared machine's load cancels,
 * where the ratio of two medians can pair a quiet round of one variant with a busy one of the other.
 */
export interface PairedRatios {
  connPerSec: number | null;
  mbPerSec: number | null;
  cpuPerConn: number | null;
  /** null without fixed-rate phases. */
  cpuPerConnAtFixedRate: number | null;
  /** null without pinned phases. */
  connPerSecPinned: number | null;
  cpuPerConnPinned: number | null;
}

export function pairedRatios(r: CompareResult, key: string, baseKey: string): PairedRatios {
  const per = (phase: PhaseKind, pick: (p: PhaseResult) => number) => {
    const ratios: number[] = [];
    for (let round = 0; round < r.settings.rounds; round++) {
      const a = r.phases.find((p) => p.target === key && p.phase === phase && p.round === round);
      const b = r.phases.find((p) => p.target === baseKey && p.phase === phase && p.round === round);
      if (a && b && pick(b) > 0) ratios.push(pick(a) / pick(b));
    }
    return ratios.length ? Math.round(median(ratios) * 1000) / 1000 : null;
  };
  return {
    connPerSec: per("cps", (p) => p.connPerSec),
    mbPerSec: per("mbps", (p) => p.mbPerSec),
    cpuPerConn: per("cps", cpuInverse),
    cpuPerConnAtFixedRate: per("rate", cpuInverse),
    connPerSecPinned: per("pinned", (p) => p.connPerSec),
    cpuPerConnPinned: per("pinned", cpuInverse),
  };
}

const cpuInverse = (p: PhaseResult) => (p.proxyCpuUsPerConn > 0 ? 1 / p.proxyCpuUsPerConn : 0);

export function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !(b > 0)) return null;
  return Math.round((a / b) * 1000) / 1000;
}

/** Charts: conn/s and MB/s per interval over the run, and p99 latency of the conn/s phases. */
export function comparePanels(r: CompareResult): Panel[] {
  const series = (phase: "cps" | "mbps", value: (p: PhaseResult, i: number) => number): Series[] =>
    r.variants.map((v) => {
      const points: Array<[number, number | null]> = [];
      for (const p of r.phases.filter((x) => x.target === v.key && x.phase === phase)) {
        let last: number | undefined;
        p.intervals.forEach((iv, i) => {
          // the final interval is the short drain tail: too short to give a meaningful rate
          if (iv.intervalMs < 500) return;
          last = round1((p.startMs + iv.tMs) / 1000);
          points.push([last, round1(value(p, i))]);
        });
        // break the line between this phase and the variant's next one
        if (last !== undefined) points.push([last, null]);
      }
      return { name: v.label, points };
    });
  const perSec = (p: PhaseResult, i: number, n: number) => n / (p.intervals[i].intervalMs / 1000);
  return [
    { title: "Connections per second (connect, 64 B echo, close)", xLabel: "time since start (s)", yLabel: "connections/s",
      series: series("cps", (p, i) => perSec(p, i, p.intervals[i].completed)) },
    { title: "Throughput (long-lived connections, 64 KiB echo)", xLabel: "time since start (s)", yLabel: "MB/s echoed",
      series: series("mbps", (p, i) => perSec(p, i, p.intervals[i].bytesIn / 1e6)) },
    { title: "Connect-to-first-byte latency, p99 per interval (conn/s phases)", xLabel: "time since start (s)", yLabel: "ms",
      series: series("cps", (p, i) => p.intervals[i].latency.p99) },
  ];
}

export function compareTable(r: CompareResult, baselineKey: string): string {
  const base = r.variants.find((v) => v.key === baselineKey);
  const fixed = r.settings.fixedRate > 0;
  const pinned = r.settings.pin !== null;
  const rows = [["variant", "conn/s", "vs base", "MB/s", "vs base", "p50 ms", "p99 ms", "proxy CPU µs/conn",
    ...(fixed ? [`at ${r.settings.fixedRate}/s`] : []), ...(pinned ? ["pinned conn/s", "pinned µs/conn"] : []),
    "proxy CPU ms/MB", "CPU% proxy/upstr/client", "errors"]];
  for (const v of r.variants) {
    rows.push([v.label, v.connPerSec.toFixed(0), fmtRatio(ratio(v.connPerSec, base?.connPerSec)), v.mbPerSec.toFixed(1),
      fmtRatio(ratio(v.mbPerSec, base?.mbPerSec)), v.latencyP50Ms.toFixed(2), v.latencyP99Ms.toFixed(2),
      v.proxyCpuUsPerConn.toFixed(0), ...(fixed ? [v.fixedRateCpuUsPerConn === null ? "-" : v.fixedRateCpuUsPerConn.toFixed(0)] : []),
      ...(pinned ? [v.pinnedConnPerSec === null ? "-" : v.pinnedConnPerSec.toFixed(0), v.pinnedCpuUsPerConn === null ? "-" : v.pinnedCpuUsPerConn.toFixed(0)] : []),
      v.proxyCpuMsPerMB.toFixed(2), `${v.proxyCpuPct.toFixed(0)}/${v.upstreamCpuPct.toFixed(0)}/${v.clientCpuPct.toFixed(0)}`, String(v.errors)]);
  }
  for (const sk of r.skipped) rows.push([sk.label, "skipped", ...rows[0].slice(2).map(() => "")]);
  return formatTable(rows);
}

const PHASE_NAMES: Record<PhaseKind, (s: CompareSettings) => string> = {
  cps: () => "conn/s",
  mbps: () => "MB/s",
  rate: (s) => `${s.fixedRate} conn/s offered`,
  pinned: (s) => `conn/s, proxy on CPU ${s.pin?.proxy.join(",")}`,
};

function fmtRatio(x: number | null): string {
  return x === null ? "-" : `${x.toFixed(2)}x`;
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ");
  return [line(rows[0]), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n");
}
