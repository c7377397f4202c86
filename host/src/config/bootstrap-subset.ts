// Stage 2: a schema-valid Bootstrap (normalized by proto-json.ts) -> HostConfig, refusing by path every
// field that is set but not implemented. Also records where names and files were referenced, for the
// cross-reference stage.

import { randomUUID } from "node:crypto";
import { ConfigError, fieldPath, indexPath } from "./config-error.ts";
import { ProtoAny } from "./proto-json.ts";
import type { Msg, ProtoDuration } from "./proto-json.ts";
import { readPluginConfig } from "./plugin-spec.ts";
import type { CodeFileRef } from "./plugin-spec.ts";
import { onlyFields, readSocketAddress, required, unsupported } from "./supported.ts";
import type {
  ClusterSpec, HostConfig, ListenerSpec, NetworkFilterSpec, PluginSpec, SocketAddress, StatsTagSpec,
} from "../contracts.ts";

const WASM_FILTER = "envoy.extensions.filters.network.wasm.v3.Wasm";
const TCP_PROXY = "envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
const WASM_SERVICE = "envoy.extensions.wasm.v3.WasmService";

/** Envoy's connect_timeout when unset. */
const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface Refs {
  listeners: { name: string; path: string; address: SocketAddress; addressPath: string }[];
  clusters: { name: string; path: string }[];
  clusterRefs: { cluster: string; path: string }[];
  codeFiles: CodeFileRef[];
}

export function mapBootstrap(boot: Msg, configPath: string): { config: HostConfig; refs: Refs } {
  onlyFields(boot, "", ["node", "static_resources", "admin", "bootstrap_extensions", "stats_config"]);
  const refs: Refs = { listeners: [], clusters: [], clusterRefs: [], codeFiles: [] };

  // node is identity metadata reported to management servers; nothing here consumes it.
  if (boot.node !== undefined) onlyFields(boot.node as Msg, "node", ["id", "cluster"]);

  const statics = (boot.static_resources as Msg | undefined) ?? {};
  onlyFields(statics, "static_resources", ["listeners", "clusters"]);
  const listeners = ((statics.listeners as Msg[] | undefined) ?? []).map((l, i) =>
    readListener(l, indexPath("static_resources.listeners", i), refs));
  const clusters = ((statics.clusters as Msg[] | undefined) ?? []).map((c, i) =>
    readCluster(c, indexPath("static_resources.clusters", i), refs));

  const wasmServices = ((boot.bootstrap_extensions as Msg[] | undefined) ?? []).map((e, i) =>
    readBootstrapExtension(e, indexPath("bootstrap_extensions", i), refs));

  const stats = readStatsConfig(boot.stats_config as Msg | undefined);
  const config: HostConfig = {
    path: configPath,
    listeners,
    clusters,
    wasmServices,
    statsTags: stats.tags,
    useAllDefaultTags: stats.useAllDefaultTags,
  };
  const admin = readAdmin(boot.admin as Msg | undefined);
  if (admin !== undefined) config.admin = admin;
  return { config, refs };
}

function readAdmin(admin: Msg | undefined): SocketAddress | undefined {
  if (admin === undefined) return undefined;
  // An empty access_log_path / access_log list is dropped by the schema stage as unset.
  onlyFields(admin, "admin", ["address"]);
  if (admin.address === undefined) return undefined;
  return readSocketAddress(admin.address as Msg, "admin.address");
}

function readListener(l: Msg, path: string, refs: Refs): ListenerSpec {
  onlyFields(l, path, ["name", "address", "filter_chains"]);
  // Envoy names an unnamed listener with a fresh UUID.
  const name = (l.name as string | undefined) ?? randomUUID();
  const addressPath = fieldPath(path, "address");
  const address = readSocketAddress(l.address as Msg | undefined, addressPath);
  refs.listeners.push({ name, path, address, addressPath });

  const chainsPath = fieldPath(path, "filter_chains");
  const chains = (l.filter_chains as Msg[] | undefined) ?? [];
  if (chains.length === 0) throw new ConfigError(chainsPath, "a listener needs a filter chain (Envoy rejects a listener with none)");
  if (chains.length > 1) throw unsupported(indexPath(chainsPath, 1), "only one filter chain per listener; filter_chain_match is not implemented");
  const chainPath = indexPath(chainsPath, 0);
  onlyFields(chains[0], chainPath, ["filters"]);
  return { name, address, filters: readFilters((chains[0].filters as Msg[] | undefined) ?? [], fieldPath(chainPath, "filters"), refs) };
}

function readFilters(filters: Msg[], path: string, refs: Refs): NetworkFilterSpec[] {
  const out: NetworkFilterSpec[] = [];
  filters.forEach((f, i) => {
    const fPath = indexPath(path, i);
    onlyFields(f, fPath, ["name", "typed_config"]);
    const tcPath = fieldPath(fPath, "typed_config");
    const tc = required(f.typed_config as ProtoAny | undefined, tcPath, "this host identifies a filter by its typed_config @type");
    if (out.length > 0 && out[out.length - 1].kind === "tcp_proxy") {
      // Envoy: a terminal filter must be the last filter in a network filter chain.
      throw new ConfigError(fPath, `the terminal filter envoy.filters.network.tcp_proxy (${indexPath(path, i - 1)}) must be the last filter in the chain`);
    }
    if (tc.typeName === WASM_FILTER) {
      const wasm = tc.value as Msg;
      onlyFields(wasm, tcPath, ["config"]);
      out.push({ kind: "wasm", plugin: readPluginConfig(wasm.config as Msg | undefined, fieldPath(tcPath, "config"), refs.codeFiles) });
    } else if (tc.typeName === TCP_PROXY) {
      out.push(readTcpProxy(tc.value as Msg, tcPath, refs));
    } else {
      throw unsupported(fieldPath(tcPath, "@type"), `network filter ${tc.typeName}; supported: ${WASM_FILTER}, ${TCP_PROXY}`);
    }
  });
  if (out.length === 0 || out[out.length - 1].kind !== "tcp_proxy") {
    throw unsupported(path, `a chain without envoy.filters.network.tcp_proxy as its last filter; this host needs ${TCP_PROXY} last`);
  }
  return out;
}

function readTcpProxy(tp: Msg, path: string, refs: Refs): NetworkFilterSpec {
  onlyFields(tp, path, ["stat_prefix", "cluster"]);
  const clusterPath = fieldPath(path, "cluster");
  const cluster = required(tp.cluster as string | undefined, clusterPath, "name the upstream cluster (weighted_clusters is not implemented)");
  refs.clusterRefs.push({ cluster, path: clusterPath });
  return { kind: "tcp_proxy", statPrefix: tp.stat_prefix as string, cluster };
}

function readCluster(c: Msg, path: string, refs: Refs): ClusterSpec {
  onlyFields(c, path, ["name", "type", "connect_timeout", "load_assignment"]);
  const name = c.name as string; // PGV min_len 1
  refs.clusters.push({ name, path });
  if (c.type !== undefined && c.type !== "STATIC") throw unsupported(fieldPath(path, "type"), `only STATIC clusters, got ${c.type as string}`);
  const timeout = c.connect_timeout as ProtoDuration | undefined;
  const connectTimeoutMs = timeout === undefined ? DEFAULT_CONNECT_TIMEOUT_MS : timeout.toMillis();

  const endpoints: SocketAddress[] = [];
  const laPath = fieldPath(path, "load_assignment");
  const la = c.load_assignment as Msg | undefined;
  if (la !== undefined) {
    onlyFields(la, laPath, ["cluster_name", "endpoints"]);
    ((la.endpoints as Msg[] | undefined) ?? []).forEach((locality, i) => {
      const locPath = indexPath(fieldPath(laPath, "endpoints"), i);
      onlyFields(locality, locPath, ["lb_endpoints"]);
      ((locality.lb_endpoints as Msg[] | undefined) ?? []).forEach((lbe, j) => {
        const lbePath = indexPath(fieldPath(locPath, "lb_endpoints"), j);
        onlyFields(lbe, lbePath, ["endpoint"]);
        const epPath = fieldPath(lbePath, "endpoint");
        const ep = required(lbe.endpoint as Msg | undefined, epPath, "an lb_endpoint needs an endpoint with an address");
        onlyFields(ep, epPath, ["address"]);
        endpoints.push(readSocketAddress(ep.address as Msg | undefined, fieldPath(epPath, "address")));
      });
    });
  }
  return { name, connectTimeoutMs, endpoints };
}

function readBootstrapExtension(e: Msg, path: string, refs: Refs): PluginSpec {
  onlyFields(e, path, ["name", "typed_config"]);
  const tcPath = fieldPath(path, "typed_config");
  const tc = e.typed_config as ProtoAny; // PGV any.required
  if (tc.typeName !== WASM_SERVICE) throw unsupported(fieldPath(tcPath, "@type"), `bootstrap extension ${tc.typeName}; supported: ${WASM_SERVICE}`);
  const svc = tc.value as Msg;
  onlyFields(svc, tcPath, ["config", "singleton"]);
  if (svc.singleton !== true) {
    throw unsupported(fieldPath(tcPath, "singleton"), "singleton: false runs one service VM per worker; this host runs only singleton services, set singleton: true");
  }
  return readPluginConfig(svc.config as Msg | undefined, fieldPath(tcPath, "config"), refs.codeFiles);
}

function readStatsConfig(sc: Msg | undefined): { tags: StatsTagSpec[]; useAllDefaultTags: boolean } {
  // use_all_default_tags is a BoolValue whose absence means true in Envoy (its built-in extractors).
  if (sc === undefined) return { tags: [], useAllDefaultTags: true };
  onlyFields(sc, "stats_config", ["stats_tags", "use_all_default_tags"]);
  const useAllDefaultTags = sc.use_all_default_tags !== false;
  const tags = ((sc.stats_tags as Msg[] | undefined) ?? []).map((t, i) => {
    const tPath = indexPath("stats_config.stats_tags", i);
    onlyFields(t, tPath, ["tag_name", "regex"]);
    const tagName = required(t.tag_name as string | undefined, fieldPath(tPath, "tag_name"), "a tag needs a name");
    const regexPath = fieldPath(tPath, "regex");
    const regex = required(t.regex as string | undefined, regexPath,
      "this host has no default extractors to look up by tag_name; give the regex");
    try {
      // Envoy compiles tag regexes with std::regex (ECMAScript grammar), close to JS RegExp.
      new RegExp(regex);
    } catch (err) {
      throw new ConfigError(regexPath, `invalid regex: ${(err as Error).message}`);
    }
    return { tagName, regex };
  });
  tags.forEach((t, i) => {
    const first = tags.findIndex((o) => o.tagName === t.tagName);
    if (first !== i) {
      throw new ConfigError(fieldPath(indexPath("stats_config.stats_tags", i), "tag_name"),
        `tag name ${JSON.stringify(t.tagName)} specified twice (also stats_config.stats_tags[${first}])`);
    }
  });
  return { tags, useAllDefaultTags };
}

// Exported for tests that check the identification table.
export const FILTER_TYPES = { WASM_FILTER, TCP_PROXY, WASM_SERVICE } as const;
