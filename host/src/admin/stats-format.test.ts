import { test } from "node:test";
import assert from "node:assert/strict";
import type { MetricSnapshot } from "../contracts.ts";
import {
  compileStatsTags, extractTags, formatPrometheus, formatStatsJson, formatStatsText, histogramQuantile,
  histogramSummary, prometheusMetricName, statsFilter,
} from "./stats-format.ts";

const counter = (name: string, value: bigint): MetricSnapshot => ({ name, kind: 0, value });
const gauge = (name: string, value: bigint): MetricSnapshot => ({ name, kind: 1, value });
const hist = (name: string, bounds: number[], counts: number[], sum: number): MetricSnapshot => ({
  name, kind: 2, value: 0n,
  histogram: { bounds, cumulativeCounts: counts.map(BigInt), count: BigInt(counts.at(-1) ?? 0), sum },
});

test("formatStatsText sorts counters and gauges by name, then histograms", () => {
  const text = formatStatsText([
    gauge("server.live", 1n),
    counter("wasmcustom.sentinel_pass", 42n),
    counter("cluster.backend.upstream_cx_total", 3n),
    hist("cluster.backend.upstream_cx_connect_ms", [1, 5], [0, 0], 0),
  ], () => true);
  assert.equal(text,
    "cluster.backend.upstream_cx_total: 3\nserver.live: 1\nwasmcustom.sentinel_pass: 42\n" +
    "cluster.backend.upstream_cx_connect_ms: No recorded values\n");
});

test("statsFilter is a partial regex match and rejects a bad regex", () => {
  const f = statsFilter("cx_t.tal");
  assert.equal(f("cluster.a.upstream_cx_total"), true);
  assert.equal(f("server.live"), false);
  assert.equal(statsFilter(null)("anything"), true);
  assert.throws(() => statsFilter("("), /Invalid regex/);
});

test("histogramQuantile interpolates inside the bucket holding the rank", () => {
  const h = hist("h", [10, 20, 40], [0, 10, 10], 150).histogram!;
  assert.equal(histogramQuantile(h, 0), 10);
  assert.equal(histogramQuantile(h, 50), 15);
  assert.equal(histogramQuantile(h, 100), 20);
  assert.ok(Number.isNaN(histogramQuantile(hist("e", [1], [0], 0).histogram!, 50)));
  assert.match(histogramSummary(h), /^P0\(nan,10\) P25\(nan,12\.5\) P50\(nan,15\) .* P100\(nan,20\)$/);
  // Envoy prints the double with fmt "{}" (shortest round-trip), so nothing is rounded away
  const thirds = hist("t", [1], [3], 1).histogram!;
  const p95 = histogramQuantile(thirds, 95);
  assert.ok(String(p95).length > 6, `a value with more than 3 decimals (${p95})`);
  assert.match(histogramSummary(thirds), new RegExp(` P95\\(nan,${String(p95).replace(".", "\\.")}\\) `));
});

test("formatStatsJson prints Envoy's stats array with a histograms entry", () => {
  const json = JSON.parse(formatStatsJson([
    counter("b.c", 2n), gauge("a.g", 5n), hist("h.ms", [1], [1], 0.5),
  ], () => true));
  assert.deepEqual(json.stats.slice(0, 2), [{ name: "a.g", value: 5 }, { name: "b.c", value: 2 }]);
  const h = json.stats[2].histograms;
  assert.deepEqual(h.supported_quantiles, [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100]);
  assert.equal(h.computed_quantiles[0].name, "h.ms");
  assert.deepEqual(h.computed_quantiles[0].values[0], { interval: null, cumulative: 0 });
});

test("formatStatsJson omits the histograms entry when there are none", () => {
  assert.equal(formatStatsJson([counter("x", 1n)], () => true), '{"stats":[{"name":"x","value":1}]}');
});

test("prometheusMetricName drops wasmcustom., prefixes others with envoy_, sanitises", () => {
  assert.equal(prometheusMetricName("wasmcustom.sentinel.flow-passed"), "sentinel_flow_passed");
  assert.equal(prometheusMetricName("listener.127.0.0.1_10000.downstream_cx_total"),
    "envoy_listener_127_0_0_1_10000_downstream_cx_total");
  assert.equal(prometheusMetricName("wasmcustom.9lives"), undefined);
});

test("extractTags removes the first group and uses the inner group as the value (gosdk example)", () => {
  const tags = compileStatsTags([
    { tagName: "value", regex: "(_value=([a-zA-Z]+))" },
    { tagName: "reporter", regex: "(_reporter=([a-zA-Z]+))" },
  ]);
  assert.deepEqual(extractTags("wasmcustom.custom_header_value_counts_value=foo_reporter=wasmgosdk", tags), {
    name: "wasmcustom.custom_header_value_counts",
    tags: [["value", "foo"], ["reporter", "wasmgosdk"]],
  });
  const single = compileStatsTags([{ tagName: "t", regex: "\\.(x)\\." }]);
  assert.deepEqual(extractTags("a.x.b", single), { name: "a..b", tags: [["t", "x"]] });
});

test("compileStatsTags names the bad entry", () => {
  assert.throws(() => compileStatsTags([{ tagName: "a", regex: "(" }]), /stats_tags\[0\]\.regex/);
});

test("formatPrometheus groups families with one TYPE line, counters then gauges then histograms", () => {
  const tags = compileStatsTags([{ tagName: "resource", regex: "(\\.resource=([a-z]+))" }]);
  const text = formatPrometheus([
    gauge("server.live", 1n),
    counter("wasmcustom.sentinel.pass.resource=foo", 3n),
    counter("wasmcustom.sentinel.pass.resource=bar", 4n),
    hist("cluster.b.upstream_cx_connect_ms", [0.5, 1], [1, 2], 1.25),
  ], tags);
  assert.equal(text, [
    "# TYPE sentinel_pass counter",
    'sentinel_pass{resource="foo"} 3',
    'sentinel_pass{resource="bar"} 4',
    "# TYPE envoy_server_live gauge",
    "envoy_server_live{} 1",
    "# TYPE envoy_cluster_b_upstream_cx_connect_ms histogram",
    'envoy_cluster_b_upstream_cx_connect_ms_bucket{le="0.5"} 1',
    'envoy_cluster_b_upstream_cx_connect_ms_bucket{le="1"} 2',
    'envoy_cluster_b_upstream_cx_connect_ms_bucket{le="+Inf"} 2',
    "envoy_cluster_b_upstream_cx_connect_ms_sum{} 1.25",
    "envoy_cluster_b_upstream_cx_connect_ms_count{} 2",
    "",
  ].join("\n"));
});

test("formatPrometheus escapes label values", () => {
  const tags = compileStatsTags([{ tagName: "v", regex: "(\\.v=(.*))" }]);
  assert.equal(formatPrometheus([counter('wasmcustom.c.v=a"b', 1n)], tags),
    '# TYPE c counter\nc{v="a\\"b"} 1\n');
});
