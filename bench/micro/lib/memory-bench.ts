// bench/micro/memory.ts's measurement: many connections through the filter (and the service
// draining the workers' reports as the virtual clock advances), sampling every VM's linear memory
// and live context count at fixed connection counts. A module that retains anything per
// connection must eventually grow its memory; after warm-up the size should not move.
import type { HostConfig, PluginSpec } from "../../../host/src/contracts.ts";
import type { Vm } from "../../../host/src/runtime/vm.ts";
import { BenchTarget, clockRate, filterSawFromMetrics, virtualClock, type Tally, type VirtualClock } from "./driver.ts";
import { machineInfo, moduleBuildInfo, round, type MachineInfo, type ModuleBuildInfo } from "./report.ts";
import { filterPlugin, flowLimitPerSec, loadBenchConfig, tickPeriodMs } from "./variants.ts";

export interface MemorySettings {
  config: string;
  connections: number;
  sampleEvery: number;
  /** Connections of warm-up: growth is judged from the sample at this count to the last one. */
  warmupConnections: number;
  workers: number;
  /**
   * Connections per virtual second. Default: twice the configuration's lowest flow limit (2000/s
   * without flow rules), so both the admit and the block path run.
   */
  rate?: number;
  payloadBytes: number;
  /**
   * A connection stays open while this many later ones arrive (lifetime = lifetime/rate seconds);
   * 0 = each closes before the next one opens.
   */
  lifetime: number;
  /** The upstream refuses every n-th connect (errors for Sentinel's statistics); 0 = never. */
  failEvery: number;
  /**
   * Adds an ErrorCount circuit breaker rule (10 errors per second, retry after 1 s) to the filter's
   * rules, so with failEvery the breaker keeps opening, probing and closing.
   */
  breaker: boolean;
  /** Replaces the filter's / the service's plugin configuration (JSON text), e.g. to exercise rules. */
  filterConfig?: string;
  serviceConfig?: string;
  /** The service's report queue, for its depth (vm_id of the service, this name). */
  queueName: string;
}

export const FULL: Omit<MemorySettings, "config" | "queueName"> = { connections: 1_000_000, sampleEvery: 100_000, warmupConnections: 100_000, workers: 2, lifetime: 1200, failEvery: 50, breaker: false, payloadBytes: 64 };
export const QUICK: Omit<MemorySettings, "config" | "queueName"> = { connections: 200_000, sampleEvery: 20_000, warmupConnections: 20_000, workers: 2, lifetime: 1200, failEvery: 50, breaker: false, payloadBytes: 64 };

/** Exports a module may offer for its allocator's in-use bytes (none of ours does yet). */
export const HEAP_USAGE_EXPORTS = ["sentinel_heap_used", "__heap_used", "heap_used"];

export interface VmSample { vm: string; memoryBytes: number | null; heapUsedBytes: number | null; contexts: number; failed: boolean }

export interface MemorySample {
  connections: number;
  virtualMs: number;
  wallMs: number;
  vms: VmSample[];
  /** Reports waiting in the service's queue (it drains them on queue_ready and tick). */
  queueDepth: number | null;
  /** Connections open (admitted, not yet closed by their client) at the sample. */
  open: number;
  filterCounted: number | null;
  nodeHeapUsedMB: number;
  logs: Record<string, number>;
}

export interface MemoryResult {
  benchmark: "memory";
  quick: boolean;
  machine: MachineInfo;
  startedAt: string;
  finishedAt: string;
  settings: MemorySettings & { clock: VirtualClock; virtualRate: number; flowLimitPerSec: number | null };
  filterBuild: ModuleBuildInfo;
  serviceBuild?: ModuleBuildInfo;
  samples: MemorySample[];
  tally: Tally;
  wasmMetrics: Record<string, string>;
  summary: {
    /** Per VM: memory at the first sample after warm-up, at the end, and the difference. */
    vms: Array<{ vm: string; afterWarmupBytes: number | null; finalBytes: number | null; growthBytes: number | null; maxContexts: number; minContexts: number }>;
    noGrowthAfterWarmup: boolean;
    /**
     * Upper bound on bytes a module could be keeping per connection without it showing: whatever it
     * retained since warm-up fits in its final memory, so leak/conn <= finalBytes / connections since warm-up.
     */
    leakBoundBytesPerConn: number | null;
    heapUsage: string;
    wallSeconds: number;
    nsPerConnection: number;
  };
  checks: Array<{ what: string; expected: number; actual: number | null; ok: boolean }>;
}

function memoryBytes(vm: Vm | undefined): number | null {
  // Vm.read returns a view on the instance's current memory buffer (rebuilt after growth).
  const view = vm?.read(0, 1);
  return view ? view.buffer.byteLength : null;
}

function heapUsed(vm: Vm | undefined): number | null {
  if (!vm) return null;
  for (const name of HEAP_USAGE_EXPORTS) if (vm.has(name)) return vm.call(name, vm.vmContext) ?? null;
  return null;
}

function withPluginConfig(p: PluginSpec, json: string | undefined): PluginSpec {
  return json === undefined ? p : { ...p, pluginConfiguration: new TextEncoder().encode(json) };
}

/** The filter's configuration with an ErrorCount breaker rule added for its resource. */
export function withBreaker(json: string): string {
  let doc: any;
  try { doc = JSON.parse(json); } catch (e) { throw new Error(`--breaker: the filter's configuration is not JSON (${(e as Error).message})`); }
  if (typeof doc?.resource !== "string") throw new Error("--breaker: the filter's configuration has no \"resource\"");
  const rule = { resource: doc.resource, strategy: 2, retryTimeoutMs: 1000, minRequestAmount: 5, statIntervalMs: 1000, threshold: 10 };
  return JSON.stringify({ ...doc, circuitBreakerRules: [...(Array.isArray(doc.circuitBreakerRules) ? doc.circuitBreakerRules : []), rule] });
}

function configured(cfg: HostConfig, s: MemorySettings): HostConfig {
  if (s.breaker) {
    const p = filterPlugin(cfg)!;
    s = { ...s, filterConfig: withBreaker(s.filterConfig ?? new TextDecoder().decode(p.pluginConfiguration)) };
  }
  return {
    ...cfg,
    listeners: cfg.listeners.map((l, i) => ({
      ...l, filters: l.filters.map((f) => (f.kind === "wasm" && i === 0 ? { ...f, plugin: withPluginConfig(f.plugin, s.filterConfig) } : f)),
    })),
    wasmServices: cfg.wasmServices.map((p) => withPluginConfig(p, s.serviceConfig)),
  };
}

export async function runMemoryBench(opts: { settings: MemorySettings; quick: boolean; progress?: (line: string) => void }): Promise<MemoryResult> {
  const s = opts.settings;
  const say = opts.progress ?? (() => {});
  const startedAt = new Date().toISOString();
  const cfg = configured(loadBenchConfig(s.config), s);
  const plugin = filterPlugin(cfg)!;
  const target = await BenchTarget.create({ config: cfg, workers: s.workers, failEvery: s.failEvery });
  const service = cfg.wasmServices[0];
  const vmsToWatch = (): Array<{ name: string; vm: Vm | undefined }> => [
    ...target.workers.map((w, i) => ({ name: `filter (worker ${i + 1})`, vm: w.vmFor(plugin.name) })),
    ...cfg.wasmServices.map((p) => ({ name: `service ${p.name} (main)`, vm: target.emu.main.vmFor(p.name) })),
  ];
  const queueDepth = (): number | null => (service ? target.emu.queueSize(service.vmId, s.queueName) ?? null : null);
  const payload = new Uint8Array(s.payloadBytes).fill(0x61);
  const limit = flowLimitPerSec(plugin);
  const clock = virtualClock(s.rate ?? (limit === undefined || limit <= 0 ? 2000 : 2 * limit));
  const samples: MemorySample[] = [];
  const t0 = Date.now();
  let logs: Record<string, number> = {};
  // The filter may publish its counters on its tick: two tick periods pass (no connections) before reading them.
  const flushMs = 2 * tickPeriodMs(plugin) + 10;
  const sample = (done: number) => {
    target.settle(flushMs);
    const counted = filterSawFromMetrics(target.wasmMetrics());
    samples.push({
      connections: done, virtualMs: target.emu.nowMs, wallMs: Date.now() - t0,
      vms: vmsToWatch().map(({ name, vm }) => ({ vm: name, memoryBytes: memoryBytes(vm), heapUsedBytes: heapUsed(vm), contexts: vm?.contextCount ?? 0, failed: vm?.failed ?? true })),
      queueDepth: queueDepth(), open: target.heldOpen, filterCounted: counted ? counted.value : null,
      nodeHeapUsedMB: round(process.memoryUsage().heapUsed / 2 ** 20, 1),
      logs,
    });
    logs = {};
  };
  sample(0); // after start-up, before any connection
  const addLogs = (l: Record<string, number>) => { for (const [k, v] of Object.entries(l)) logs[k] = (logs[k] ?? 0) + v; };
  for (let done = 0; done < s.connections;) {
    const n = Math.min(s.sampleEvery, s.connections - done);
    // In slices, so the emulator's log buffer is emptied often (only counts are kept).
    for (let left = n; left > 0;) {
      const k = Math.min(10_000, left);
      if (s.lifetime > 0) target.runHeld(k, payload, clock, s.lifetime);
      else target.run(k, payload, clock);
      addLogs(target.takeLogCounts());
      left -= k;
    }
    done += n;
    sample(done);
    const last = samples[samples.length - 1];
    say(`${done} connections: ${last.vms.map((v) => `${v.vm} ${v.memoryBytes ?? "-"} B, ${v.contexts} ctx`).join("; ")}; queue ${last.queueDepth ?? "-"}`);
  }
  const wallMs = Date.now() - t0;
  target.closeHeld();
  target.settle(2000);
  const contextsAtEnd = vmsToWatch().map(({ vm }) => vm?.contextCount ?? 0);
  const metrics = target.wasmMetrics();
  const tally = { ...target.tally };
  target.shutdown();

  const judged = samples.filter((x) => x.connections >= s.warmupConnections);
  const base = judged[0];
  const last = samples[samples.length - 1];
  const vmSummary = last.vms.map((v, i) => {
    const series = judged.map((x) => x.vms[i]);
    const first = base?.vms[i]?.memoryBytes ?? null;
    return {
      vm: v.vm, afterWarmupBytes: first, finalBytes: v.memoryBytes,
      growthBytes: first === null || v.memoryBytes === null ? null : v.memoryBytes - first,
      maxContexts: Math.max(...series.map((x) => x.contexts)), minContexts: Math.min(...series.map((x) => x.contexts)),
    };
  });
  const judgedConns = base ? last.connections - base.connections : 0;
  const maxFinal = Math.max(...vmSummary.map((v) => v.finalBytes ?? 0));
  const saw = filterSawFromMetrics(metrics);
  const checks: MemoryResult["checks"] = [
    { what: "connections the filter counted = connections driven", expected: tally.connections, actual: saw?.value ?? null, ok: saw?.value === tally.connections },
    { what: "every connection completed, was blocked, or failed upstream as driven", expected: tally.connections, actual: tally.completed + tally.closedByHost + tally.upstreamFailed,
      ok: tally.broken === 0 && tally.completed + tally.closedByHost + tally.upstreamFailed === tally.connections },
    { what: "live contexts once every connection closed = live contexts before the first (all VMs)", expected: samples[0].vms.reduce((a, v) => a + v.contexts, 0),
      actual: contextsAtEnd.reduce((a, n) => a + n, 0), ok: contextsAtEnd.every((n, i) => n === samples[0].vms[i].contexts) },
    { what: "no VM failed", expected: 0, actual: last.vms.filter((v) => v.failed).length, ok: last.vms.every((v) => !v.failed) },
  ];
  const servicePass = Object.keys(metrics).filter((k) => k.startsWith("wasmcustom.sentinel.service.pass"));
  const filterPass = Object.keys(metrics).filter((k) => k.startsWith("wasmcustom.sentinel.entry.pass"));
  if (servicePass.length > 0 && filterPass.length > 0) {
    const sum = (ks: string[]) => ks.reduce((a, k) => a + Number(metrics[k]), 0);
    checks.push({ what: "service's aggregated passes = filters' passes (counts conserved)", expected: sum(filterPass), actual: sum(servicePass), ok: sum(filterPass) === sum(servicePass) });
  }
  return {
    benchmark: "memory", quick: opts.quick, machine: machineInfo(), startedAt, finishedAt: new Date().toISOString(), settings: { ...s, clock, virtualRate: clockRate(clock), flowLimitPerSec: limit ?? null },
    filterBuild: moduleBuildInfo(plugin.codePath, "filter"),
    ...(service ? { serviceBuild: moduleBuildInfo(service.codePath, "service") } : {}),
    samples, tally, wasmMetrics: metrics,
    summary: {
      vms: vmSummary,
      noGrowthAfterWarmup: judged.length >= 2 && vmSummary.every((v) => v.growthBytes === 0),
      leakBoundBytesPerConn: judgedConns > 0 && maxFinal > 0 ? round(maxFinal / judgedConns, 2) : null,
      heapUsage: samples.some((x) => x.vms.some((v) => v.heapUsedBytes !== null))
        ? "from the module's export"
        : `not exposed (no export among ${HEAP_USAGE_EXPORTS.join(", ")}): linear memory size and live contexts only`,
      wallSeconds: round(wallMs / 1000, 1),
      nsPerConnection: round((wallMs * 1e6) / s.connections, 0),
    },
    checks,
  };
}
