// Issue 3's overhead scenario: what each layer costs. Plain Node proxy, host without wasm, host
// with the filter and no rules, host with filter + service as shipped (envoy-configs/envoy.yaml).
import { comparePanels, compareTable, pairedRatios, plannedMs, ratio, runCompare, type CompareSettings, type PairedRatios } from "./compare.ts";
import { hostBothModules, hostEmptyFilter, hostNoFilter, plainProxy } from "./variants.ts";
import { settingsLine } from "./host-overhead.ts";
import type { Scenario, ScenarioOptions, ScenarioOutput } from "./types.ts";

/**
 * Offered connections per second in the fixed-rate phases: about a third of what the host without
 * wasm completes per worker here (~6500/s closed loop), so every variant keeps up with it.
 */
const FIXED_RATE = 2000;

export function overheadSettings(quick: boolean, concurrency = 1, rounds?: number): CompareSettings {
  return quick
    // quick: two rounds, so the three phases per round still finish within the 60 s --quick promises
    ? { concurrency, rounds: rounds ?? 2, warmupMs: 800, cpsMs: 1500, mbpsMs: 1000, cpsWorkers: 64, cpsPayloadBytes: 64, mbpsConnections: 4 * concurrency, mbpsPayloadBytes: 65536, fixedRate: FIXED_RATE }
    : { concurrency, rounds: rounds ?? 8, warmupMs: 2000, cpsMs: 4000, mbpsMs: 2500, cpsWorkers: 64, cpsPayloadBytes: 64, mbpsConnections: 4 * concurrency, mbpsPayloadBytes: 65536, fixedRate: FIXED_RATE };
}

export const overhead: Scenario = {
  name: "overhead",
  description: "plain proxy vs host without wasm vs host + empty filter vs host + both modules: conn/s, MB/s, p50/p99",
  plannedMs: (quick) => plannedMs(overheadSettings(quick), 4),
  async run(opts: ScenarioOptions): Promise<ScenarioOutput> {
    const s = overheadSettings(opts.quick, opts.concurrency, opts.rounds);
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
        latencyP50Ms: Object.fromEntries(r.variants.map((v) => [v.key, v.latencyP50Ms])),
        latencyP99Ms: Object.fromEntries(r.variants.map((v) => [v.key, v.latencyP99Ms])),
        skipped: r.skipped.map((x) => x.key),
        crossCheckMismatches: r.crossCheckMismatches.length,
      },
      figures: { settings: r.settings, variants: r.variants, skipped: r.skipped, phases: r.phases, crossCheckMismatches: r.crossCheckMismatches, crossChecksTotal: r.crossChecksTotal },
      table: compareTable(r, "plain") + pairedLines(s, againstHost) + (r.skipped.length ? `\n\nskipped: ${r.skipped.map((x) => `${x.label}: ${x.reason}`).join("; ")}` : ""),
      chart: { title: "Overhead: plain proxy, host, host + empty filter, host + filter + service", subtitle: settingsLine(s), panels: comparePanels(r) },
      notes: r.skipped.map((x) => `${x.label} skipped: ${x.reason}`),
      mismatches: r.crossCheckMismatches.map((m) => `${m.target} ${m.phase} round ${m.round + 1}: ${m.what}: ${m.stat} = ${m.proxy} but clients saw ${m.clients}`),
    };
  },
};

/** The per-round pairings under the table: what the CPU goal is read from on a machine whose load drifts. */
function pairedLines(s: CompareSettings, rows: Array<[string, PairedRatios]>): string {
  if (!rows.length) return "";
  const fixed = s.fixedRate > 0 ? `, at ${s.fixedRate} conn/s offered` : "";
  return "\n\nvs host with no wasm, median of per-round ratios (conn/s variant/host; CPU per connection host/variant):\n" +
    rows.map(([label, p]) => `  ${label}: conn/s ${p.connPerSec}x, MB/s ${p.mbPerSec}x, CPU per connection ${p.cpuPerConn}x` +
      (fixed ? `${fixed} ${p.cpuPerConnAtFixedRate}x` : "")).join("\n");
}
