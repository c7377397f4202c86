// Starting the processes a scenario measures: the upstream, the plain proxy and the host (one
// process per configuration variant), each on ports picked for this run.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { spawnNode, freePort, waitForLive, type Child } from "./procs.ts";
import { fetchStats, type StatMap } from "./admin-stats.ts";
import { describeConfig, writeTempConfig, type HostConfigInfo } from "./host-config.ts";
import type { UpstreamStats } from "./upstream.ts";

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(BENCH_DIR);
const LOOPBACK = "127.0.0.1";

export interface UpstreamProc {
  child: Child;
  port: number;
  stats(): Promise<UpstreamStats>;
  /** Mode flags as the upstream's CLI takes them, e.g. ["--mode", "slow", "--delay", "100"]. */
  setMode(args: string[]): Promise<void>;
}

export async function startUpstreamProc(modeArgs: string[] = []): Promise<UpstreamProc> {
  const port = await freePort();
  const child = spawnNode("upstream", [path.join(BENCH_DIR, "lib/upstream.ts"), "--port", String(port), "--exit-with-stdin", "1", ...modeArgs]);
  await child.waitFor((m) => m.event === "listening", 10_000);
  const ask = async (line: string, event: string) => {
    const reply = child.waitFor((m) => m.event === event || m.event === "error", 5000);
    child.send(line);
    const m = await reply;
    if (m.event === "error") throw new Error(`upstream: ${String(m.message)}`);
    return m;
  };
  return {
    child, port,
    stats: async () => (await ask("stats", "stats")) as unknown as UpstreamStats,
    setMode: async (args) => { await ask(args.join(" "), "mode"); },
  };
}

export interface Target {
  /** Short key used in results (plain, host, host-empty-filter, ...). */
  key: string;
  label: string;
  kind: "plain" | "host";
  child: Child;
  pid: number;
  port: number;
  /** Host only: admin endpoint and what its config declares (stat names to cross-check). */
  admin?: { host: string; port: number };
  config?: HostConfigInfo;
  stats?(): Promise<StatMap>;
}

export async function startPlainProxy(key: string, label: string, upstreamPort: number, concurrency: number): Promise<Target> {
  const port = await freePort();
  const child = spawnNode(key, [path.join(BENCH_DIR, "lib/plain-proxy.ts"), "--listen", `${LOOPBACK}:${port}`,
    "--upstream", `${LOOPBACK}:${upstreamPort}`, "--concurrency", String(concurrency), "--exit-with-stdin", "1"]);
  await child.waitFor((m) => m.event === "listening", 15_000);
  return { key, label, kind: "plain", child, pid: child.pid, port };
}

/** Starts `node host/src/cli.ts -c <yaml> --concurrency N` from the repo root (wasm paths are relative to it). */
export async function startHostProc(key: string, label: string, yamlText: string, concurrency: number): Promise<Target> {
  const file = writeTempConfig(key, yamlText);
  const info = describeConfig(yamlText, file);
  const child = spawnNode(key, [path.join(REPO_ROOT, "host/src/cli.ts"), "-c", file, "--concurrency", String(concurrency), "-l", "warn"], { cwd: REPO_ROOT });
  // The listener port answers as soon as the first worker has bound it; /ready turns 200 (LIVE) only
  // once every worker listens, and with it every worker's listener.<addr>.worker_<k> stats exist.
  await waitForLive(info.adminPort, 30_000, child);
  return {
    key, label, kind: "host", child, pid: child.pid, port: info.listenerPort,
    admin: { host: LOOPBACK, port: info.adminPort }, config: info,
    stats: () => fetchStats(LOOPBACK, info.adminPort),
  };
}

/** Ports for a host config: admin and listener picked now; the upstream's is given. */
export async function hostPorts(upstreamPort: number): Promise<{ adminPort: number; listenerPort: number; upstreamPort: number }> {
  return { adminPort: await freePort(), listenerPort: await freePort(), upstreamPort };
}
