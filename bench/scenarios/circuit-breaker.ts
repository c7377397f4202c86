// `circuit-breaker`: a steady open-loop load while the upstream goes from echo to failing (every
// connection reset on its first data) and back. The filter's ErrorRatio breaker should open soon
// after the error ratio in its window crosses the threshold, probe every retryTimeoutMs while the
// upstream still fails, and close on the first good probe after recovery.
//
// Time base: wall clock (ms since the scenario started). The load client reports its start time,
// the upstream switches are sent at known times, and the breaker state gauge
// (sentinel.circuit_breaker.state: 0 Closed, 1 HalfOpen, 2 Open) is sampled from the admin endpoint.
import { measurePhase } from "../lib/measure.ts";
import { statDelta, settledStats } from "../lib/admin-stats.ts";
import type { IntervalReport } from "../lib/load-client.ts";
import type { Band } from "../lib/svg.ts";
import { formatTable, round1 } from "./compare.ts";
import { findStat, startSentinelHost } from "./rate-limit.ts";
import type { Scenario, ScenarioOptions, ScenarioOutput } from "./types.ts";

export interface BreakerSettings {
  concurrency: number; rate: number; loadMs: number; failAtMs: number; recoverAtMs: number;
  threshold: number; minRequestAmount: number; statIntervalMs: number; buckets: number; retryTimeoutMs: number; intervalMs: number;
}

export function breakerSettings(quick: boolean, concurrency = 2): BreakerSettings {
  const common = { concurrency, threshold: 0.5, minRequestAmount: 10, statIntervalMs: 1000, buckets: 2, retryTimeoutMs: 2000, intervalMs: 100 };
  return quick
    ? { ...common, rate: 200, loadMs: 20000, failAtMs: 5000, recoverAtMs: 12000 }
    : { ...common, rate: 200, loadMs: 45000, failAtMs: 10000, recoverAtMs: 28000 };
}

export const STATE_NAMES = ["Closed", "HalfOpen", "Open"];
const SAMPLE_MS = 50;

/**
 * When the clients' own view of the error ratio crosses the rule, counted the way Sentinel's
 * breaker window counts: `buckets` wall-clock-aligned buckets of statIntervalMs / buckets, the
 * window at time t being the bucket holding t plus the buckets - 1 before it. The first interval
 * end at which blocked / (admitted + blocked) in that window reaches threshold with at least
 * minRequestAmount connections. Connections count in the interval they ended in (the load client
 * aligns intervals to the wall clock, so bucket edges fall on interval edges).
 * Times are on the scenario's base; epochOffsetMs converts them to the wall clock.
 */
export function clientCrossingMs(
  intervals: Array<{ endMs: number; admitted: number; blocked: number }>,
  s: Pick<BreakerSettings, "threshold" | "minRequestAmount" | "statIntervalMs" | "buckets">,
  afterMs: number, epochOffsetMs: number,
): number | null {
  const bucketMs = s.statIntervalMs / s.buckets;
  for (let i = 0; i < intervals.length; i++) {
    const end = intervals[i].endMs;
    if (end < afterMs) continue;
    const windowStart = Math.floor((epochOffsetMs + end - 1) / bucketMs) * bucketMs - (s.buckets - 1) * bucketMs - epochOffsetMs;
    let good = 0, bad = 0;
    for (let j = i; j >= 0 && intervals[j].endMs > windowStart; j--) { good += intervals[j].admitted; bad += intervals[j].blocked; }
    if (good + bad >= s.minRequestAmount && bad / (good + bad) >= s.threshold) return end;
  }
  return null;
}

/** State changes from samples: [{ atMs, state }] starting with the first sample. */
export function transitions(samples: Array<[number, number]>): Array<{ atMs: number; state: string }> {
  const out: Array<{ atMs: number; state: string }> = [];
  let prev = -1;
  for (const [t, v] of samples) if (v !== prev) { out.push({ atMs: t, state: STATE_NAMES[v] ?? `state ${v}` }); prev = v; }
  return out;
}

async function run(opts: ScenarioOptions): Promise<ScenarioOutput> {
  const s = breakerSettings(opts.quick, opts.concurrency);
  const { upstream, host, resource } = await startSentinelHost("circuit-breaker", "host, filter + service", (r) => ({
    circuitBreakerRules: [{ resource: r, strategy: 1, threshold: s.threshold, minRequestAmount: s.minRequestAmount,
      statIntervalMs: s.statIntervalMs, statSlidingWindowBucketCount: s.buckets, retryTimeoutMs: s.retryTimeoutMs, probeNum: 0 }],
  }), false, s.concurrency);
  opts.progress.plannedMs = s.loadMs + 5000 + (Date.now() - opts.progress.t0);
  opts.progress.setPhase(`${s.rate} conn/s; upstream fails at ${s.failAtMs / 1000}s, recovers at ${s.recoverAtMs / 1000}s`);
  const before = await settledStats(host.stats!);
  const t0 = Date.now();
  const samples: Array<[number, number]> = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const v = findStat(await host.stats!(), `sentinel.circuit_breaker.state_resource=${resource};`) ?? findStat(await host.stats!(), "sentinel.circuit_breaker.state");
      if (v !== null) samples.push([Date.now() - t0, v]);
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  // Upstream switches, timed from the load client's own start (its first interval tells us when).
  const switches: Array<{ atMs: number; mode: string }> = [];
  let armed = false;
  const timers: NodeJS.Timeout[] = [];
  const arm = (r: IntervalReport) => {
    if (armed) return;
    armed = true;
    const at = (ms: number, args: string[], label: string) => timers.push(setTimeout(() => {
      void upstream.setMode(args).then(() => switches.push({ atMs: Date.now() - t0, mode: label }));
    }, Math.max(0, r.t0EpochMs + ms - Date.now())));
    at(s.failAtMs, ["--mode", "failing", "--fail-ratio", "1", "--fail-kind", "reset"], "failing (reset)");
    at(s.recoverAtMs, ["--mode", "echo"], "echo");
  };
  let phase;
  let clientT0 = 0;
  try {
    phase = await measurePhase({
      target: host, upstream, phase: "circuit-breaker", round: 0, scenarioStartMs: t0,
      config: { mode: "open", schedule: `${s.rate}@${s.loadMs}ms`, intervalMs: s.intervalMs, payloadBytes: 64, exchanges: 1, alignToMs: s.intervalMs },
      onInterval: (r) => { clientT0 = r.t0EpochMs - t0; arm(r); opts.progress.interval(r); },
    });
  } finally {
    sampling = false;
    for (const t of timers) clearTimeout(t);
    await sampler;
  }
  const delta = statDelta(before, await settledStats(host.stats!));
  const sum = phase.summary;
  const intervals = phase.intervals.map((iv) => ({ endMs: clientT0 + iv.tMs, intervalMs: iv.intervalMs, offered: iv.offered, admitted: iv.admitted, blocked: iv.blocked, failed: iv.failed + iv.refused, skipped: iv.skipped }));
  const failAt = switches.find((x) => x.mode.startsWith("failing"))?.atMs ?? null;
  const recoverAt = switches.find((x) => x.mode === "echo")?.atMs ?? null;
  const timeline = transitions(samples);
  const crossing = failAt === null ? null : clientCrossingMs(intervals, s, failAt, t0);
  const firstOpen = timeline.find((x) => x.state === "Open" && failAt !== null && x.atMs >= failAt)?.atMs ?? null;
  const closedAfter = timeline.find((x) => x.state === "Closed" && recoverAt !== null && x.atMs >= recoverAt)?.atMs ?? null;
  const cbBlocks = findStat(delta, `sentinel.block.circuit_breaking_resource=${resource};`);
  const errors = findStat(delta, `sentinel.entry.error_resource=${resource};`);
  const passes = findStat(delta, `sentinel.entry.pass_resource=${resource};`);
  // Connections the upstream reset reached it but look blocked to the clients: the generic
  // "upstream accepted = clients not blocked" check does not apply; passes through the filter do.
  const mismatches = phase.crossChecks.filter((c) => !c.ok && c.stat !== "(upstream process)").map((c) => `${c.what}: ${c.stat} = ${c.proxy} but clients saw ${c.clients}`);
  if (passes === null || phase.upstreamAccepted !== passes) mismatches.push(`upstream accepted ${phase.upstreamAccepted} but the filter passed ${passes}`);
  if (cbBlocks === null || errors === null || cbBlocks + errors !== sum.blocked) mismatches.push(`breaker blocks (${cbBlocks}) + upstream errors the filter counted (${errors}) should equal the clients' blocked (${sum.blocked})`);
  if (passes === null || errors === null || passes - errors !== sum.admitted) mismatches.push(`filter passes (${passes}) - errors (${errors}) should equal the clients' admitted (${sum.admitted})`);

  const bands: Band[] = [];
  for (let i = 0; i < timeline.length; i++) {
    const st = timeline[i].state;
    if (st === "Closed") continue;
    bands.push({ from: timeline[i].atMs / 1000, to: (timeline[i + 1]?.atMs ?? samples[samples.length - 1][0]) / 1000, label: st === "Open" ? "open" : "half", color: st === "Open" ? "#d62728" : "#ff7f0e" });
  }
  const upstreamBand: Band[] = failAt !== null ? [{ from: failAt / 1000, to: (recoverAt ?? intervals[intervals.length - 1].endMs) / 1000, label: "upstream failing", color: "#7f7f7f" }] : [];
  const full = intervals.filter((iv) => iv.intervalMs >= s.intervalMs / 2);
  const rate = (iv: { intervalMs: number }, n: number) => round1(n / (iv.intervalMs / 1000));
  const rows = [["from (s)", "breaker state"]];
  for (const t of timeline) rows.push([(t.atMs / 1000).toFixed(2), t.state]);
  const ms = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    summary: {
      openDelayMs: crossing !== null && firstOpen !== null ? ms(firstOpen - crossing) : null,
      // the crossing is known to one client interval, the state to one admin sample
      openDelayResolutionMs: s.intervalMs + SAMPLE_MS,
      upstreamFailToOpenMs: failAt !== null && firstOpen !== null ? ms(firstOpen - failAt) : null,
      recoveryToClosedMs: recoverAt !== null && closedAfter !== null ? ms(closedAfter - recoverAt) : null,
      stateTimeline: timeline.map((t) => ({ atMs: ms(t.atMs), state: t.state })),
      opened: findStat(delta, `sentinel.circuit_breaker.opened_resource=${resource};`) ?? findStat(delta, "sentinel.circuit_breaker.opened"),
      halfOpened: findStat(delta, `sentinel.circuit_breaker.half_opened_resource=${resource};`) ?? findStat(delta, "sentinel.circuit_breaker.half_opened"),
      closed: findStat(delta, `sentinel.circuit_breaker.closed_resource=${resource};`) ?? findStat(delta, "sentinel.circuit_breaker.closed"),
      breakerBlocks: cbBlocks, upstreamErrors: errors, admitted: sum.admitted, blocked: sum.blocked, crossCheckMismatches: mismatches.length,
    },
    figures: { statsDelta: Object.fromEntries([...delta].filter(([k, v]) => v !== 0 && /sentinel|listener|tcp\.|cluster\./.test(k))), settings: s, resource, switches, clientCrossingMs: crossing, stateSamples: samples, intervals, phase },
    table: `${formatTable(rows)}\n\nupstream failing at ${failAt} ms, error ratio crossed ${s.threshold} (clients' view) at ${crossing} ms, breaker Open at ${firstOpen} ms` +
      `\nupstream recovered at ${recoverAt} ms, breaker Closed again at ${closedAfter} ms`,
    chart: {
      title: `Circuit breaker (ErrorRatio ${s.threshold}, retry ${s.retryTimeoutMs / 1000}s) on ${s.concurrency} workers`,
      subtitle: `open loop ${s.rate}/s; upstream resets every connection from ${s.failAtMs / 1000}s to ${s.recoverAtMs / 1000}s; resource ${resource}; bands: breaker state`,
      panels: [
        { title: "Connections per second (bands: breaker Open / HalfOpen)", xLabel: "time (s)", yLabel: "connections/s", bands, series: [
          { name: "offered", points: full.map((iv) => [round1(iv.endMs / 1000), rate(iv, iv.offered)]) },
          { name: "admitted", points: full.map((iv) => [round1(iv.endMs / 1000), rate(iv, iv.admitted)]) },
          { name: "blocked (breaker/upstream)", points: full.map((iv) => [round1(iv.endMs / 1000), rate(iv, iv.blocked)]) },
        ] },
        { title: "Breaker state (0 Closed, 1 HalfOpen, 2 Open; band: upstream failing)", xLabel: "time (s)", yLabel: "state", bands: upstreamBand, yMax: 2,
          series: [{ name: "breaker state (admin)", points: samples.map(([t, v]) => [round1(t / 1000), v]) }] },
      ],
    },
    notes: [],
    mismatches,
  };
}

export const circuitBreaker: Scenario = {
  name: "circuit-breaker",
  description: "upstream fails then recovers under steady load: breaker state and admitted rate over time",
  plannedMs: (quick) => breakerSettings(quick).loadMs + 5000,
  run,
};
