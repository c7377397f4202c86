// Reads an Envoy-style admin endpoint (/stats?format=json: {"stats":[{"name","value"},...,
// {"histograms":...}]}) into a name -> value map, and compares what the proxy counted with what
// the load clients saw.
import http from "node:http";
import { readUntilSteady } from "../../host/test/e2e/net-helpers.ts";

export type StatMap = Map<string, number>;

export function parseStatsJson(text: string): StatMap {
  let doc: unknown;
  try { doc = JSON.parse(text); } catch (e) { throw new Error(`admin /stats?format=json: not JSON (${(e as Error).message})`); }
  const stats = (doc as { stats?: unknown }).stats;
  if (!Array.isArray(stats)) throw new Error(`admin /stats?format=json: expected {"stats":[...]}`);
  const out: StatMap = new Map();
  for (const s of stats as Array<Record<string, unknown>>) {
    if (typeof s.name === "string" && typeof s.value === "number") out.set(s.name, s.value);
  }
  return out;
}

export function fetchText(url: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => { body += c; });
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url}: timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

export async function fetchStats(adminHost: string, adminPort: number): Promise<StatMap> {
  return parseStatsJson(await fetchText(`http://${adminHost}:${adminPort}/stats?format=json`));
}

// The filter's per-connection counters (cx, entry, block), as opposed to the service's sliding-window
// gauges, which move with time alone.
const FILTER_COUNTS = /^wasmcustom\.sentinel\.(filter|entry|block)\./;

/**
 * Stats once the filters' counts have settled. The filter hands its per-connection counts to the
 * host on its tick (20 ms while it has connections), so a read right after traffic, or right after
 * a readiness probe, can miss the last ones: reads until those counters are unchanged over `gapMs`.
 */
export function settledStats(read: () => Promise<StatMap>, gapMs = 100, maxMs = 3000): Promise<StatMap> {
  return readUntilSteady(read, (m) => JSON.stringify([...m].filter(([k]) => FILTER_COUNTS.test(k))), { gapMs, maxMs });
}

/** after - before for every stat in `after` (counters grow; gauges give their change). */
export function statDelta(before: StatMap, after: StatMap): StatMap {
  const out: StatMap = new Map();
  for (const [k, v] of after) out.set(k, v - (before.get(k) ?? 0));
  return out;
}

export interface CrossCheck { what: string; stat: string; proxy: number | null; clients: number; ok: boolean }

/**
 * Each expectation pairs a stat (exact name) with what the clients counted; a stat the proxy does
 * not expose is a mismatch too (proxy: null), since the report promises the comparison.
 */
export function crossCheck(delta: StatMap, expectations: Array<{ what: string; stat: string; clients: number }>): CrossCheck[] {
  return expectations.map((e) => {
    const v = delta.get(e.stat);
    return { what: e.what, stat: e.stat, proxy: v ?? null, clients: e.clients, ok: v === e.clients };
  });
}
