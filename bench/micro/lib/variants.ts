// The three host configurations compared by callbacks.ts, all derived from one Envoy YAML
// (default envoy-configs/envoy.yaml) read by the host's own loader, so the listener, tcp_proxy and
// cluster are identical and only the wasm part differs:
//   no-wasm       the listener's wasm filters removed, no Wasm service: FilterManager + tcp_proxy
//   empty-filter  each wasm filter's code replaced by the empty module, no Wasm service
//   filter        the configuration as written (filter and singleton service)
import { existsSync } from "node:fs";
import path from "node:path";
import { loadHostConfig } from "../../../host/src/config/index.ts";
import type { HostConfig, PluginSpec } from "../../../host/src/contracts.ts";
import { REPO_ROOT } from "./paths.ts";

export const DEFAULT_CONFIG = "envoy-configs/envoy.yaml";

export type VariantKey = "no-wasm" | "empty-filter" | "filter" | "filter-alt";

export interface VariantConfig { key: VariantKey; label: string; config: HostConfig }

/** Envoy resolves code paths against its working directory; the configs here assume the repo root. */
function absolutePlugin(p: PluginSpec, configFile: string): PluginSpec {
  const codePath = path.resolve(REPO_ROOT, p.codePath);
  if (!existsSync(codePath)) {
    throw new Error(`${configFile}: plugin "${p.name}" needs ${p.codePath}, which is not built (run \`npm run build\`)`);
  }
  return { ...p, codePath };
}

/** The configuration as the host reads it, with the code paths made absolute. */
export function loadBenchConfig(file = DEFAULT_CONFIG): HostConfig {
  const abs = path.resolve(REPO_ROOT, file);
  const cfg = loadHostConfig(abs, { checkFiles: false });
  const listeners = cfg.listeners.map((l) => ({
    ...l, filters: l.filters.map((f) => (f.kind === "wasm" ? { ...f, plugin: absolutePlugin(f.plugin, file) } : f)),
  }));
  const wasmFilters = listeners[0]?.filters.filter((f) => f.kind === "wasm").length ?? 0;
  if (wasmFilters === 0) throw new Error(`${file}: the first listener has no wasm filter to measure`);
  return { ...cfg, listeners, wasmServices: cfg.wasmServices.map((p) => absolutePlugin(p, file)) };
}

export function noWasm(cfg: HostConfig): HostConfig {
  return { ...cfg, wasmServices: [], listeners: cfg.listeners.map((l) => ({ ...l, filters: l.filters.filter((f) => f.kind !== "wasm") })) };
}

/** Every listener's wasm filters run `codePath`; the Wasm services are dropped. */
export function withFilterCode(cfg: HostConfig, codePath: string): HostConfig {
  return { ...listenersWithFilterCode(cfg, codePath), wasmServices: [] };
}

function listenersWithFilterCode(cfg: HostConfig, codePath: string): HostConfig {
  return {
    ...cfg,
    listeners: cfg.listeners.map((l) => ({
      ...l, filters: l.filters.map((f) => (f.kind === "wasm" ? { ...f, plugin: { ...f.plugin, codePath } } : f)),
    })),
  };
}

export function variantConfigs(cfg: HostConfig, emptyFilterWasm: string): VariantConfig[] {
  return [
    { key: "no-wasm", label: "no wasm (FilterManager + tcp_proxy)", config: noWasm(cfg) },
    { key: "empty-filter", label: "empty filter module", config: withFilterCode(cfg, emptyFilterWasm) },
    { key: "filter", label: "Sentinel filter + service", config: cfg },
  ];
}

/** The first wasm filter of the first listener (the one measured). */
export function filterPlugin(cfg: HostConfig): PluginSpec | undefined {
  for (const f of cfg.listeners[0]?.filters ?? []) if (f.kind === "wasm") return f.plugin;
  return undefined;
}

/**
 * The lowest flow limit in the plugin's configuration, in new connections per second (Sentinel
 * flow rules: `threshold` per `statIntervalInMs`, default 1000 ms); undefined without flow rules.
 */
export function flowLimitPerSec(p: PluginSpec): number | undefined {
  let doc: any;
  try { doc = JSON.parse(new TextDecoder().decode(p.pluginConfiguration)); } catch { return undefined; }
  const rules: any[] = Array.isArray(doc?.flowRules) ? doc.flowRules : [];
  const limits = rules.filter((r) => typeof r?.threshold === "number")
    .map((r) => (r.threshold * 1000) / (typeof r.statIntervalInMs === "number" && r.statIntervalInMs > 0 ? r.statIntervalInMs : 1000));
  return limits.length ? Math.min(...limits) : undefined;
}

/** The filter's `tickPeriodMs` (filter/assembly/config.ts: default 20 ms), for letting counters flush. */
export function tickPeriodMs(p: PluginSpec): number {
  try {
    const v = JSON.parse(new TextDecoder().decode(p.pluginConfiguration))?.tickPeriodMs;
    return typeof v === "number" && v > 0 ? v : 20;
  } catch { return 20; }
}

/**
 * The configuration as written, with another build of the filter (and of the service, if given):
 * an A/B of two module builds in one process (bench/micro/cold.ts --alt-filter).
 */
export function altBuild(cfg: HostConfig, filterWasm: string, serviceWasm?: string): VariantConfig {
  const withFilter = listenersWithFilterCode(cfg, filterWasm);
  const config = serviceWasm === undefined ? withFilter
    : { ...withFilter, wasmServices: cfg.wasmServices.map((p) => ({ ...p, codePath: serviceWasm })) };
  return { key: "filter-alt", label: `Sentinel filter + service, ${path.basename(filterWasm)}`, config };
}

/**
 * The virtual connection rate the micro benchmarks drive by default: half the configuration's
 * lowest flow limit, at most 500/s, so every connection is admitted and runs the whole sequence.
 */
export function admittedRate(p: PluginSpec): number {
  const limit = flowLimitPerSec(p);
  return Math.min(500, limit === undefined ? 500 : Math.max(1, limit / 2));
}
