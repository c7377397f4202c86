// Issue 2's benchmark: is the host ever the bottleneck? Connections/s and MB/s through the host with
// no wasm filter against the plain Node proxy (same threading), in one run. Goal: >= 0.8x.
import { comparePanels, compareTable, pairedRatios, plannedMs, ratio, runCompare, type CompareSettings } from "./compare.ts";
import { hostNoFilter, plainProxy } from "./variants.ts";
import type { Scenario, ScenarioOptions, ScenarioOutput } from "./types.ts";

export const GOAL_RATIO = 0.8;

export function hostOverheadSettings(quick: boolean, concurrency = 1, rounds?: number): CompareSettings {
  return quick
    ? { concurrency, rounds: rounds ?? 5, warmupMs: 1000, cpsMs: 2000, mbpsMs: 1200, cpsWorkers: 64, cpsPayloadBytes: 64, mbpsConnections: 4 * concurrency, mbpsPayloadBytes: 65536, fixedRate: 0, pin: null }
    : { concurrency, rounds: rounds ?? 12, warmupMs: 2000, cpsMs: 4000, mbpsMs: 2500, cpsWorkers: 64, cpsPayloadBytes: 64, mbpsConnections: 4 * concurrency, mbpsPayloadBytes: 65536, fixedRate: 0, pin: null };
}

export const hostOverhead: Scenario = {
  name: "host-overhead",
  description: "host without wasm vs plain Node proxy: conn/s and MB/s ratio (issue 2, goal >= 0.8x)",
  plannedMs: (quick) => plannedMs(hostOverheadSettings(quick), 2),
  async run(opts: ScenarioOptions): Promise<ScenarioOutput> {
    const s = hostOverheadSettings(opts.quick, opts.concurrency, opts.rounds);
    const r = await runCompare([plainProxy, hostNoFilter], s, opts.progress);
    const plain = r.variants.find((v) => v.key === "plain");
    const host = r.variants.find((v) => v.key === "host");
    if (!plain || !host) throw new Error(`host-overhead needs both variants; skipped: ${r.skipped.map((x) => `${x.label} (${x.reason})`).join(", ")}`);
    const connRatio = ratio(host.connPerSec, plain.connPerSec);
    const mbRatio = ratio(host.mbPerSec, plain.mbPerSec);
    const paired = pairedRatios(r, "host", "plain");
    // Capacity estimate: with every process sharing 2 cores the proxy is rarely the only
    // bottleneck, so throughput ratios understate differences; CPU time per unit of work does not
    // depend on who else is busy. capacity ratio = plain's CPU cost / host's CPU cost.
    const capacityConn = ratio(plain.proxyCpuUsPerConn, host.proxyCpuUsPerConn);
    const capacityMB = ratio(plain.proxyCpuMsPerMB, host.proxyCpuMsPerMB);
    return {
      summary: {
        hostVsPlainProxy: connRatio,
        hostVsPlainProxyMBps: mbRatio,
        pairedRounds: paired,
        cpuCapacity: { connPerSec: capacityConn, mbPerSec: capacityMB },
        goal: GOAL_RATIO,
        goalMet: connRatio !== null && mbRatio !== null && connRatio >= GOAL_RATIO && mbRatio >= GOAL_RATIO,
        plainConnPerSec: Math.round(plain.connPerSec), hostConnPerSec: Math.round(host.connPerSec),
        plainMBps: Math.round(plain.mbPerSec * 10) / 10, hostMBps: Math.round(host.mbPerSec * 10) / 10,
        crossCheckMismatches: r.crossCheckMismatches.length,
      },
      figures: { settings: r.settings, variants: r.variants, skipped: r.skipped, phases: r.phases, crossCheckMismatches: r.crossCheckMismatches, crossChecksTotal: r.crossChecksTotal },
      table: `${compareTable(r, "plain")}\n\nhost vs plain proxy (ratio of medians): conn/s ${connRatio}x, MB/s ${mbRatio}x (goal >= ${GOAL_RATIO}x: ${connRatio !== null && mbRatio !== null && connRatio >= GOAL_RATIO && mbRatio >= GOAL_RATIO ? "met" : "NOT met"})\n` +
        `median of per-round ratios: conn/s ${paired.connPerSec}x, MB/s ${paired.mbPerSec}x, CPU per connection ${paired.cpuPerConn}x\n` +
        `capacity from proxy CPU cost (plain CPU per unit / host CPU per unit): conn/s ${capacityConn}x, MB/s ${capacityMB}x`,
      chart: { title: "Host (no wasm) vs plain Node proxy", subtitle: settingsLine(s), panels: comparePanels(r) },
      notes: [],
      mismatches: r.crossCheckMismatches.map((m) => `${m.target} ${m.phase} round ${m.round + 1}: ${m.what}: ${m.stat} = ${m.proxy} but clients saw ${m.clients}`),
    };
  },
};

export function settingsLine(s: CompareSettings): string {
  return `proxy threads ${s.concurrency}; ${s.rounds} rounds x (${s.cpsMs / 1000}s conn/s with ${s.cpsWorkers} workers, ${s.cpsPayloadBytes} B; ` +
    `${s.mbpsMs / 1000}s MB/s with ${s.mbpsConnections} connections, ${s.mbpsPayloadBytes / 1024} KiB` +
    `${s.fixedRate > 0 ? `; ${s.cpsMs / 1000}s at ${s.fixedRate} conn/s offered` : ""}` +
    `${s.pin ? `; ${s.cpsMs / 1000}s conn/s with the proxy on CPU ${s.pin.proxy.join(",")}, the load on ${s.pin.rest.join(",")}` : ""}); medians over rounds`;
}
