// The host configurations the A/B tools compare, each built from a source tree's own
// envoy-configs/envoy.yaml (a tree runs the configuration it ships):
//   host                 no wasm filter (the listener's FilterManager + tcp_proxy only)
//   host-noop            bench/micro's do-nothing filter module: the host's own cost of running a wasm filter
//   host-empty           the Sentinel filter with only its resource name, no service
//   host-both            filter + service as shipped, flow and isolation thresholds raised so no
//                        connection is blocked (a blocked connection is not a completed one and
//                        would inflate CPU per connection)
//   *-slowtick           host-empty / host-both with every module's tick at 1 s (what the per-time work costs)
import path from "node:path";
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { REPO_ROOT } from "../lib/targets.ts";
import { noFilterYaml, rewritePorts, type HostPorts } from "../lib/host-config.ts";

export const VARIANTS = ["host", "host-noop", "host-empty", "host-empty-slowtick", "host-both", "host-both-slowtick"];

/** The variant's config, from the tree's own envoy.yaml: each tree runs with the configuration it ships. */
export function configFor(variant: string, ports: HostPorts, treeDir: string): string {
  if (variant === "host") return noFilterYaml(ports);
  const src = "envoy-configs/envoy.yaml";
  const doc = YAML.parse(rewritePorts(readFileSync(path.join(treeDir, src), "utf8"), ports, src));
  for (const l of doc.static_resources.listeners) for (const fc of l.filter_chains) for (const f of fc.filters) {
    const conf = f.typed_config?.config?.configuration;
    if (f.name !== "envoy.filters.network.wasm" || typeof conf?.value !== "string") continue;
    const json = JSON.parse(conf.value);
    if (variant === "host-noop") {
      // The do-nothing module of bench/micro: the host's own cost of running a wasm filter.
      f.typed_config.config.vm_config.code.local.filename = path.join(REPO_ROOT, "build/bench-micro/empty-filter.wasm");
      conf.value = "";
    } else if (variant.startsWith("host-empty")) conf.value = JSON.stringify({ resource: json.resource });
    else {
      for (const r of json.flowRules ?? []) r.threshold = 1e6;
      for (const r of json.isolationRules ?? []) r.threshold = 1e5;
      conf.value = JSON.stringify(json);
    }
    // "-slowtick": the filter's tick at 1 s instead of 20 ms, to separate per-time from per-connection cost.
    if (variant.endsWith("-slowtick")) conf.value = JSON.stringify({ ...JSON.parse(conf.value), tickPeriodMs: 1000 });
  }
  if (variant === "host-empty" || variant === "host-empty-slowtick" || variant === "host-noop") delete doc.bootstrap_extensions;
  else if (variant.endsWith("-slowtick")) {
    for (const ext of doc.bootstrap_extensions ?? []) {
      const conf = ext.typed_config?.config?.configuration;
      if (typeof conf?.value === "string") conf.value = JSON.stringify({ ...JSON.parse(conf.value), tickPeriodMs: 1000 });
    }
  }
  return YAML.stringify(doc);
}


