// Issue 3's overhead scenario: what each layer costs. Plain Node proxy, host without wasm, host
// with the filter and no rules, host with filter + service as shipped (envoy-configs/envoy.yaml).
import { comparePanels, compareTable, pairedRatios, plannedMs, ratio, runCompare, type CompareSettings, type PairedRatios } from "./compare.ts";
import { hostBothModules, hostEmptyFilter, hostNoFilter, plainProxy } from "./variants.ts";
import { settingsLine } from "./host-overhead.ts";
import type { Scenario, ScenarioOptions, ScenarioOutput } from "./types.ts";
import { allowedCpus, defaultPin, tasksetAvailable, type PinSpec } from "../lib/cpu-pin.ts";

/**
 * Offered connections per second in the fixed-rate phases: about a third of what the host without
 * wasm completes per worker here (~6500/s closed loop), so every variant keeps up with it.
 */
const FIXED_RATE = 2000;

/**
 * The pinned phase's split: the proxy's worker threads on CPUs of their own, the rest elsewhere
 * (cpu-pin.ts defaultPin); none on a one-CPU machine or without `taskset`.
 */
export function overheadPin(concurrency: number): PinSpec | null {
  return tasksetAvailable() ? defaultPin(allowedCpus(), concurrency) : null;
}

export function overheadSettings(quick: boolean, concurrency = 1, rounds?: number, pin: PinSpec | null = null): CompareSettings {
  return quick
    // quick: two rounds of short phases, so the four phases per round still finish within the 60 s --quick promises
    ? { concurrency, rounds: rounds ?? 2, warmupMs: 800, cpsMs: 1200, mbpsMs: 1000, cpsWorkers: 64, cpsPayloadBytes: 64, mbpsConnections: 4 * concurrency, mbpsPayloadBytes: 65536, fixedRate: FIXED_RATE, pin }
    : { concurrency, rounds: rounds ?? 8, warmupMs: 2000, cpsMs: 4000, mbpsMs: 2500, cpsWorkers: 64, cpsPayloadBytes: 64, mbpsConnections: 4 * concurrency, mbpsPayloadBytes: 65536, fixedRate: FIXED_RATE, pin };
}

export const overhead: Scenario = {
  name: "overhead",
  description: "plain proxy vs host without wasm vs host + empty filter vs host + both modules: conn/s, MB/s, p50/p99",
  plannedMs: (quick) => plannedMs(overheadSettings(quick, 1, undefined, overheadPin(1)), 4),
  async run(opts: ScenarioOptions): Promise<ScenarioOutput> {
    const s = overheadSettings(opts.quick, opts.concurrency, opts.rounds, overheadPin(opts.concurrency ?? 1));
    const r = await runCompare([plainProxy, hostNoFilter, hostEmptyFilter, hostBothModules], s, opts.progress);
    const fig = (k: string) => r.variants.find((v) => v.key === k);
    const [plain, host, empty, both] = ["plain", "host", "host-empty", "host-both"].map(fig);
    if (!plain || !host) throw new Error(`overhead needs at least the plain proxy and the host; skipped: ${r.skipped.map((x) => `${x.label} (${x.reason})`).join(", ")}`);
    const emptyPaired = empty ? pairedRatios(r, "host-empty", "host") : null;
    const bothPaired = both ? pairedRatios(r, "host-both", "host") : null;
    const againstHost: Array<[string, PairedRatios]> = [];
    if (empty && emptyPaired) againstHost.push([empty.label, emptyPaired]);
    if (both && bothPaired) againstHost.push([both.label, bothPaired]);
    return {
      summary: {
        hostVsPlainProxy: ratio(host.connPerSec, plain.connPerSec),
        emptyFilterVsNoFilter: ratio(empty?.connPerSec, host.connPerSec),
        bothModulesVsNoFilter: ratio(both?.connPerSec, host.connPerSec),
        mbps: {
          hostVsPlainProxy: ratio(host.mbPerSec, plain.mbPerSec),
          emptyFilterVsNoFilter: ratio(empty?.mbPerSec, host.mbPerSec),
          bothModulesVsNoFilter: ratio(both?.mbPerSec, host.mbPerSec),
        },
        pairedRounds: {
          hostVsPlainProxy: pairedRatios(r, "host", "plain"),
          emptyFilterVsNoFilter: emptyPaired,
          bothModulesVsNoFilter: bothPaired,
        },
        cpuCostUsPerConn: Object.fromEntries(r.variants.map((v) => [v.key, Math.round(v.proxyCpuUsPerConn)])),
        cpuCostUsPerConnAtFixedRate: Object.fromEntries(r.variants.map((v) => [v.key, v.fixedRateCpuUsPerConn === null ? null : Math.round(v.fixedRateCpuUsPerConn)])),
        fixedRate: s.fixedRate,
        cpuCostUsPerConnPinned: Object.fromEntries(r.variants.map((v) => [v.key, v.pinnedCpuUsPerConn === null ? null : Math.round(v.pinnedCpuUsPerConn)])),
        connPerSecPinned: Object.fromEntries(r.variants.map((v) => [v.key, v.pinnedConnPerSec === null ? null : Math.round(v.pinnedConnPerSec)])),
        pin: s.pin,
        latencyP50Ms: Object.fromEntries(r.variants.map((v) => [v.key, v.latencyP50Ms])),
        latencyP99Ms: Object.fromEntries(r.variants.map((v) => [v.key, v.latencyP99Ms])),
        skipped: r.skipped.map((x) => x.key),
        crossCheckMismatches: r.crossCheckMismatches.length,
      },
      figures: { settings: r.settings, variants: r.variants, skipped: r.skipped, phases: r.phases, crossCheckMismatches: r.crossCheckMismatches, crossChecksTotal: r.crossChecksTotal },
      table: compareTable(r, "plain") + pairedLines(s, againstHost) + (r.skipped.length ? `\n\nskipped: ${r.skipped.map((x) => `${x.label}: ${x.reason}`).join("; ")}` : ""),
      chart: { title: "Overhead: plain proxy, host, host + empty filter, host + filter + service", subtitle: settingsLine(s), panels: comparePanels(r) },
      notes: [...r.skipped.map((x) => `${x.label} skipped: ${x.reason}`),
        ...(s.pin ? [] : ["no pinned phase: it needs two CPUs or more and util-linux's taskset"])],
      mismatches: r.crossCheckMismatches.map((m) => `${m.target} ${m.phase} round ${m.round + 1}: ${m.what}: ${m.stat} = ${m.proxy} but clients saw ${m.clients}`),
    };
  },
};

/** The per-round pairings under the table: what the CPU goal is read from on a machine whose load drifts. */
function pairedLines(s: CompareSettings, rows: Array<[string, PairedRatios]>): string {
  if (!rows.length) return "";
  const fixed = s.fixedRate > 0 ? `, at ${s.fixedRate} conn/s offered` : "";
  const pinned = s.pin ? `; proxy on CPU ${s.pin.proxy.join(",")} (load on ${s.pin.rest.join(",")}):` : "";
  return "\n\nvs host with no wasm, median of per-round ratios (conn/s variant/host; CPU per connection host/variant):\n" +
    rows.map(([label, p]) => `  ${label}: conn/s ${p.connPerSec}x, MB/s ${p.mbPerSec}x, CPU per connection ${p.cpuPerConn}x` +
      (fixed ? `${fixed} ${p.cpuPerConnAtFixedRate}x` : "") +
      (pinned ? `${pinned} conn/s ${p.connPerSecPinned}x, CPU per connection ${p.cpuPerConnPinned}x` : "")).join("\n");
}
