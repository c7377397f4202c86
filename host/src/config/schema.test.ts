// Stage 1: the config is read strictly against Envoy's API protos. One row per error path; each asserts
// the exact field path the message starts with.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "./config-error.ts";
import { protoRoot } from "./proto-root.ts";
import { at, baseConfig, CLUSTER, edited, FILTERS, LISTENER, load, PLUGIN, SERVICE, TCP, VM } from "./test-fixtures.ts";
import type { Obj } from "./test-fixtures.ts";

interface Case { name: string; edit?: (c: Obj) => void; yaml?: string; path: string; says: string }

const SA = `${LISTENER}.address.socket_address`;

const cases: Case[] = [
  // unknown fields
  { name: "unknown top-level field", edit: (c) => { c.listeners = []; }, path: "listeners", says: 'unknown field "listeners" in envoy.config.bootstrap.v3.Bootstrap' },
  { name: "misspelled listener field", edit: (c) => { at.listener(c).nmae = "x"; }, path: `${LISTENER}.nmae`, says: 'unknown field "nmae" in envoy.config.listener.v3.Listener' },
  { name: "unknown field inside an Any (tcp_proxy)", edit: (c) => { at.tcp(c).clusterr = "c0"; }, path: `${TCP}.clusterr`, says: "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy" },
  { name: "failure_policy is newer than the vendored API", edit: (c) => { at.plugin(c).failure_policy = "FAIL_OPEN"; }, path: `${PLUGIN}.failure_policy`, says: "Envoy 1.33" },
  { name: "network Wasm has no nested config.config", edit: (c) => { at.wasm(c).config = { config: at.plugin(c) }; }, path: `${PLUGIN}.config`, says: 'unknown field "config" in envoy.extensions.wasm.v3.PluginConfig' },
  { name: "extra key next to value in a StringValue Any", edit: (c) => { at.plugin(c).configuration.extra = 1; }, path: `${PLUGIN}.configuration.extra`, says: 'only "@type" and "value"' },
  { name: "same field in snake_case and lowerCamelCase", edit: (c) => { at.tcp(c).statPrefix = "x"; }, path: `${TCP}.stat_prefix`, says: 'field given twice, as "stat_prefix" and "statPrefix"' },
  // wrong types
  { name: "port_value not a number", edit: (c) => { at.listener(c).address.socket_address.port_value = "http"; }, path: `${SA}.port_value`, says: 'expected an integer (uint32), got the string "http"' },
  { name: "port_value negative", edit: (c) => { at.listener(c).address.socket_address.port_value = -1; }, path: `${SA}.port_value`, says: "out of range for uint32" },
  { name: "port_value fractional", edit: (c) => { at.listener(c).address.socket_address.port_value = 1.5; }, path: `${SA}.port_value`, says: "expected an integer" },
  { name: "string field given a number", yaml: "node: { id: 42 }", path: "node.id", says: "expected a string, got the number 42" },
  { name: "repeated field given a map", edit: (c) => { c.static_resources.listeners = { name: "l0" }; }, path: "static_resources.listeners", says: "expected a list, got a map" },
  { name: "message given a string", edit: (c) => { at.listener(c).filter_chains[0] = "tcp_proxy"; }, path: `${LISTENER}.filter_chains[0]`, says: "expected a map for message envoy.config.listener.v3.FilterChain" },
  { name: "bool given a string", edit: (c) => { at.service(c).singleton = "yes"; }, path: `${SERVICE}.singleton`, says: 'expected true or false, got the string "yes"' },
  { name: "StringValue given a map", edit: (c) => { at.plugin(c).configuration.value = { resource: "r" }; }, path: `${PLUGIN}.configuration.value`, says: "expected a string, got a map" },
  { name: "BoolValue wrapper given a string", edit: (c) => { c.stats_config.use_all_default_tags = "false"; }, path: "stats_config.use_all_default_tags", says: "expected true or false" },
  { name: "bytes that are not base64", edit: (c) => { at.vm(c).code.local = { inline_bytes: "not base64!" }; }, path: `${VM}.code.local.inline_bytes`, says: "expected base64-encoded bytes" },
  { name: "null inside a list", edit: (c) => { c.static_resources.clusters.push(null); }, path: "static_resources.clusters[1]", says: "null is not allowed" },
  { name: "map field given a list", edit: (c) => { at.vm(c).environment_variables = { key_values: ["A=1"] }; }, path: `${VM}.environment_variables.key_values`, says: "expected a map, got a list" },
  // enums
  { name: "unknown enum name", edit: (c) => { at.cluster(c).type = "STATICC"; }, path: `${CLUSTER}.type`, says: 'invalid value "STATICC" for enum envoy.config.cluster.v3.Cluster.DiscoveryType' },
  { name: "unknown enum number", edit: (c) => { at.cluster(c).lb_policy = 99; }, path: `${CLUSTER}.lb_policy`, says: "invalid number 99 for enum envoy.config.cluster.v3.Cluster.LbPolicy" },
  { name: "enum given a bool", edit: (c) => { at.listener(c).address.socket_address.protocol = true; }, path: `${SA}.protocol`, says: "expected an enum name of envoy.config.core.v3.SocketAddress.Protocol" },
  // durations
  { name: "duration without unit", edit: (c) => { at.cluster(c).connect_timeout = "5"; }, path: `${CLUSTER}.connect_timeout`, says: 'invalid Duration the string "5"' },
  { name: "duration as a number", edit: (c) => { at.cluster(c).connect_timeout = 5; }, path: `${CLUSTER}.connect_timeout`, says: "invalid Duration the number 5" },
  { name: "duration in minutes", edit: (c) => { at.cluster(c).connect_timeout = "1m"; }, path: `${CLUSTER}.connect_timeout`, says: "invalid Duration" },
  { name: "duration with ten fractional digits", edit: (c) => { at.cluster(c).connect_timeout = "0.1234567891s"; }, path: `${CLUSTER}.connect_timeout`, says: "invalid Duration" },
  { name: "duration out of range", edit: (c) => { at.cluster(c).connect_timeout = "315576000001s"; }, path: `${CLUSTER}.connect_timeout`, says: "out of range" },
  // Any
  { name: "@type names no known message", edit: (c) => { at.tcp(c)["@type"] = "type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope"; }, path: `${TCP}.@type`, says: 'cannot resolve type URL "type.googleapis.com/envoy.extensions.filters.network.nope.v3.Nope"' },
  { name: "@type without a URL prefix", edit: (c) => { at.tcp(c)["@type"] = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"; }, path: `${TCP}.@type`, says: "cannot resolve type URL" },
  { name: "@type with another URL prefix", edit: (c) => { at.tcp(c)["@type"] = "example.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy"; }, path: `${TCP}.@type`, says: "type URLs must be of the form type.googleapis.com/<full.message.Name>" },
  { name: "@type of a v2 message whose imports are not vendored", edit: (c) => { at.tcp(c)["@type"] = "type.googleapis.com/envoy.config.filter.network.tcp_proxy.v2.TcpProxy"; }, path: `${TCP}.@type`, says: "cannot be loaded: it imports envoy/api/v2/" },
  { name: "@type missing", edit: (c) => { delete at.tcp(c)["@type"]; }, path: `${TCP}.@type`, says: "required" },
  { name: "@type not a string", edit: (c) => { at.plugin(c).configuration["@type"] = 7; }, path: `${PLUGIN}.configuration.@type`, says: "expected a type URL string" },
  { name: "@type of an enum, not a message", edit: (c) => { at.plugin(c).configuration["@type"] = "type.googleapis.com/envoy.config.cluster.v3.Cluster.LbPolicy"; }, path: `${PLUGIN}.configuration.@type`, says: "cannot resolve type URL" },
  // oneofs
  { name: "type and cluster_type both set", edit: (c) => { at.cluster(c).cluster_type = { name: "envoy.clusters.aggregate" }; }, path: `${CLUSTER}.cluster_type`, says: '"cluster_type" and "type" are both set, but they belong to oneof "cluster_discovery_type"' },
  { name: "port_value and named_port both set", edit: (c) => { at.listener(c).address.socket_address.named_port = "http"; }, path: `${SA}.named_port`, says: 'oneof "port_specifier"' },
  { name: "filename and inline_string both set", edit: (c) => { at.vm(c).code.local.inline_string = "x"; }, path: `${VM}.code.local.inline_string`, says: 'oneof "specifier"' },
  { name: "oneof conflict across spellings", edit: (c) => { at.vm(c).code.local.inlineBytes = "AA=="; }, path: `${VM}.code.local.inline_bytes`, says: "both set" },
  // protoc-gen-validate rules
  { name: "cluster without name (string.min_len)", edit: (c) => { delete at.cluster(c).name; }, path: `${CLUSTER}.name`, says: "is required and must not be empty (validate rule string.min_len = 1)" },
  { name: "tcp_proxy without stat_prefix", edit: (c) => { delete at.tcp(c).stat_prefix; }, path: `${TCP}.stat_prefix`, says: "string.min_len = 1" },
  { name: "empty socket address", edit: (c) => { at.listener(c).address.socket_address.address = ""; }, path: `${SA}.address`, says: "string.min_len = 1" },
  { name: "filter with empty name", edit: (c) => { at.filters(c)[1].name = ""; }, path: `${FILTERS}[1].name`, says: "string.min_len = 1" },
  { name: "port above 65535 (uint32.lte)", edit: (c) => { at.listener(c).address.socket_address.port_value = 70000; }, path: `${SA}.port_value`, says: "must be at most 65535, got 70000 (validate rule uint32.lte = 65535)" },
  { name: "zero connect_timeout (duration.gt)", edit: (c) => { at.cluster(c).connect_timeout = "0s"; }, path: `${CLUSTER}.connect_timeout`, says: "must be greater than 0s, got 0s (validate rule duration.gt)" },
  { name: "negative connect_timeout", edit: (c) => { at.cluster(c).connect_timeout = "-1s"; }, path: `${CLUSTER}.connect_timeout`, says: "duration.gt" },
  { name: "bootstrap extension without typed_config (any.required)", edit: (c) => { delete c.bootstrap_extensions[0].typed_config; }, path: SERVICE, says: "is required (validate rule any.required)" },
  { name: "empty DataSource (oneof validate.required)", edit: (c) => { at.vm(c).code.local = {}; }, path: `${VM}.code.local`, says: 'one of "filename", "inline_bytes", "inline_string", "environment_variable" is required' },
  { name: "empty filename (string.min_len in a oneof)", edit: (c) => { at.vm(c).code.local.filename = ""; }, path: `${VM}.code.local.filename`, says: "string.min_len = 1" },
  { name: "load_assignment without cluster_name", edit: (c) => { delete at.cluster(c).load_assignment.cluster_name; }, path: `${CLUSTER}.load_assignment.cluster_name`, says: "string.min_len = 1" },
  { name: "lb endpoint weight 0 (wrapper uint32.gte)", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight = 0; }, path: `${CLUSTER}.load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight`, says: "uint32.gte = 1" },
  { name: "stats tag regex over 1024 bytes (string.max_bytes)", edit: (c) => { c.stats_config.stats_tags[0].regex = `(${"a".repeat(1030)})`; }, path: "stats_config.stats_tags[0].regex", says: "string.max_bytes = 1024" },
  { name: "tcp_proxy max_connect_attempts 0", edit: (c) => { at.tcp(c).max_connect_attempts = 0; }, path: `${TCP}.max_connect_attempts`, says: "uint32.gte = 1" },
  // YAML itself
  { name: "YAML syntax error", yaml: "static_resources: [\n", path: "", says: "test.yaml: YAML syntax error" },
  { name: "duplicate YAML key", yaml: "admin: {}\nadmin: {}\n", path: "", says: "YAML syntax error" },
  { name: "top level is a list", yaml: "- a\n", path: "", says: "the top level must be a map" },
];

for (const c of cases) {
  test(`schema rejects: ${c.name}`, () => {
    const input = c.yaml ?? edited(c.edit!);
    assert.throws(() => load(input), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.fieldPath, c.path, err.message);
      if (c.path !== "") assert.ok(err.message.startsWith(`${c.path}: `), err.message);
      assert.ok(err.message.includes(c.says), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(c.says)}`);
      return true;
    });
  });
}

test("schema accepts lowerCamelCase field names as Envoy's proto-JSON does", () => {
  const c = baseConfig();
  const tcp = at.tcp(c);
  tcp.statPrefix = tcp.stat_prefix;
  delete tcp.stat_prefix;
  const cl = at.cluster(c);
  cl.connectTimeout = "0.25s";
  delete cl.connect_timeout;
  cl.loadAssignment = cl.load_assignment;
  delete cl.load_assignment;
  const p = at.plugin(c);
  p.rootId = p.root_id;
  delete p.root_id;
  p.vmConfig = p.vm_config;
  delete p.vm_config;
  p.vmConfig.vmId = "camel";
  delete p.vmConfig.vm_id;
  const cfg = load(c);
  const [wasm, proxy] = cfg.listeners[0].filters;
  assert.deepEqual(proxy, { kind: "tcp_proxy", statPrefix: "echo", cluster: "c0" });
  assert.equal(wasm.kind === "wasm" && wasm.plugin.rootId, "sentinel_filter");
  assert.equal(wasm.kind === "wasm" && wasm.plugin.vmId, "camel");
  assert.equal(cfg.clusters[0].connectTimeoutMs, 250);
});

test("schema accepts integers as strings and explicit defaults, as proto3 JSON does", () => {
  const c = edited((c) => {
    at.listener(c).address.socket_address.port_value = "10000";
    at.cluster(c).lb_policy = "ROUND_ROBIN";
    at.vm(c).allow_precompiled = false;
    at.vm(c).nack_on_code_cache_miss = false;
    c.admin.access_log_path = "";
    c.admin.access_log = [];
    c.stats_config.use_all_default_tags = false;
    at.plugin(c).fail_open = false;
    at.listener(c).address.socket_address.protocol = "TCP";
  });
  const cfg = load(c);
  assert.deepEqual(cfg.listeners[0].address, { address: "127.0.0.1", port: 10000 });
  assert.equal(cfg.useAllDefaultTags, false);
});

test("schema resolves @type of extensions outside the bootstrap's imports by loading their package", () => {
  // http_connection_manager is not imported by bootstrap.proto; its schema must still be enforced.
  const c = edited((c) => {
    at.tcp(c)["@type"] = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
    delete at.tcp(c).cluster;
  });
  assert.throws(() => load(c), (err: unknown) => err instanceof ConfigError && err.fieldPath === TCP && /oneof "route_specifier"/.test(err.message));
});

test("schema treats YAML null as unset", () => {
  const cfg = load(edited((c) => { at.cluster(c).connect_timeout = null; }));
  assert.equal(cfg.clusters[0].connectTimeoutMs, 5000);
});

test("the proto Root is loaded once per process and reused", () => {
  const first = protoRoot();
  load(baseConfig());
  assert.equal(protoRoot(), first);
});
