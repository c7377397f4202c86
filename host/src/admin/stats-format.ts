// Pure formatters for Envoy's admin stats endpoints: MetricSnapshot[] in, response text out.
//   /stats                   "name: value" lines sorted by name, then histogram quantile summaries
//   /stats?format=json       {"stats":[{"name","value"}..., {"histograms":{...}}]}
//   /stats/prometheus        text exposition with Envoy's naming rules (docs §7)
import { MetricKind } from "../contracts.ts";
import type { MetricSnapshot, StatsTagSpec } from "../contracts.ts";
import { compileTagExtractors, extractTags } from "./tag-extractors.ts";
import type { ExtractedName, TagExtractor } from "./tag-extractors.ts";

/** Envoy's supported_quantiles for histogram summaries. */
export const SUPPORTED_QUANTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100];

/** Returns a name predicate for `?filter=` (RE2 partial match in Envoy; JS RegExp here). */
export function statsFilter(pattern: string | null | undefined): (name: string) => boolean {
  if (pattern === null || pattern === undefined || pattern === "") return () => true;
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (err) {
    throw new Error(`Invalid regex: "${pattern}": ${(err as Error).message}`);
  }
  return (name) => re.test(name);
}

function byName(a: MetricSnapshot, b: MetricSnapshot): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Quantile q (0..100) from cumulative bucket counts, interpolated linearly inside the bucket that holds
 * the rank; values above the last bound report that bound. NaN when nothing was recorded.
 */
export function histogramQuantile(h: NonNullable<MetricSnapshot["histogram"]>, q: number): number {
  const total = Number(h.count);
  if (total === 0) return NaN;
  const rank = (q / 100) * total;
  let prevCount = 0;
  let prevBound = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    const c = Number(h.cumulativeCounts[i]);
    if (c >= rank && c > 0) {
      const inBucket = c - prevCount;
      if (inBucket === 0) return h.bounds[i];
      return prevBound + ((rank - prevCount) / inBucket) * (h.bounds[i] - prevBound);
    }
    prevCount = c;
    prevBound = h.bounds[i];
  }
  return h.bounds.length > 0 ? h.bounds[h.bounds.length - 1] : NaN;
}

/** fmt's "{}" for a double, as Envoy's quantileSummary prints it: shortest round-trip, no rounding. */
function formatQuantileValue(v: number): string {
  if (Number.isNaN(v)) return "nan";
  return String(v);
}

/**
 * Envoy's text summary "P0(interval,cumulative) P25(...)...". This host keeps no interval
 * (flush-period) histograms, so the interval column is always nan.
 */
export function histogramSummary(h: MetricSnapshot["histogram"]): string {
  if (h === undefined || h.count === 0n) return "No recorded values";
  return SUPPORTED_QUANTILES.map((q) => `P${q}(nan,${formatQuantileValue(histogramQuantile(h, q))})`).join(" ");
}

export function formatStatsText(metrics: readonly MetricSnapshot[], filter: (name: string) => boolean): string {
  const sorted = metrics.filter((m) => filter(m.name)).sort(byName);
  let out = "";
  for (const m of sorted) if (m.kind !== MetricKind.Histogram) out += `${m.name}: ${m.value}\n`;
  for (const m of sorted) if (m.kind === MetricKind.Histogram) out += `${m.name}: ${histogramSummary(m.histogram)}\n`;
  return out;
}

export function formatStatsJson(metrics: readonly MetricSnapshot[], filter: (name: string) => boolean): string {
  const sorted = metrics.filter((m) => filter(m.name)).sort(byName);
  const parts: string[] = [];
  for (const m of sorted) {
    // bigint values are printed as JSON integers without going through Number (no precision loss).
    if (m.kind !== MetricKind.Histogram) parts.push(`{"name":${JSON.stringify(m.name)},"value":${m.value}}`);
  }
  const computed: string[] = [];
  for (const m of sorted) {
    if (m.kind !== MetricKind.Histogram) continue;
    const values = SUPPORTED_QUANTILES.map((q) => {
      const v = m.histogram === undefined ? NaN : histogramQuantile(m.histogram, q);
      return `{"interval":null,"cumulative":${Number.isNaN(v) ? "null" : formatQuantileValue(v)}}`;
    });
    computed.push(`{"name":${JSON.stringify(m.name)},"values":[${values.join(",")}]}`);
  }
  if (computed.length > 0) {
    parts.push(`{"histograms":{"supported_quantiles":${JSON.stringify(SUPPORTED_QUANTILES)},` +
      `"computed_quantiles":[${computed.join(",")}]}}`);
  }
  return `{"stats":[${parts.join(",")}]}`;
}

// --- Prometheus -----------------------------------------------------------------------------------

/** An extractor of stats_config (or one of Envoy's defaults); see tag-extractors.ts. */
export type CompiledTag = TagExtractor;

/** stats_config.stats_tags, after Envoy's default extractors unless use_all_default_tags is false. */
export function compileStatsTags(tags: readonly StatsTagSpec[], useAllDefaultTags = false): CompiledTag[] {
  return compileTagExtractors(tags, useAllDefaultTags);
}

export { extractTags };
export type { ExtractedName };

const CUSTOM_NAMESPACE = "wasmcustom.";

export function sanitizePrometheusName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, "_");
}

/**
 * The exported metric name, or undefined when Envoy drops it: custom-namespace (wasmcustom.) stats
 * lose the namespace and get no envoy_ prefix, and are dropped if they then start with a digit.
 */
export function prometheusMetricName(extractedName: string): string | undefined {
  if (extractedName.startsWith(CUSTOM_NAMESPACE)) {
    const s = sanitizePrometheusName(extractedName.slice(CUSTOM_NAMESPACE.length));
    if (s === "" || (s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57)) return undefined;
    return s;
  }
  return "envoy_" + sanitizePrometheusName(extractedName);
}

function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatLabels(tags: readonly [string, string][], extra?: string): string {
  const parts = tags.map(([k, v]) => `${sanitizePrometheusName(k)}="${escapeLabelValue(v)}"`);
  if (extra !== undefined) parts.push(extra);
  return `{${parts.join(",")}}`;
}

/** Bucket bounds as Envoy prints them (shortest round-trip decimal). */
function formatBound(b: number): string {
  return String(b);
}

const TYPE_NAMES = ["counter", "gauge", "histogram"];

export function formatPrometheus(metrics: readonly MetricSnapshot[], tags: readonly CompiledTag[],
  filter: (name: string) => boolean = () => true): string {
  // Group by exported name so each family gets one # TYPE line, as Prometheus requires.
  const families = new Map<string, { kind: number; rows: { tags: [string, string][]; m: MetricSnapshot }[] }>();
  for (const m of metrics) {
    if (!filter(m.name)) continue;
    const ex = extractTags(m.name, tags);
    const name = prometheusMetricName(ex.name);
    if (name === undefined) continue;
    let fam = families.get(name);
    if (fam === undefined) {
      fam = { kind: m.kind, rows: [] };
      families.set(name, fam);
    }
    if (fam.kind !== m.kind) continue; // a family cannot mix types; Envoy keeps the first one seen
    fam.rows.push({ tags: ex.tags, m });
  }
  const names = [...families.keys()].sort();
  let out = "";
  // Envoy prints counters, then gauges, then histograms.
  for (const kind of [MetricKind.Counter, MetricKind.Gauge, MetricKind.Histogram]) {
    for (const name of names) {
      const fam = families.get(name)!;
      if (fam.kind !== kind) continue;
      out += `# TYPE ${name} ${TYPE_NAMES[kind]}\n`;
      for (const row of fam.rows) {
        if (kind !== MetricKind.Histogram) {
          out += `${name}${formatLabels(row.tags)} ${row.m.value}\n`;
          continue;
        }
        const h = row.m.histogram;
        const bounds = h?.bounds ?? [];
        for (let i = 0; i < bounds.length; i++) {
          out += `${name}_bucket${formatLabels(row.tags, `le="${formatBound(bounds[i])}"`)} ${h!.cumulativeCounts[i]}\n`;
        }
        const count = h?.count ?? 0n;
        out += `${name}_bucket${formatLabels(row.tags, 'le="+Inf"')} ${count}\n`;
        out += `${name}_sum${formatLabels(row.tags)} ${h?.sum ?? 0}\n`;
        out += `${name}_count${formatLabels(row.tags)} ${count}\n`;
      }
    }
  }
  return out;
}
