// The host's own cost of one connection, end to end: the real CLI (`host/src/cli.ts`, no wasm, one
// worker) in front of the bench echo upstream, loaded by bench/lib's closed-loop client (each of
// 32 workers: connect -> 64 B echo -> close, back to back). The host process's CPU time (user +
// system, all threads, from /proc) over the connections it completed is cores_used / cps, i.e.
// CPU-µs per connection. It includes what a proxied connection really costs: accept, sockets,
// event loop, tcp_proxy, stats, admin. Phases are separate load-client processes; the median is kept.
import { readFileSync } from "node:fs";
import { noFilterYaml } from "../../lib/host-config.ts";
import { measurePhase, median } from "../../lib/measure.ts";
import { stopAll } from "../../lib/procs.ts";
import { hostPorts, startHostProc, startUpstreamProc } from "../../lib/targets.ts";

export interface HostCost {
  source: "measured" | "file" | "given";
  /** CPU-µs the host process spends per connection (= cores used / connections per second). */
  usPerConn: number;
  /** Connections per second it completed meanwhile (median), and the cores it kept busy. */
  connPerSec?: number;
  coresUsed?: number;
  phases?: Array<{ connPerSec: number; coresUsed: number; usPerConn: number; completed: number; errors: number; crossCheckMismatches: number }>;
  detail: string;
}

export interface HostCostRunOptions { phases: number; phaseMs: number; warmupMs: number; clientWorkers?: number }

export async function measureHostCost(o: HostCostRunOptions): Promise<HostCost> {
  const scenarioStartMs = Date.now();
  try {
    const upstream = await startUpstreamProc();
    const target = await startHostProc("host-no-wasm", "host, no wasm", noFilterYaml(await hostPorts(upstream.port)), 1);
    const config = { mode: "closed" as const, reconnect: true, connections: o.clientWorkers ?? 32, payloadBytes: 64, exchanges: 1, intervalMs: 500 };
    if (o.warmupMs > 0) await measurePhase({ target, upstream, phase: "warmup", round: -1, scenarioStartMs, config: { ...config, durationMs: o.warmupMs } });
    const phases: NonNullable<HostCost["phases"]> = [];
    for (let i = 0; i < o.phases; i++) {
      const r = await measurePhase({ target, upstream, phase: "cps", round: i, scenarioStartMs, config: { ...config, durationMs: o.phaseMs } });
      const secs = r.summary.elapsedMs / 1000;
      phases.push({
        connPerSec: r.connPerSec, coresUsed: r.proxyCpuMs / 1000 / secs, usPerConn: r.proxyCpuUsPerConn,
        completed: r.summary.completed, errors: r.summary.blocked + r.summary.refused + r.summary.failed,
        crossCheckMismatches: r.crossChecks.filter((c) => !c.ok).length,
      });
    }
    const good = phases.filter((p) => p.completed > 0);
    if (good.length === 0) throw new Error("host cost: no phase completed a connection");
    return {
      source: "measured",
      usPerConn: median(good.map((p) => p.usPerConn)),
      connPerSec: median(good.map((p) => p.connPerSec)),
      coresUsed: median(good.map((p) => p.coresUsed)),
      phases,
      detail: `node host/src/cli.ts --concurrency 1, no wasm; ${o.phases} x ${o.phaseMs} ms closed-loop phases (${config.connections} client workers, 64 B echo per connection); median of host CPU-µs per completed connection`,
    };
  } finally {
    await stopAll();
  }
}

/** From a results file of `npm run bench -- host-overhead|overhead` (its "host, no wasm" variant). */
export function hostCostFromFile(file: string): HostCost {
  let doc: any;
  try { doc = JSON.parse(readFileSync(file, "utf8")); } catch (e) { throw new Error(`--host-cost-from ${file}: cannot read it as JSON (${(e as Error).message})`); }
  const v = (doc?.variants ?? []).find((x: any) => x?.key === "host");
  if (!v || !(v.proxyCpuUsPerConn > 0)) throw new Error(`--host-cost-from ${file}: no variant with key "host" and a proxyCpuUsPerConn > 0`);
  return {
    source: "file", usPerConn: v.proxyCpuUsPerConn, connPerSec: v.connPerSec,
    coresUsed: (v.proxyCpuUsPerConn * v.connPerSec) / 1e6,
    detail: `${file}: variant "host" (${doc.scenario ?? "?"} run of ${doc.startedAt ?? "?"}), median proxyCpuUsPerConn`,
  };
}
