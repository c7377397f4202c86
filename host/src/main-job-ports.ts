// Ports of the `npm start` job: the defaults that envoy-configs/envoy.yaml and the README promise, or
// ones moved by environment variables, and the copy of the scenario YAML that uses them.
import { parseDocument } from "yaml";

export const DEFAULT_PORTS = { listener: 10000, upstream: 10001, admin: 9901 } as const;

export interface MainJobPorts {
  listener: number;
  upstream: number;
  admin: number;
  /** true when any port differs from DEFAULT_PORTS. */
  moved: boolean;
}

const VARS = {
  listener: "MAIN_JOB_LISTENER_PORT",
  upstream: "MAIN_JOB_UPSTREAM_PORT",
  admin: "MAIN_JOB_ADMIN_PORT",
} as const;

/** Reads MAIN_JOB_*_PORT; an unset or empty variable keeps the default. Throws naming a bad value. */
export function mainJobPorts(env: Record<string, string | undefined>): MainJobPorts {
  const out = { ...DEFAULT_PORTS, moved: false };
  for (const key of ["listener", "upstream", "admin"] as const) {
    const text = env[VARS[key]];
    if (text === undefined || text === "") continue;
    const port = Number(text);
    if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
      throw new Error(`${VARS[key]}: expected a port number from 1 to 65535, got '${text}'`);
    }
    out[key] = port;
  }
  out.moved = out.listener !== DEFAULT_PORTS.listener || out.upstream !== DEFAULT_PORTS.upstream ||
    out.admin !== DEFAULT_PORTS.admin;
  return out;
}

/**
 * The scenario YAML with the admin port, the one listener's port and every cluster endpoint's port
 * replaced. Comments and everything else are kept. Throws when the file is not the one-listener
 * scenario this job runs, rather than starting something else on the promised ports.
 */
export function scenarioWithPorts(yamlText: string, ports: MainJobPorts): string {
  const doc = parseDocument(yamlText);
  const must = (path: (string | number)[]) => {
    if (!doc.hasIn(path)) throw new Error(`envoy.yaml: ${path.join(".")} is missing; cannot move the ports`);
  };
  must(["admin", "address", "socket_address", "port_value"]);
  doc.setIn(["admin", "address", "socket_address", "port_value"], ports.admin);
  const listeners = doc.getIn(["static_resources", "listeners"]) as { items: unknown[] } | undefined;
  if (listeners?.items.length !== 1) throw new Error("envoy.yaml: expected exactly one listener; cannot move the ports");
  must(["static_resources", "listeners", 0, "address", "socket_address", "port_value"]);
  doc.setIn(["static_resources", "listeners", 0, "address", "socket_address", "port_value"], ports.listener);
  const clusters = doc.getIn(["static_resources", "clusters"]) as { items: unknown[] } | undefined;
  let endpoints = 0;
  for (let c = 0; c < (clusters?.items.length ?? 0); c++) {
    const groups = doc.getIn(["static_resources", "clusters", c, "load_assignment", "endpoints"]) as { items: unknown[] } | undefined;
    for (let g = 0; g < (groups?.items.length ?? 0); g++) {
      const lbs = doc.getIn(["static_resources", "clusters", c, "load_assignment", "endpoints", g, "lb_endpoints"]) as { items: unknown[] } | undefined;
      for (let e = 0; e < (lbs?.items.length ?? 0); e++) {
        const path = ["static_resources", "clusters", c, "load_assignment", "endpoints", g, "lb_endpoints", e,
          "endpoint", "address", "socket_address", "port_value"];
        must(path);
        doc.setIn(path, ports.upstream);
        endpoints++;
      }
    }
  }
  if (endpoints === 0) throw new Error("envoy.yaml: no cluster endpoint found; cannot move the upstream port");
  return doc.toString();
}
