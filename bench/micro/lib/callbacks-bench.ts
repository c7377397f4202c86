// bench/micro/callbacks.ts's measurement: one connection's whole callback sequence through the
// host's real code, for three variants (no wasm / empty filter / Sentinel filter + service) in
// interleaved rounds, then the filter's extra cost against the host's own per-connection cost.
import { buildEmptyFilter } from "./build-empty.ts";
import { BenchTarget, clockRate, filterSawFromMetrics, virtualClock, type Tally, type VirtualClock } from "./driver.ts";
import type { HostConfig } from "../../../host/src/contracts.ts";
import type { HostCost } from "./host-cost.ts";
import { machineInfo, median, moduleBuildInfo, quantile, round, type MachineInfo, type ModuleBuildInfo } from "./report.ts";
import { admittedRate, filterPlugin, flowLimitPerSec, loadBenchConfig, variantConfigs, type VariantKey } from "./variants.ts";

export interface CallbacksSettings {
  config: string;
  /** Connections per variant per round. */
  connections: number;
  rounds: number;
  /** Unrecorded rounds per variant first (JIT, inline caches, the VMs' heaps). */
  warmupRounds: number;
  /**
   * Connections per virtual second (the clock steps between connections; ticks run then). Default:
   * half the configuration's lowest flow limit (at most 500/s), so every connection is admitted and
   * runs the whole sequence.
   */
  rate?: number;
  payloadBytes: number;
}

export const FULL: Omit<CallbacksSettings, "config"> = { connections: 40_000, rounds: 15, warmupRounds: 2, payloadBytes: 64 };
export const QUICK: Omit<CallbacksSettings, "config"> = { connections: 10_000, rounds: 7, warmupRounds: 1, payloadBytes: 64 };

export interface Check { what: string; expected: number; actual: number | null; ok: boolean }

export interface VariantResult {
  key: VariantKey;
  label: string;
  /** Median over rounds of wall ns per connection spent in the connection sequence. */
  callbacksNsPerConn: number;
  callbacksNsPerConnRounds: number[];
  callbacksP25: number;
  callbacksP75: number;
  /**
   * Cross-check on a busy machine: process CPU time (all threads: GC, compiler) of a whole round
   * (connections and clock steps) per connection, median over rounds.
   */
  roundCpuNsPerConn: number;
  /** Median over rounds of wall ns per virtual second spent moving the clock (ticks, queue deliveries). */
  clockNsPerSec: number;
  clockNsPerSecRounds: number[];
  tally: Tally;
  /** The connection count the module itself reports (null for no-wasm). */
  filterSaw: { source: string; value: number } | null;
  wasmMetrics?: Record<string, string>;
  logs: Record<string, number>;
}

export interface CallbacksResult {
  benchmark: "callbacks";
  quick: boolean;
  machine: MachineInfo;
  startedAt: string;
  finishedAt: string;
  settings: CallbacksSettings & { clock: VirtualClock; virtualRate: number; flowLimitPerSec: number | null };
  filterBuild: ModuleBuildInfo;
  serviceBuild?: ModuleBuildInfo;
  variants: VariantResult[];
  hostCost: HostCost | null;
  /** Calls per connection in each direction, by name, from a separate traced run of the filter variant (not timed). */
  callProfile: CallProfile;
  summary: {
    /** Having a wasm filter at all (empty module) over none: host functions, context bookkeeping, VM calls. */
    emptyFilterNsPerConn: number;
    /** The Sentinel filter's callbacks over the empty filter's: median of the per-round differences. */
    filterCallbacksNsPerConn: number;
    filterCallbacksNsPerConnOfMedians: number;
    /** Ticks + queue work of filter and service, over the empty filter's clock work, in ns per second of time. */
    filterClockNsPerSec: number;
    /** filterClockNsPerSec spread over the host's measured connections/s (null without a host cost). */
    filterClockNsPerConn: number | null;
    /** filterCallbacksNsPerConn + filterClockNsPerConn. */
    filterNsPerConn: number;
    hostNsPerConn: number | null;
    /** filterNsPerConn / hostNsPerConn. */
    filterShareOfHost: number | null;
    goal: number;
    /**
     * null when not judged: no host cost, or the filter measured no dearer than the empty module
     * (a share <= 0 is noise larger than the difference, typically in tiny runs on a busy machine).
     */
    goalMet: boolean | null;
  };
  checks: Check[];
}

export interface CallProfile {
  connections: number;
  note: string;
  hostToVmPerConn: Record<string, number>;
  vmToHostPerConn: Record<string, number>;
}

/**
 * What the filter variant does per connection, call by call: the host's wasm:trace log (cpp-host
 * format, one line per host->VM and VM->host call) over a few connections of a separate target.
 * Tracing is far too slow to time; this only explains where the timed cost goes.
 */
async function callProfile(config: HostConfig, payload: Uint8Array, clock: VirtualClock): Promise<CallProfile> {
  const t = await BenchTarget.create({ config, logLevel: "trace" });
  const n = 200;
  t.run(n, payload, clock); // past start-up, first ticks and first-use allocations
  t.emu.clearLogs();
  t.run(n, payload, clock);
  const count = (re: RegExp) => {
    const out: Record<string, number> = {};
    for (const l of t.emu.logs("trace")) {
      const m = re.exec(l);
      if (m) out[m[1]] = (out[m[1]] ?? 0) + 1;
    }
    for (const k of Object.keys(out)) out[k] = round(out[k] / n, 2);
    return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
  };
  const note = "at trace the filter's debug lines are enabled: its proxy_log calls here do not happen in the timed run (see the variant's logs)";
  const profile = { connections: n, note, hostToVmPerConn: count(/^\[host->vm\] (\w+)\(/), vmToHostPerConn: count(/^\[vm->host\] ([\w.]+)\(/) };
  t.shutdown();
  return profile;
}

export async function runCallbacksBench(opts: {
  settings: CallbacksSettings; quick: boolean;
  hostCost: () => Promise<HostCost | null>;
  progress?: (line: string) => void;
}): Promise<CallbacksResult> {
  const s = opts.settings;
  const say = opts.progress ?? (() => {});
  const startedAt = new Date().toISOString();
  const cfg = loadBenchConfig(s.config);
  const plugin = filterPlugin(cfg)!;
  const emptyWasm = await buildEmptyFilter();
  const variants = variantConfigs(cfg, emptyWasm);
  const targets: BenchTarget[] = [];
  for (const v of variants) targets.push(await BenchTarget.create({ config: v.config }));
  const payload = new Uint8Array(s.payloadBytes).fill(0x61);
  const limit = flowLimitPerSec(plugin);
  const clock = virtualClock(s.rate ?? admittedRate(plugin));

  for (let w = 0; w < s.warmupRounds; w++) for (const t of targets) t.run(s.connections, payload, clock);
  const perConn: number[][] = variants.map(() => []);
  const perSec: number[][] = variants.map(() => []);
  const cpuPerConn: number[][] = variants.map(() => []);
  for (let r = 0; r < s.rounds; r++) {
    // Interleaved, and each round starts with the next variant, so drift and order hit all alike.
    for (let k = 0; k < targets.length; k++) {
      const i = (r + k) % targets.length;
      const cpu0 = process.cpuUsage();
      const { connectionsNs, clockNs, virtualMs } = targets[i].run(s.connections, payload, clock);
      const cpu = process.cpuUsage(cpu0);
      cpuPerConn[i].push(((cpu.user + cpu.system) * 1000) / s.connections);
      perConn[i].push(connectionsNs / s.connections);
      perSec[i].push((clockNs * 1000) / virtualMs);
    }
    say(`round ${r + 1}/${s.rounds}: ${variants.map((v, i) => `${v.key} ${round(perConn[i][r], 0)} ns`).join(", ")}`);
  }

  const results: VariantResult[] = [];
  const checks: Check[] = [];
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i], t = targets[i];
    t.settle(2000); // last reports reach the service, counters are final
    const metrics = t.wasmMetrics();
    let filterSaw: VariantResult["filterSaw"] = null;
    if (v.key === "empty-filter") {
      const vm = t.workers[0].vmFor(plugin.name);
      const n = vm?.has("bench_new_connections") ? vm.call("bench_new_connections", vm.vmContext) : undefined;
      filterSaw = { source: "empty module's bench_new_connections()", value: n ?? -1 };
    } else if (v.key === "filter") {
      const saw = filterSawFromMetrics(metrics);
      filterSaw = saw ? { source: saw.metric, value: saw.value } : { source: "no connection counter among the filter's metrics", value: -1 };
    }
    const pc = perConn[i];
    results.push({
      key: v.key, label: v.label,
      callbacksNsPerConn: round(median(pc)), callbacksNsPerConnRounds: pc.map((x) => round(x)),
      callbacksP25: round(quantile(pc, 0.25)), callbacksP75: round(quantile(pc, 0.75)),
      roundCpuNsPerConn: round(median(cpuPerConn[i])),
      clockNsPerSec: round(median(perSec[i]), 0), clockNsPerSecRounds: perSec[i].map((x) => round(x, 0)),
      tally: { ...t.tally }, filterSaw,
      ...(v.key === "filter" ? { wasmMetrics: metrics } : {}),
      logs: t.takeLogCounts(),
    });
    checks.push({ what: `${v.key}: every connection completed or was closed by the host`, expected: t.tally.connections,
      actual: t.tally.completed + t.tally.closedByHost, ok: t.tally.broken === 0 && t.tally.completed + t.tally.closedByHost === t.tally.connections });
    if (v.key !== "no-wasm") {
      checks.push({ what: `${v.key}: every connection admitted (the timed path is the whole sequence; lower --rate if the filter blocked)`,
        expected: 0, actual: t.tally.closedByHost, ok: t.tally.closedByHost === 0 });
    }
    if (filterSaw) {
      checks.push({ what: `${v.key}: connections the module counted (${filterSaw.source}) = connections driven`,
        expected: t.tally.connections, actual: filterSaw.value, ok: filterSaw.value === t.tally.connections });
    }
    t.shutdown();
  }

  const profile = await callProfile(cfg, payload, clock);
  say("host per-connection cost ...");
  const hostCost = await opts.hostCost();
  const [, b, c] = results;
  const paired = perConn[2].map((x, r) => x - perConn[1][r]);
  const filterCallbacks = median(paired);
  const filterClockNsPerSec = median(perSec[2].map((x, r) => x - perSec[1][r]));
  const hostCps = hostCost?.connPerSec;
  const filterClockNsPerConn = hostCps ? filterClockNsPerSec / hostCps : null;
  const filterNs = filterCallbacks + (filterClockNsPerConn ?? 0);
  const hostNs = hostCost ? hostCost.usPerConn * 1000 : null;
  const share = hostNs ? filterNs / hostNs : null;
  const GOAL = 0.02;
  const servicePath = cfg.wasmServices[0]?.codePath;
  return {
    benchmark: "callbacks", quick: opts.quick, machine: machineInfo(), startedAt, finishedAt: new Date().toISOString(),
    settings: { ...s, clock, virtualRate: clockRate(clock), flowLimitPerSec: limit ?? null },
    filterBuild: moduleBuildInfo(plugin.codePath, "filter"),
    ...(servicePath ? { serviceBuild: moduleBuildInfo(servicePath, "service") } : {}),
    variants: results,
    hostCost,
    callProfile: profile,
    summary: {
      emptyFilterNsPerConn: round(median(perConn[1].map((x, r) => x - perConn[0][r]))),
      filterCallbacksNsPerConn: round(filterCallbacks),
      filterCallbacksNsPerConnOfMedians: round(c.callbacksNsPerConn - b.callbacksNsPerConn),
      filterClockNsPerSec: round(filterClockNsPerSec, 0),
      filterClockNsPerConn: filterClockNsPerConn === null ? null : round(filterClockNsPerConn),
      filterNsPerConn: round(filterNs),
      hostNsPerConn: hostNs === null ? null : round(hostNs, 0),
      filterShareOfHost: share === null ? null : round(share, 4),
      goal: GOAL,
      goalMet: share === null || share <= 0 ? null : share < GOAL,
    },
    checks,
  };
}
