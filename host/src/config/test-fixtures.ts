// A valid bootstrap for the config tests to break one field at a time. Kept independent of
// envoy-configs/envoy.yaml so that edits there cannot silently weaken these tests.

import { stringify } from "yaml";
import { parseHostConfig } from "./load-host-config.ts";
import type { HostConfig } from "../contracts.ts";

export type Obj = Record<string, any>;

export const LISTENER = "static_resources.listeners[0]";
export const FILTERS = `${LISTENER}.filter_chains[0].filters`;
export const WASM = `${FILTERS}[0].typed_config`;
export const TCP = `${FILTERS}[1].typed_config`;
export const PLUGIN = `${WASM}.config`;
export const VM = `${PLUGIN}.vm_config`;
export const CLUSTER = "static_resources.clusters[0]";
export const SERVICE = "bootstrap_extensions[0].typed_config";

export function pluginConfig(rootId: string, file: string): Obj {
  return {
    name: rootId,
    root_id: rootId,
    configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: '{"resource":"r"}' },
    vm_config: { vm_id: "sentinel", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: file } } },
  };
}

export function baseConfig(): Obj {
  return {
    node: { id: "test", cluster: "test" },
    static_resources: {
      listeners: [{
        name: "l0",
        address: { socket_address: { address: "127.0.0.1", port_value: 10000 } },
        filter_chains: [{
          filters: [
            {
              name: "envoy.filters.network.wasm",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm",
                config: pluginConfig("sentinel_filter", "build/filter.wasm"),
              },
            },
            {
              name: "envoy.filters.network.tcp_proxy",
              typed_config: {
                "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy",
                stat_prefix: "echo",
                cluster: "c0",
              },
            },
          ],
        }],
      }],
      clusters: [{
        name: "c0",
        type: "STATIC",
        connect_timeout: "1s",
        load_assignment: {
          cluster_name: "c0",
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 10001 } } } }] }],
        },
      }],
    },
    bootstrap_extensions: [{
      name: "envoy.bootstrap.wasm",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.wasm.v3.WasmService",
        singleton: true,
        config: pluginConfig("sentinel_service", "build/service.wasm"),
      },
    }],
    stats_config: { stats_tags: [{ tag_name: "resource", regex: "(_resource=([^;]*);)" }] },
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: 9901 } } },
  };
}

/** Navigation helpers into a config object. */
export const at = {
  listener: (c: Obj): Obj => c.static_resources.listeners[0],
  filters: (c: Obj): Obj[] => c.static_resources.listeners[0].filter_chains[0].filters,
  wasm: (c: Obj): Obj => c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config,
  plugin: (c: Obj): Obj => c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config,
  vm: (c: Obj): Obj => c.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.config.vm_config,
  tcp: (c: Obj): Obj => c.static_resources.listeners[0].filter_chains[0].filters[1].typed_config,
  cluster: (c: Obj): Obj => c.static_resources.clusters[0],
  service: (c: Obj): Obj => c.bootstrap_extensions[0].typed_config,
};

/** Schema/subset tests do not depend on the build: code files are not opened. */
export function load(c: Obj | string, checkFiles = false): HostConfig {
  const text = typeof c === "string" ? c : stringify(c);
  return parseHostConfig(text, "test.yaml", { checkFiles });
}

export function edited(edit: (c: Obj) => void): Obj {
  const c = baseConfig();
  edit(c);
  return c;
}
