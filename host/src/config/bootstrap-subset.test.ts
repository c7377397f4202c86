// Stage 2: valid Envoy configuration the host does not implement is refused by path, never ignored;
// what it does implement maps into HostConfig with the bytes Envoy would hand the modules.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError } from "./config-error.ts";
import { at, baseConfig, CLUSTER, edited, FILTERS, LISTENER, load, PLUGIN, SERVICE, TCP, VM, WASM } from "./test-fixtures.ts";
import type { Obj } from "./test-fixtures.ts";
import type { PluginSpec } from "../contracts.ts";

const NOT_SUPPORTED = "is valid Envoy configuration but not supported by this host";

interface Case { name: string; edit: (c: Obj) => void; path: string; says?: string }

const LBE = `${CLUSTER}.load_assignment.endpoints[0].lb_endpoints[0]`;
const tcpProxyFilter = (cluster: string): Obj => ({
  name: "envoy.filters.network.tcp_proxy",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", stat_prefix: "x", cluster },
});

const unsupportedCases: Case[] = [
  // bootstrap level
  { name: "dynamic_resources", edit: (c) => { c.dynamic_resources = { lds_config: { path_config_source: { path: "/x" } } }; }, path: "dynamic_resources" },
  { name: "layered_runtime", edit: (c) => { c.layered_runtime = { layers: [] }; c.layered_runtime.layers = [{ name: "l", static_layer: {} }]; }, path: "layered_runtime" },
  { name: "stats_flush_interval", edit: (c) => { c.stats_flush_interval = "5s"; }, path: "stats_flush_interval" },
  { name: "node metadata", edit: (c) => { c.node.metadata = { k: "v" }; }, path: "node.metadata" },
  { name: "static secrets", edit: (c) => { c.static_resources.secrets = [{ name: "s" }]; }, path: "static_resources.secrets" },
  // admin
  { name: "admin access_log_path", edit: (c) => { c.admin.access_log_path = "/dev/null"; }, path: "admin.access_log_path" },
  { name: "admin access_log", edit: (c) => { c.admin.access_log = [{ name: "envoy.access_loggers.stdout" }]; }, path: "admin.access_log" },
  { name: "admin profile_path", edit: (c) => { c.admin.profile_path = "/tmp/p"; }, path: "admin.profile_path" },
  { name: "admin pipe address", edit: (c) => { c.admin.address = { pipe: { path: "/tmp/admin.sock" } }; }, path: "admin.address.pipe" },
  // listeners
  { name: "listener buffer limit", edit: (c) => { at.listener(c).per_connection_buffer_limit_bytes = 1024; }, path: `${LISTENER}.per_connection_buffer_limit_bytes` },
  { name: "listener filters", edit: (c) => { at.listener(c).listener_filters = [{ name: "envoy.filters.listener.tls_inspector" }]; }, path: `${LISTENER}.listener_filters` },
  { name: "listener on a pipe", edit: (c) => { at.listener(c).address = { pipe: { path: "/tmp/l.sock" } }; }, path: `${LISTENER}.address.pipe` },
  { name: "UDP listener", edit: (c) => { at.listener(c).address.socket_address.protocol = "UDP"; }, path: `${LISTENER}.address.socket_address.protocol` },
  { name: "listener ipv4_compat", edit: (c) => { at.listener(c).address.socket_address.ipv4_compat = true; }, path: `${LISTENER}.address.socket_address.ipv4_compat` },
  { name: "filter_chain_match", edit: (c) => { at.listener(c).filter_chains[0].filter_chain_match = { destination_port: 1 }; }, path: `${LISTENER}.filter_chains[0].filter_chain_match` },
  { name: "a second filter chain", edit: (c) => { at.listener(c).filter_chains.push({ filters: [tcpProxyFilter("c0")] }); }, path: `${LISTENER}.filter_chains[1]`, says: "only one filter chain" },
  { name: "transport socket (TLS)", edit: (c) => { at.listener(c).filter_chains[0].transport_socket = { name: "envoy.transport_sockets.raw_buffer" }; }, path: `${LISTENER}.filter_chains[0].transport_socket` },
  // filters
  { name: "another network filter type", edit: (c) => { at.filters(c).unshift({ name: "envoy.filters.network.echo", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.echo.v3.Echo" } }); }, path: `${FILTERS}[0].typed_config.@type`, says: "network filter envoy.extensions.filters.network.echo.v3.Echo" },
  { name: "extension config discovery", edit: (c) => { at.filters(c)[0].config_discovery = { config_source: { ads: {} }, type_urls: ["type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm"] }; delete at.filters(c)[0].typed_config; }, path: `${FILTERS}[0].config_discovery` },
  { name: "chain without tcp_proxy", edit: (c) => { at.filters(c).pop(); }, path: FILTERS, says: "tcp_proxy as its last filter" },
  { name: "empty filter list", edit: (c) => { at.listener(c).filter_chains[0].filters = []; }, path: FILTERS, says: "tcp_proxy as its last filter" },
  // tcp_proxy
  { name: "tcp_proxy idle_timeout", edit: (c) => { at.tcp(c).idle_timeout = "10s"; }, path: `${TCP}.idle_timeout` },
  { name: "tcp_proxy access_log", edit: (c) => { at.tcp(c).access_log = [{ name: "envoy.access_loggers.stdout" }]; }, path: `${TCP}.access_log` },
  { name: "tcp_proxy weighted_clusters", edit: (c) => { delete at.tcp(c).cluster; at.tcp(c).weighted_clusters = { clusters: [{ name: "c0", weight: 1 }] }; }, path: `${TCP}.weighted_clusters` },
  { name: "tcp_proxy max_connect_attempts", edit: (c) => { at.tcp(c).max_connect_attempts = 3; }, path: `${TCP}.max_connect_attempts` },
  // Wasm plugin
  { name: "capability restrictions", edit: (c) => { at.plugin(c).capability_restriction_config = { allowed_capabilities: { proxy_log: {} } }; }, path: `${PLUGIN}.capability_restriction_config` },
  { name: "another Wasm runtime", edit: (c) => { at.vm(c).runtime = "envoy.wasm.runtime.wamr"; }, path: `${VM}.runtime`, says: 'only envoy.wasm.runtime.v8 is provided, got "envoy.wasm.runtime.wamr"' },
  { name: "allow_precompiled true", edit: (c) => { at.vm(c).allow_precompiled = true; }, path: `${VM}.allow_precompiled` },
  { name: "nack_on_code_cache_miss true", edit: (c) => { at.vm(c).nack_on_code_cache_miss = true; }, path: `${VM}.nack_on_code_cache_miss` },
  { name: "remote code", edit: (c) => { at.vm(c).code = { remote: { http_uri: { uri: "http://x/f.wasm", cluster: "c0", timeout: "1s" }, sha256: "ab" } }; }, path: `${VM}.code.remote` },
  { name: "inline code string", edit: (c) => { at.vm(c).code.local = { inline_string: "wasm" }; }, path: `${VM}.code.local.inline_string` },
  { name: "inline code bytes", edit: (c) => { at.vm(c).code.local = { inline_bytes: "AGFzbQ==" }; }, path: `${VM}.code.local.inline_bytes` },
  { name: "code from an environment variable", edit: (c) => { at.vm(c).code.local = { environment_variable: "WASM" }; }, path: `${VM}.code.local.environment_variable` },
  { name: "watched_directory on code", edit: (c) => { at.vm(c).code.local.watched_directory = { path: "/tmp" }; }, path: `${VM}.code.local.watched_directory` },
  { name: "configuration as a serialized proto", edit: (c) => { at.plugin(c).configuration = { "@type": "type.googleapis.com/google.protobuf.UInt32Value", value: 3 }; }, path: `${PLUGIN}.configuration.@type`, says: "serialized protobuf" },
  { name: "vm configuration as a serialized proto", edit: (c) => { at.vm(c).configuration = { "@type": "type.googleapis.com/envoy.config.core.v3.SocketAddress", address: "1.2.3.4", port_value: 1 }; }, path: `${VM}.configuration.@type`, says: "serialized protobuf" },
  // clusters
  { name: "STRICT_DNS cluster", edit: (c) => { at.cluster(c).type = "STRICT_DNS"; }, path: `${CLUSTER}.type`, says: "only STATIC clusters, got STRICT_DNS" },
  { name: "custom cluster type", edit: (c) => { delete at.cluster(c).type; at.cluster(c).cluster_type = { name: "envoy.clusters.aggregate" }; }, path: `${CLUSTER}.cluster_type` },
  { name: "LEAST_REQUEST lb_policy", edit: (c) => { at.cluster(c).lb_policy = "LEAST_REQUEST"; }, path: `${CLUSTER}.lb_policy` },
  { name: "circuit breakers", edit: (c) => { at.cluster(c).circuit_breakers = { thresholds: [{ max_connections: 1 }] }; }, path: `${CLUSTER}.circuit_breakers` },
  { name: "health checks", edit: (c) => { at.cluster(c).health_checks = [{ timeout: "1s", interval: "1s", unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }]; }, path: `${CLUSTER}.health_checks` },
  { name: "load assignment policy", edit: (c) => { at.cluster(c).load_assignment.policy = { overprovisioning_factor: 140 }; }, path: `${CLUSTER}.load_assignment.policy` },
  { name: "locality priority", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].priority = 1; }, path: `${CLUSTER}.load_assignment.endpoints[0].priority` },
  { name: "endpoint weight", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0].load_balancing_weight = 2; }, path: `${LBE}.load_balancing_weight` },
  { name: "endpoint health status", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0].health_status = "DRAINING"; }, path: `${LBE}.health_status` },
  { name: "endpoint hostname", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0].endpoint.hostname = "echo"; }, path: `${LBE}.endpoint.hostname` },
  { name: "named endpoint", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0] = { endpoint_name: "e" }; }, path: `${LBE}.endpoint_name` },
  // bootstrap extensions
  { name: "non-singleton Wasm service", edit: (c) => { at.service(c).singleton = false; }, path: `${SERVICE}.singleton`, says: "singleton: false runs one service VM per worker" },
  { name: "Wasm service without singleton", edit: (c) => { delete at.service(c).singleton; }, path: `${SERVICE}.singleton`, says: "set singleton: true" },
  { name: "another bootstrap extension", edit: (c) => { c.bootstrap_extensions.push({ name: "s", typed_config: { "@type": "type.googleapis.com/google.protobuf.Struct", value: {} } }); }, path: "bootstrap_extensions[1].typed_config.@type", says: "bootstrap extension google.protobuf.Struct" },
  // stats
  { name: "stats_matcher", edit: (c) => { c.stats_config.stats_matcher = { reject_all: true }; }, path: "stats_config.stats_matcher" },
  { name: "fixed_value tag", edit: (c) => { c.stats_config.stats_tags[0] = { tag_name: "t", fixed_value: "v" }; }, path: "stats_config.stats_tags[0].fixed_value" },
];

for (const c of unsupportedCases) {
  test(`subset refuses: ${c.name}`, () => {
    assert.throws(() => load(edited(c.edit)), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.fieldPath, c.path, err.message);
      assert.ok(err.message.startsWith(`${c.path}: `), err.message);
      assert.ok(err.message.includes(NOT_SUPPORTED), err.message);
      if (c.says !== undefined) assert.ok(err.message.includes(c.says), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(c.says)}`);
      return true;
    });
  });
}

const invalidCases: Case[] = [
  { name: "filter identified only by name", edit: (c) => { delete at.filters(c)[1].typed_config; }, path: `${FILTERS}[1].typed_config`, says: "is required" },
  { name: "listener without filter chains", edit: (c) => { at.listener(c).filter_chains = []; }, path: `${LISTENER}.filter_chains`, says: "a listener needs a filter chain" },
  { name: "listener without address", edit: (c) => { delete at.listener(c).address; }, path: `${LISTENER}.address`, says: "is required" },
  { name: "listener on a host name", edit: (c) => { at.listener(c).address.socket_address.address = "localhost"; }, path: `${LISTENER}.address.socket_address.address`, says: 'malformed IP address "localhost"' },
  { name: "STATIC endpoint on a host name", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = "echo.local"; }, path: `${LBE}.endpoint.address.socket_address.address`, says: "malformed IP address" },
  { name: "lb_endpoint without endpoint", edit: (c) => { at.cluster(c).load_assignment.endpoints[0].lb_endpoints[0] = {}; }, path: `${LBE}.endpoint`, says: "is required" },
  { name: "filter after tcp_proxy", edit: (c) => { at.filters(c).push(at.filters(c)[0]); }, path: `${FILTERS}[2]`, says: "must be the last filter" },
  { name: "two tcp_proxy filters", edit: (c) => { at.filters(c).push(tcpProxyFilter("c0")); }, path: `${FILTERS}[2]`, says: "must be the last filter" },
  { name: "tcp_proxy without cluster", edit: (c) => { delete at.tcp(c).cluster; }, path: TCP, says: 'one of "cluster", "weighted_clusters" is required' },
  { name: "Wasm filter without config", edit: (c) => { delete at.wasm(c).config; }, path: PLUGIN, says: "is required" },
  { name: "Wasm plugin without vm_config", edit: (c) => { delete at.plugin(c).vm_config; }, path: `${PLUGIN}.vm_config`, says: "is required" },
  { name: "Wasm vm without code", edit: (c) => { delete at.vm(c).code; }, path: `${VM}.code`, says: "is required" },
  { name: "Wasm service without config", edit: (c) => { delete at.service(c).config; }, path: `${SERVICE}.config`, says: "is required" },
  { name: "host_env_keys overlapping key_values", edit: (c) => { at.vm(c).environment_variables = { host_env_keys: ["PATH"], key_values: { PATH: "/x" } }; }, path: `${VM}.environment_variables.host_env_keys[0]`, says: "conflict of key space" },
  { name: "stats tag without regex", edit: (c) => { c.stats_config.stats_tags[0] = { tag_name: "envoy.cluster_name" }; }, path: "stats_config.stats_tags[0].regex", says: "is required" },
  { name: "stats tag without name", edit: (c) => { c.stats_config.stats_tags[0] = { regex: "(x)" }; }, path: "stats_config.stats_tags[0].tag_name", says: "is required" },
  { name: "stats tag name given twice", edit: (c) => { c.stats_config.stats_tags.push({ tag_name: "resource", regex: "(x)" }); }, path: "stats_config.stats_tags[1].tag_name", says: 'tag name "resource" specified twice' },
  { name: "stats tag regex that does not compile", edit: (c) => { c.stats_config.stats_tags[0].regex = "(_resource=("; }, path: "stats_config.stats_tags[0].regex", says: "invalid regex" },
];

for (const c of invalidCases) {
  test(`subset rejects: ${c.name}`, () => {
    assert.throws(() => load(edited(c.edit)), (err: unknown) => {
      assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
      assert.equal(err.fieldPath, c.path, err.message);
      assert.ok(err.message.startsWith(`${c.path}: `), err.message);
      assert.ok(err.message.includes(c.says!), `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(c.says)}`);
      return true;
    });
  });
}

function plugins(c: Obj): { filter: PluginSpec; service: PluginSpec } {
  const cfg = load(c);
  const f = cfg.listeners[0].filters[0];
  assert.equal(f.kind, "wasm");
  return { filter: (f as { plugin: PluginSpec }).plugin, service: cfg.wasmServices[0] };
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

test("subset maps the base config into HostConfig", () => {
  const cfg = load(baseConfig());
  assert.equal(cfg.path, "test.yaml");
  assert.deepEqual(cfg.admin, { address: "127.0.0.1", port: 9901 });
  assert.equal(cfg.listeners.length, 1);
  assert.equal(cfg.listeners[0].name, "l0");
  assert.deepEqual(cfg.listeners[0].address, { address: "127.0.0.1", port: 10000 });
  assert.deepEqual(cfg.listeners[0].filters[1], { kind: "tcp_proxy", statPrefix: "echo", cluster: "c0" });
  assert.deepEqual(cfg.clusters, [{ name: "c0", connectTimeoutMs: 1000, endpoints: [{ address: "127.0.0.1", port: 10001 }] }]);
  assert.deepEqual(cfg.statsTags, [{ tagName: "resource", regex: "(_resource=([^;]*);)" }]);
  // unset: Envoy's default, true (its built-in tag extractors run)
  assert.equal(cfg.useAllDefaultTags, true);
  const { filter, service } = plugins(baseConfig());
  assert.equal(filter.name, "sentinel_filter");
  assert.equal(filter.rootId, "sentinel_filter");
  assert.equal(filter.vmId, "sentinel");
  assert.equal(filter.runtime, "envoy.wasm.runtime.v8");
  assert.equal(filter.codePath, `${process.cwd()}/build/filter.wasm`);
  assert.equal(text(filter.pluginConfiguration), '{"resource":"r"}');
  assert.equal(filter.vmConfiguration.length, 0);
  assert.equal(filter.failOpen, false);
  assert.equal(filter.failurePolicy, "FAIL_CLOSED");
  assert.deepEqual(filter.environmentVariables, {});
  assert.equal(service.rootId, "sentinel_service");
  assert.equal(service.codePath, `${process.cwd()}/build/service.wasm`);
});

test("subset hands StringValue configuration over as raw UTF-8, without the wrapper", () => {
  const { filter } = plugins(edited((c) => { at.plugin(c).configuration.value = "héllo \"x\"\n"; }));
  assert.deepEqual([...filter.pluginConfiguration], [...Buffer.from("héllo \"x\"\n", "utf8")]);
});

test("subset hands BytesValue configuration over as the decoded bytes", () => {
  const { filter } = plugins(edited((c) => {
    at.plugin(c).configuration = { "@type": "type.googleapis.com/google.protobuf.BytesValue", value: Buffer.from([0, 255, 7]).toString("base64") };
  }));
  assert.deepEqual([...filter.pluginConfiguration], [0, 255, 7]);
});

test("subset hands Struct configuration over as compact JSON", () => {
  const { filter } = plugins(edited((c) => {
    at.plugin(c).configuration = { "@type": "type.googleapis.com/google.protobuf.Struct", value: { rules: [{ count: 10, grade: "QPS" }], enabled: true } };
  }));
  assert.deepEqual(JSON.parse(text(filter.pluginConfiguration)), { enabled: true, rules: [{ count: 10, grade: "QPS" }] });
  assert.equal(text(filter.pluginConfiguration), '{"enabled":true,"rules":[{"count":10,"grade":"QPS"}]}');
});

test("subset gives empty configuration when unset, and an empty StringValue as empty", () => {
  const { filter, service } = plugins(edited((c) => {
    delete at.plugin(c).configuration;
    at.service(c).config.configuration = { "@type": "type.googleapis.com/google.protobuf.StringValue" };
  }));
  assert.equal(filter.pluginConfiguration.length, 0);
  assert.equal(service.pluginConfiguration.length, 0);
});

test("subset maps vm_config.configuration, environment variables and fail_open", () => {
  process.env.SENTINEL_CONFIG_TEST_VAR = "from-host";
  try {
    const { filter } = plugins(edited((c) => {
      at.vm(c).configuration = { "@type": "type.googleapis.com/google.protobuf.StringValue", value: "vm-cfg" };
      at.vm(c).environment_variables = { key_values: { A: "1" }, host_env_keys: ["SENTINEL_CONFIG_TEST_VAR", "SENTINEL_CONFIG_TEST_ABSENT"] };
      at.plugin(c).fail_open = true;
    }));
    assert.equal(text(filter.vmConfiguration), "vm-cfg");
    assert.deepEqual(filter.environmentVariables, { A: "1", SENTINEL_CONFIG_TEST_VAR: "from-host" });
    assert.equal(filter.failOpen, true);
    assert.equal(filter.failurePolicy, "FAIL_OPEN");
  } finally {
    delete process.env.SENTINEL_CONFIG_TEST_VAR;
  }
});

test("subset uses Envoy's defaults: V8 runtime, 5 s connect timeout, STATIC round robin", () => {
  const cfg = load(edited((c) => {
    delete at.vm(c).runtime;
    delete at.cluster(c).connect_timeout;
    delete at.cluster(c).type;
  }));
  const f = cfg.listeners[0].filters[0];
  assert.equal(f.kind === "wasm" && f.plugin.runtime, "envoy.wasm.runtime.v8");
  assert.equal(cfg.clusters[0].connectTimeoutMs, 5000);
});

test("subset accepts a cluster without endpoints, several endpoints and IPv6", () => {
  const cfg = load(edited((c) => {
    c.static_resources.clusters.push({ name: "empty" });
    at.cluster(c).load_assignment.endpoints.push({ lb_endpoints: [
      { endpoint: { address: { socket_address: { address: "::1", port_value: 10002 } } } },
      { endpoint: { address: { socket_address: { address: "127.0.0.2", port_value: 10003 } } } },
    ] });
  }));
  assert.deepEqual(cfg.clusters[0].endpoints, [
    { address: "127.0.0.1", port: 10001 }, { address: "::1", port: 10002 }, { address: "127.0.0.2", port: 10003 },
  ]);
  assert.deepEqual(cfg.clusters[1], { name: "empty", connectTimeoutMs: 5000, endpoints: [] });
});

test("subset names an unnamed listener with a fresh UUID, as Envoy does", () => {
  const cfg = load(edited((c) => { delete at.listener(c).name; }));
  assert.match(cfg.listeners[0].name, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test("subset accepts no admin, no stats_config and no services", () => {
  const cfg = load(edited((c) => { delete c.admin; delete c.stats_config; delete c.bootstrap_extensions; delete c.node; }));
  assert.equal(cfg.admin, undefined);
  assert.deepEqual(cfg.statsTags, []);
  assert.deepEqual(cfg.wasmServices, []);
});

test("subset keeps wasm filters in order before the tcp_proxy", () => {
  const cfg = load(edited((c) => {
    const second = structuredClone(at.filters(c)[0]);
    second.typed_config.config.root_id = "second";
    at.filters(c).splice(1, 0, second);
  }));
  const kinds = cfg.listeners[0].filters.map((f) => (f.kind === "wasm" ? f.plugin.rootId : f.kind));
  assert.deepEqual(kinds, ["sentinel_filter", "second", "tcp_proxy"]);
});

test("the fixture paths name the filters they point at", () => {
  // Guards the path constants every table above relies on.
  assert.throws(() => load(edited((c) => { at.wasm(c).bogus = 1; })), (e: unknown) => e instanceof ConfigError && e.fieldPath === `${WASM}.bogus`);
});

test("use_all_default_tags: unset and true mean Envoy's default extractors, false turns them off", () => {
  assert.equal(load(edited((c) => { c.stats_config.use_all_default_tags = true; })).useAllDefaultTags, true);
  assert.equal(load(edited((c) => { c.stats_config.use_all_default_tags = false; })).useAllDefaultTags, false);
  assert.equal(load(edited((c) => { delete c.stats_config; })).useAllDefaultTags, true);
});
