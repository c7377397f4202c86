// `concurrency`: long-lived connections against a Sentinel isolation (concurrency) threshold,
// across workers. Open loop: new connections at a rate whose product with the hold time offers
// 3x the threshold in concurrent connections; each admitted one echoes once, holds, then closes.
// Observed: the clients' count of admitted-and-open connections, and the filter's own gauge
// (sentinel.entry.active, summed over workers) sampled from the admin endpoint.
import { measurePhase } from "../lib/measure.ts";
import { statDelta, settledStats } from "../lib/admin-stats.ts";
import { formatTable, round1 } from "./compare.ts";
import { findStat, startSentinelHost } from "./rate-limit.ts";
import type { Scenario, ScenarioOptions, ScenarioOutput } from "./types.ts";

export interface ConcurrencySettings { threshold: number; concurrency: number; holdMs: number; loadMs: number; overFactor: number }

export function concurrencySettings(quick: boolean, concurrency = 2): ConcurrencySettings {
  return quick
    ? { threshold: 50, concurrency, holdMs: 1000, loadMs: 12000, overFactor: 3 }
    : { threshold: 100, concurrency, holdMs: 2000, loadMs: 40000, overFactor: 3 };
}

/** Arrival rate that keeps overFactor x threshold connections open for holdMs each. */
export function concurrencyRate(s: ConcurrencySettings): number {
  return Math.round((s.overFactor * s.threshold * 1000) / s.holdMs);
}

const SAMPLE_MS = 250;

async function run(opts: ScenarioOptions): Promise<ScenarioOutput> {
  const s = concurrencySettings(opts.quick, opts.concurrency);
  const { upstream, host, resource } = await startSentinelHost("concurrency", "host, filter + service",
    (r) => ({ isolationRules: [{ resource: r, threshold: s.threshold }] }), false, s.concurrency);
  const rate = concurrencyRate(s);
  const schedule = `${rate}@${s.loadMs}ms`;
  opts.progress.plannedMs = s.loadMs + s.holdMs + 5000 + (Date.now() - opts.progress.t0);
  opts.progress.setPhase(`${rate} conn/s held ${s.holdMs} ms vs concurrency threshold ${s.threshold} on ${s.concurrency} workers`);
  const before = await settledStats(host.stats!);
  // The filter's gauge, sampled while the load runs.
  const gauge: Array<[number, number]> = [];
  let sampling = true;
  const t0 = Date.now();
  const sampler = (async () => {
    while (sampling) {
      const v = findStat(await host.stats!(), `sentinel.entry.active_resource=${resource};`);
      if (v !== null) gauge.push([Date.now() - t0, v]);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  let phase;
  try {
    phase = await measurePhase({
      target: host, upstream, phase: "concurrency", round: 0, scenarioStartMs: t0,
      config: { mode: "open", schedule, intervalMs: 1000, payloadBytes: 64, exchanges: 1, holdMs: s.holdMs, maxInFlight: 20000, drainMs: s.holdMs + 5000 },
      onInterval: (r) => opts.progress.interval(r),
    });
  } finally {
    sampling = false;
    await sampler;
  }
  const delta = statDelta(before, await settledStats(host.stats!));
  const sum = phase.summary;
  const maxGauge = gauge.length ? Math.max(...gauge.map(([, v]) => v)) : null;
  const passStat = findStat(delta, `sentinel.entry.pass_resource=${resource};`);
  const blockStat = findStat(delta, `sentinel.block.isolation_resource=${resource};`);
  const mismatches = phase.crossChecks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.stat} = ${c.proxy} but clients saw ${c.clients}`);
  if (passStat !== sum.admitted) mismatches.push(`filter passes (sentinel.entry.pass_resource=${resource};) = ${passStat} but clients saw ${sum.admitted} admitted`);
  if (blockStat !== sum.blocked) mismatches.push(`filter isolation blocks (sentinel.block.isolation_resource=${resource};) = ${blockStat} but clients saw ${sum.blocked} blocked`);
  const intervals = phase.intervals.map((iv) => ({ tMs: iv.tMs, intervalMs: iv.intervalMs, offered: iv.offered, admitted: iv.admitted, blocked: iv.blocked,
    failed: iv.failed + iv.refused, activeAdmitted: iv.activeAdmitted, maxActiveAdmitted: iv.maxActiveAdmitted }));
  const rows = [["t (s)", "offered", "admitted", "blocked", "errors", "max open admitted", "vs threshold"]];
  for (const iv of intervals.filter((x) => x.intervalMs >= 500)) {
    rows.push([(iv.tMs / 1000).toFixed(1), String(iv.offered), String(iv.admitted), String(iv.blocked), String(iv.failed), String(iv.maxActiveAdmitted), (iv.maxActiveAdmitted / s.threshold).toFixed(2)]);
  }
  const full = intervals.filter((x) => x.intervalMs >= 500);
  return {
    summary: { maxActiveObserved: sum.maxActiveAdmitted, maxActiveFilterGauge: maxGauge, threshold: s.threshold, workers: s.concurrency,
      offeredConcurrency: s.overFactor * s.threshold, admitted: sum.admitted, blocked: sum.blocked, errors: sum.failed + sum.refused, crossCheckMismatches: mismatches.length },
    figures: { statsDelta: Object.fromEntries([...delta].filter(([k, v]) => v !== 0 && /sentinel|listener|tcp\.|cluster\./.test(k))), threshold: s.threshold, workers: s.concurrency, settings: s, schedule, resource, intervals, filterActiveGauge: gauge, phase },
    table: `${formatTable(rows)}\n\nmax admitted connections open at once: ${sum.maxActiveAdmitted} seen by the clients, ${maxGauge} by the filter's gauge (sampled every ${SAMPLE_MS} ms); threshold ${s.threshold}`,
    chart: {
      title: `Concurrency limit: ${s.overFactor}x a threshold of ${s.threshold} open connections on ${s.concurrency} workers`,
      subtitle: `open loop ${rate}/s for ${s.loadMs / 1000}s, each admitted connection held ${s.holdMs} ms; resource ${resource}`,
      panels: [
        { title: "Open admitted connections", xLabel: "time (s)", yLabel: "connections", series: [
          { name: "max per interval (clients)", points: full.map((iv) => [round1(iv.tMs / 1000), iv.maxActiveAdmitted]) },
          { name: "filter gauge (admin)", points: gauge.map(([t, v]) => [round1(t / 1000), v]) },
        ], refLines: [{ y: s.threshold, label: `threshold ${s.threshold}` }] },
        { title: "Connections per second", xLabel: "time (s)", yLabel: "connections/s", series: [
          { name: "offered", points: full.map((iv) => [round1(iv.tMs / 1000), round1(iv.offered / (iv.intervalMs / 1000))]) },
          { name: "admitted", points: full.map((iv) => [round1(iv.tMs / 1000), round1(iv.admitted / (iv.intervalMs / 1000))]) },
          { name: "blocked", points: full.map((iv) => [round1(iv.tMs / 1000), round1(iv.blocked / (iv.intervalMs / 1000))]) },
        ] },
      ],
    },
    notes: [],
    mismatches,
  };
}

export const concurrency: Scenario = {
  name: "concurrency",
  description: "long-lived connections (3x the threshold) against an isolation rule: open admitted connections vs threshold",
  plannedMs: (quick) => { const s = concurrencySettings(quick); return s.loadMs + s.holdMs + 5000; },
  run,
};
