import { test } from "node:test";
import assert from "node:assert/strict";
import { compileTagExtractors, defaultTagExtractors, extractTags, regexPrefix, tokenExtractor } from "./tag-extractors.ts";
import { compileStatsTags, formatPrometheus } from "./stats-format.ts";
import type { MetricSnapshot } from "../contracts.ts";

const defaults = defaultTagExtractors();
const sortTags = (t: [string, string][]) => [...t].sort((a, b) => (a[0] < b[0] ? -1 : 1));

// Vectors from Envoy's tag_extractor_impl_test / tag_producer tests and well_known_names.cc comments.
const cases: { name: string; stat: string; extracted: string; tags: [string, string][] }[] = [
  { name: "cluster name (tokenized cluster.$.**)", stat: "cluster.echo_upstream.upstream_cx_total",
    extracted: "cluster.upstream_cx_total", tags: [["envoy.cluster_name", "echo_upstream"]] },
  { name: "tcp_proxy stat prefix", stat: "tcp.echo.downstream_cx_rx_bytes_total",
    extracted: "tcp.downstream_cx_rx_bytes_total", tags: [["envoy.tcp_prefix", "echo"]] },
  { name: "listener address", stat: "listener.127.0.0.1_10000.downstream_cx_total",
    extracted: "listener.downstream_cx_total", tags: [["envoy.listener_address", "127.0.0.1_10000"]] },
  { name: "IPv6 listener address", stat: "listener.[__1]_10000.downstream_cx_total",
    extracted: "listener.downstream_cx_total", tags: [["envoy.listener_address", "[__1]_10000"]] },
  { name: "listener worker id (the digits and dot go, 'worker_' stays)", stat: "listener.127.0.0.1_3012.worker_123.downstream_cx_active",
    extracted: "listener.worker_downstream_cx_active", tags: [["envoy.listener_address", "127.0.0.1_3012"], ["envoy.worker_id", "123"]] },
  { name: "listener stat prefix and worker id", stat: "listener.myprefix.worker_123.downstream_cx_active",
    extracted: "listener.worker_downstream_cx_active", tags: [["envoy.listener_address", "myprefix"], ["envoy.worker_id", "123"]] },
  { name: "listener_manager worker id", stat: "listener_manager.worker_123.dispatcher.loop_duration_us",
    extracted: "listener_manager.worker_dispatcher.loop_duration_us", tags: [["envoy.worker_id", "123"]] },
  { name: "server worker id", stat: "server.worker_123.watchdog_miss", extracted: "server.worker_watchdog_miss", tags: [["envoy.worker_id", "123"]] },
  { name: "the admin listener gets no address tag", stat: "listener.admin.downstream_cx_total",
    extracted: "listener.admin.downstream_cx_total", tags: [] },
  { name: "response code anywhere, with the cluster", stat: "cluster.c.upstream_rq_200",
    extracted: "cluster.upstream_rq", tags: [["envoy.cluster_name", "c"], ["envoy.response_code", "200"]] },
  { name: "response code class", stat: "cluster.c.upstream_rq_5xx",
    extracted: "cluster.upstream_rq_xx", tags: [["envoy.cluster_name", "c"], ["envoy.response_code_class", "5"]] },
  { name: "server and wasm stats are untouched", stat: "server.live", extracted: "server.live", tags: [] },
  { name: "a module stat is untouched by the defaults", stat: "wasmcustom.sentinel.filter.cx_total",
    extracted: "wasmcustom.sentinel.filter.cx_total", tags: [] },
];
for (const c of cases) {
  test(`default tag extractors: ${c.name}`, () => {
    const r = extractTags(c.stat, defaults);
    assert.equal(r.name, c.extracted);
    assert.deepEqual(sortTags(r.tags), sortTags(c.tags));
  });
}

test("tags come in TagProducerImpl's order: extractors without a prefix token first, then the name's prefix group", () => {
  assert.deepEqual(extractTags("listener.127.0.0.1_3012.worker_1.downstream_cx_total", defaults).tags,
    [["envoy.worker_id", "1"], ["envoy.listener_address", "127.0.0.1_3012"]]);
  assert.equal(regexPrefix(String.raw`^listener\.((x)\.)`), "listener");
  assert.equal(regexPrefix(String.raw`^(?:listener\.|server\.)worker_`), "");
  assert.equal(regexPrefix(String.raw`_rq(_(\d{3}))$`), "");
  assert.equal(tokenExtractor("t", "tcp.$.**").prefix, "tcp");
  assert.equal(tokenExtractor("t", "$.x.**").prefix, "");
});

test("every extractor sees the original name; the union of the cut ranges is removed", () => {
  const x = compileTagExtractors([{ tagName: "a", regex: "(\\.ab)" }, { tagName: "b", regex: "(\\.abc)" }], false);
  assert.deepEqual(extractTags("n.abcd", x), { name: "nd", tags: [["a", ".ab"], ["b", ".abc"]] });
});

test("custom stats_tags run after the defaults; use_all_default_tags false leaves only them", () => {
  const custom = [{ tagName: "resource", regex: "(_resource=([^;]*);)" }];
  const both = compileTagExtractors(custom, true);
  assert.deepEqual(extractTags("wasmcustom.sentinel.entry.pass_resource=tcp:echo;", both),
    { name: "wasmcustom.sentinel.entry.pass", tags: [["resource", "tcp:echo"]] });
  assert.deepEqual(extractTags("cluster.c.upstream_cx_total", compileTagExtractors(custom, false)),
    { name: "cluster.c.upstream_cx_total", tags: [] });
  assert.throws(() => compileTagExtractors([{ tagName: "bad", regex: "(" }], true), /stats_tags\[0\]\.regex: invalid regex/);
});

test("Prometheus with Envoy's default tags: one family per tag-extracted name, labels from the tags", () => {
  const counter = (name: string, value: bigint): MetricSnapshot => ({ name, kind: 0, value });
  const text = formatPrometheus([
    counter("cluster.a.upstream_cx_total", 1n),
    counter("cluster.b.upstream_cx_total", 2n),
    counter("listener.127.0.0.1_10000.downstream_cx_total", 3n),
    counter("listener.127.0.0.1_10000.worker_0.downstream_cx_total", 3n),
  ], compileStatsTags([], true));
  assert.equal(text, [
    "# TYPE envoy_cluster_upstream_cx_total counter",
    'envoy_cluster_upstream_cx_total{envoy_cluster_name="a"} 1',
    'envoy_cluster_upstream_cx_total{envoy_cluster_name="b"} 2',
    "# TYPE envoy_listener_downstream_cx_total counter",
    'envoy_listener_downstream_cx_total{envoy_listener_address="127.0.0.1_10000"} 3',
    "# TYPE envoy_listener_worker_downstream_cx_total counter",
    'envoy_listener_worker_downstream_cx_total{envoy_worker_id="0",envoy_listener_address="127.0.0.1_10000"} 3',
    "",
  ].join("\n"));
});
