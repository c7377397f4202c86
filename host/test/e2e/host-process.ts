// Runs the host as `node host/src/cli.ts -c <yaml> ...`, the way Envoy runs as a process, for the
// end-to-end tests. stderr is collected so tests can assert on log lines.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { startEchoUpstream } from "../../src/network/echo-upstream.ts";
import { freePort, waitLive } from "./net-helpers.ts";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const CLI = join(REPO_ROOT, "host", "src", "cli.ts");

export interface HostProcess {
  readonly proc: ChildProcess;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after a grace period. */
  kill(): Promise<number | string>;
}

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** Writes a YAML config into a fresh temp dir, removed when the test process exits. */
export function writeTempConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), "host-e2e-"));
  tempDirs.push(dir);
  const path = join(dir, "envoy.yaml");
  writeFileSync(path, yaml);
  return path;
}

export function spawnHost(args: string[]): HostProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d) => { err += d; });
  proc.stdout!.on("data", (d) => { err += d; });
  const exited = new Promise<number | string>((resolve) => {
    proc.on("exit", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    proc,
    stderr: () => err,
    exited,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), 8000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits for the host's /ready to say LIVE (or the process to exit / time to run out). */
export async function waitReady(host: HostProcess, adminPort: number, timeoutMs = 20_000): Promise<void> {
  const exited = () => (host.proc.exitCode !== null ? `host exited with ${host.proc.exitCode}` : undefined);
  try {
    await waitLive(adminPort, timeoutMs, exited);
  } catch (e) {
    throw new Error(`${(e as Error).message}:\n${host.stderr()}`);
  }
}

export interface TcpOnlyYaml {
  adminPort: number;
  listenerPort: number;
  clusterPort: number;
  connectTimeout?: string;
  /** Adds listener `refused_in` on this port whose cluster points at `refusedClusterPort`. */
  refusedListenerPort?: number;
  refusedClusterPort?: number;
}

function listenerYaml(name: string, port: number, cluster: string): string {
  return `
  - name: ${name}
    address: { socket_address: { address: 127.0.0.1, port_value: ${port} } }
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: ${name}
          cluster: ${cluster}`;
}

function clusterYaml(name: string, port: number, connectTimeout: string): string {
  return `
  - name: ${name}
    type: STATIC
    connect_timeout: ${connectTimeout}
    load_assignment:
      cluster_name: ${name}
      endpoints:
      - lb_endpoints:
        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: ${port} } } }`;
}

/** A bootstrap whose listeners have only tcp_proxy (no wasm): the network layer alone. */
export function tcpOnlyYaml(p: TcpOnlyYaml): string {
  const timeout = p.connectTimeout ?? "1s";
  let listeners = listenerYaml("tcp_in", p.listenerPort, "backend");
  let clusters = clusterYaml("backend", p.clusterPort, timeout);
  if (p.refusedListenerPort !== undefined) {
    listeners += listenerYaml("refused_in", p.refusedListenerPort, "refused");
    clusters += clusterYaml("refused", p.refusedClusterPort!, timeout);
  }
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${p.adminPort} } }
static_resources:
  listeners:${listeners}
  clusters:${clusters}
`;
}

export interface ScenarioPorts { adminPort: number; listenerPort: number; upstreamPort: number }

/**
 * A copy of an envoy-configs/ YAML with its ports replaced (every listener gets `listenerPort`, every
 * endpoint `upstreamPort`), so tests run the real scenario without clashing with `npm start`.
 * Only single-listener, single-endpoint scenarios are supported.
 */
export async function scenarioWithPorts(configFile: string, ports: ScenarioPorts,
  edit?: (doc: Record<string, any>) => void): Promise<string> {
  const { parse, stringify } = await import("yaml");
  const { readFileSync } = await import("node:fs");
  const doc = parse(readFileSync(join(REPO_ROOT, configFile), "utf8"));
  doc.admin.address.socket_address.port_value = ports.adminPort;
  const listeners = doc.static_resources.listeners as any[];
  if (listeners.length !== 1) throw new Error(`${configFile}: expected one listener, found ${listeners.length}`);
  listeners[0].address.socket_address.port_value = ports.listenerPort;
  for (const c of doc.static_resources.clusters as any[]) {
    for (const e of c.load_assignment.endpoints) {
      for (const lb of e.lb_endpoints) lb.endpoint.address.socket_address.port_value = ports.upstreamPort;
    }
  }
  edit?.(doc);
  return writeTempConfig(stringify(doc));
}

export interface WasmPluginYaml {
  name: string;
  rootId: string;
  vmId: string;
  codePath: string;         // relative to the repository root (the host's cwd)
  configuration?: string;   // StringValue
  failOpen?: boolean;
}

function pluginYaml(p: WasmPluginYaml, indent: string): string {
  const lines = [
    `name: ${p.name}`,
    `root_id: ${p.rootId}`,
    ...(p.configuration === undefined ? [] : [
      "configuration:",
      `  "@type": type.googleapis.com/google.protobuf.StringValue`,
      `  value: ${JSON.stringify(p.configuration)}`,
    ]),
    ...(p.failOpen === undefined ? [] : [`fail_open: ${p.failOpen}`]),
    "vm_config:",
    `  vm_id: ${p.vmId}`,
    "  runtime: envoy.wasm.runtime.v8",
    `  code: { local: { filename: ${p.codePath} } }`,
  ];
  return lines.map((l) => indent + l).join("\n");
}

/** One listener: the given wasm network filters, then tcp_proxy; optional singleton services. */
export function wasmYaml(p: { adminPort: number; listenerPort: number; clusterPort: number;
  filters: WasmPluginYaml[]; services?: WasmPluginYaml[] }): string {
  const filters = p.filters.map((f) => `
      - name: envoy.filters.network.wasm
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm
          config:
${pluginYaml(f, "            ")}`).join("");
  const services = (p.services ?? []).map((s) => `
- name: envoy.bootstrap.wasm
  typed_config:
    "@type": type.googleapis.com/envoy.extensions.wasm.v3.WasmService
    singleton: true
    config:
${pluginYaml(s, "      ")}`).join("");
  return `
admin:
  address: { socket_address: { address: 127.0.0.1, port_value: ${p.adminPort} } }
static_resources:
  listeners:
  - name: wasm_in
    address: { socket_address: { address: 127.0.0.1, port_value: ${p.listenerPort} } }
    filter_chains:
    - filters:${filters}
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: wasm_in
          cluster: backend
  clusters:${clusterYaml("backend", p.clusterPort, "1s")}
${services === "" ? "" : `bootstrap_extensions:${services}`}
`;
}

/** What a host fixture proxies to: a port and how to stop whatever listens there. */
export interface FixtureUpstream { port: number; close(): Promise<void> }

/** A running host on free ports in front of an upstream, filled in by the fixture's before hook. */
export interface HostFixture { upstream: FixtureUpstream; host: HostProcess; adminPort: number; listenerPort: number }

/**
 * Registers before/after hooks in the current describe: the upstream (an echo upstream unless
 * `upstream` makes another), the host running the config `config` writes for the chosen ports with
 * `args`, ready before the first test, stopped after the last.
 */
function hostFixture(args: string[], config: (ports: ScenarioPorts) => string | Promise<string>,
  upstream: () => Promise<FixtureUpstream> = startEchoUpstream): HostFixture {
  const f = {} as HostFixture;
  before(async () => {
    f.upstream = await upstream();
    f.adminPort = await freePort();
    f.listenerPort = await freePort();
    const path = await config({ adminPort: f.adminPort, listenerPort: f.listenerPort, upstreamPort: f.upstream.port });
    f.host = spawnHost(["-c", path, ...args]);
    await waitReady(f.host, f.adminPort);
  });
  after(async () => {
    await f.host?.kill();
    await f.upstream?.close();
  });
  return f;
}

/** The wasm end-to-end suites' host: `plugins` (see wasmYaml) in front of an echo upstream. */
export function wasmHostFixture(plugins: { filters: WasmPluginYaml[]; services?: WasmPluginYaml[] }, args: string[]): HostFixture {
  return hostFixture(args, (p) => writeTempConfig(wasmYaml({ adminPort: p.adminPort, listenerPort: p.listenerPort, clusterPort: p.upstreamPort, ...plugins })));
}

/** A copy of an envoy-configs/ scenario (see scenarioWithPorts) edited by `edit`, in front of `upstream` (default: echo). */
export function scenarioHostFixture(configFile: string, args: string[], opts: {
  edit?: (doc: Record<string, any>) => void; upstream?: () => Promise<FixtureUpstream>;
} = {}): HostFixture {
  return hostFixture(args, (p) => scenarioWithPorts(configFile, p, opts.edit), opts.upstream);
}
