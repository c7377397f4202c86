// A/B of the real host's CPU per proxied connection across source trees and configurations, in one
// run: every (tree, variant) is its own `node host/src/cli.ts --concurrency 1` process in front of
// one echo upstream; rounds alternate the order, each phase is a fresh closed-loop load client
// (connect -> 64 B echo -> close). Reported per target: median CPU µs per connection (all threads,
// /proc/<pid>/stat), and the per-thread split (worker, main, V8 platform threads = GC/compilers).
//
//   node bench/tools/host-cpu-ab.ts --trees before=/tmp/before,after=. [--variants host,host-empty,host-both]
//        [--rounds 6] [--ms 2500] [--connections 32 | --rate N] [--cpu-prof DIR] [--parallel true] [--mbps-ms N] [--idle-ms N]
//        [--pin PROXY_CPUS:OTHER_CPUS]
//
// A "tree" is a directory with host/src/cli.ts and envoy-configs/envoy.yaml (e.g. `git archive <rev> |
// tar -x -C /tmp/before`, a symlink to node_modules, and `node scripts/build.mjs` there). Variants
// (host, host-noop, host-empty, host-both, and -slowtick forms): `variant-config.ts`. The first target is the
// baseline of the paired per-round ratios printed last, unless the tree has a "host" target.
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { processCpuMs, threadCpuMs, threadSwitches, type Child, type ContextSwitches } from "../lib/procs.ts";
import { startUpstreamProc } from "../lib/targets.ts";
import { parseFlags, parseTrees, runTool, startTreeHost } from "./tool-args.ts";
import { configFor, VARIANTS } from "./variant-config.ts";
import { runClient } from "../lib/measure.ts";
import { allowedCpus, parsePin, pinProcess } from "../lib/cpu-pin.ts";

const USAGE = "usage: node bench/tools/host-cpu-ab.ts --trees name=dir[,name=dir...] [--variants host,host-empty,host-both] [--rounds N] [--ms N] [--connections N | --rate N] [--cpu-prof DIR] [--parallel true] [--mbps-ms N] [--idle-ms N] [--pin PROXY_CPUS:OTHER_CPUS] [--node-flags \"--flag ...\"]";

function parseArgs(argv: string[]) {
  const f = parseFlags(argv, USAGE);
  const o = f.raw;
  const num = f.num;
  const trees = parseTrees(o.trees, USAGE);
  const variants = (o.variants ?? VARIANTS.join(",")).split(",");
  for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown '${v}' (known: ${VARIANTS.join(", ")})`);
  return { trees, variants, rounds: num("rounds", 6), ms: num("ms", 2500), connections: num("connections", 32), cpuProf: o["cpu-prof"], parallel: o.parallel === "true", mbpsMs: o["mbps-ms"] === undefined ? 0 : num("mbps-ms", 1), idleMs: o["idle-ms"] === undefined ? 0 : num("idle-ms", 1), rate: o.rate === undefined ? 0 : num("rate", 1),
    // --pin 0:1: every proxy on CPU 0, this driver, its load clients and the upstream on CPU 1.
    pin: o.pin === undefined ? undefined : parsePin(o.pin, allowedCpus()),
    nodeFlags: (o["node-flags"] ?? "").split(" ").filter(Boolean),
    // --node-flags-<tree> "...": flags for one tree's processes only (the same directory may be given
    // twice under two names to compare V8 settings side by side).
    treeFlags: new Map(trees.map((t) => [t.name, (o[`node-flags-${t.name}`] ?? "").split(" ").filter(Boolean)])) };
}

interface Target {
  key: string; child: Child; port: number; usPerConn: number[]; connPerSec: number[]; threads: Map<string, number>; conns: number;
  /** The worker threads' context switches over the measured phases. */
  workerSwitches: ContextSwitches;
}

const median = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  // Before any child exists: the upstream and every load client inherit the driver's CPUs.
  if (opts.pin) pinProcess(process.pid, opts.pin.rest);
  const upstream = await startUpstreamProc();
  const dir = mkdtempSync(path.join(tmpdir(), "host-cpu-ab-"));
  const targets: Target[] = [];
  for (const tree of opts.trees) for (const v of opts.variants) {
    const prof = opts.cpuProf ? ["--cpu-prof", "--cpu-prof-interval", "250", `--cpu-prof-dir=${path.join(opts.cpuProf, `${tree.name}-${v}`)}`] : [];
    const { child, ports } = await startTreeHost({
      key: `${tree.name}/${v}`, tree, file: path.join(dir, `${tree.name}-${v}.yaml`), upstreamPort: upstream.port, concurrency: 1,
      yamlFor: (p) => configFor(v, p, tree.dir), nodeFlags: [...opts.nodeFlags, ...(opts.treeFlags.get(tree.name) ?? []), ...prof],
    });
    if (opts.pin) pinProcess(child.pid, opts.pin.proxy);
    targets.push({ key: `${tree.name}/${v}`, child, port: ports.listenerPort, usPerConn: [], connPerSec: [], threads: new Map(), conns: 0, workerSwitches: { voluntary: 0, involuntary: 0 } });
  }
  // Closed loop (as fast as the machine allows) by default; --rate N: open loop, N new connections per
  // second whatever the proxy does, so every variant does the same work in the same time.
  const load = (port: number, durationMs: number) => opts.rate > 0
    ? { port, mode: "open" as const, schedule: `${opts.rate}@${durationMs / 1000}s`, exchanges: 1, payloadBytes: 64, intervalMs: 1000 }
    : { port, mode: "closed" as const, connections: opts.connections, exchanges: 1, payloadBytes: 64, durationMs, intervalMs: 1000 };
  const served = new Map<Target, number>();
  for (const t of targets) served.set(t, (await runClient(load(t.port, 1500))).summary.completed); // warm-up (JIT, tier-up), not recorded
  /** One target's phase: its own load client; CPU from /proc before and after. */
  const phase = async (t: Target, r: number): Promise<void> => {
    const th0 = threadCpuMs(t.child.pid);
    const sw0 = workerSwitches(t.child.pid);
    const cpu0 = processCpuMs(t.child.pid);
    const { summary } = await runClient(load(t.port, opts.ms));
    const cpu = processCpuMs(t.child.pid) - cpu0;
    const th1 = threadCpuMs(t.child.pid);
    const sw1 = workerSwitches(t.child.pid);
    t.workerSwitches.voluntary += sw1.voluntary - sw0.voluntary;
    t.workerSwitches.involuntary += sw1.involuntary - sw0.involuntary;
    const done = summary.completed;
    if (done === 0) throw new Error(`${t.key}: no connection completed in round ${r + 1}`);
    t.usPerConn.push((cpu * 1000) / done);
    t.connPerSec.push(done / (opts.ms / 1000));
    t.conns += done;
    for (const [k, v] of th1) t.threads.set(k, (t.threads.get(k) ?? 0) + v - (th0.get(k) ?? 0));
    process.stderr.write(`round ${r + 1}/${opts.rounds} ${t.key}: ${((cpu * 1000) / done).toFixed(1)} µs/conn\n`);
    // --mbps-ms N: then N ms of bulk traffic through the same target, not measured (as the overhead
    // scenario follows each conn/s phase with a MB/s phase: 4 connections echoing 64 KiB payloads).
    // --idle-ms N: then N ms with no traffic at all (what a gap between phases does by itself).
    if (opts.idleMs > 0) await new Promise((r) => setTimeout(r, opts.idleMs));
    if (opts.mbpsMs > 0) await runClient({ port: t.port, mode: "closed", reconnect: false, connections: 4, payloadBytes: 65536, exchanges: 0, durationMs: opts.mbpsMs, intervalMs: 1000 });
  };
  for (let r = 0; r < opts.rounds; r++) {
    // --parallel: every target at once, each with its own client, so all of them meet the same
    // spell of this shared machine (phases seconds apart meet different ones). Each then runs at
    // a fraction of its own rate, which weighs per-time work (ticks, reports) more per connection.
    if (opts.parallel) await Promise.all(targets.map((t) => phase(t, r)));
    else for (let i = 0; i < targets.length; i++) await phase(targets[(i + r) % targets.length], r);
  }
  console.log(`${opts.rounds} rounds x ${opts.ms} ms${opts.parallel ? " (targets in parallel)" : ""}${opts.pin ? `, proxies on CPU ${opts.pin.proxy.join(",")}, clients and upstream on CPU ${opts.pin.rest.join(",")}` : ""}, ${opts.rate > 0 ? `open loop at ${opts.rate} connections/s` : `${opts.connections} closed-loop clients`}, 64 B echo per connection, --concurrency 1`);
  console.log("target                     CPU µs/conn (median)  per round                         conn/s   per thread (µs/conn, whole run)");
  for (const t of targets) {
    const th = [...t.threads].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${((v * 1000) / t.conns).toFixed(1)}`).join(", ");
    console.log(`${t.key.padEnd(26)} ${median(t.usPerConn).toFixed(1).padStart(20)}  ${t.usPerConn.map((x) => x.toFixed(0)).join(" ").padEnd(32)} ${median(t.connPerSec).toFixed(0).padStart(7)}   ${th}`);
  }
  // Paired per round: each target's CPU per connection over its baseline's in the same round (run
  // seconds apart, so a busy spell of this shared machine hits both). The baseline is the same
  // tree's "host" target when there is one, else the first target.
  console.log(`\nper-round ratio baseline / target (CPU per connection; 1.00 = same cost, 0.95 = target costs 5 % more)`);
  for (const t of targets) {
    const tree = t.key.slice(0, t.key.indexOf("/"));
    const base = targets.find((b) => b.key === `${tree}/host`) ?? targets[0];
    if (base === t) continue;
    const ratios = t.usPerConn.map((x, r) => base.usPerConn[r] / x).sort((a, b) => a - b);
    const q = (f: number) => ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))];
    console.log(`${`${base.key} / ${t.key}`.padEnd(44)} median ${median(ratios).toFixed(3)}   quartiles ${q(0.25).toFixed(3)}..${q(0.75).toFixed(3)}   range ${ratios[0].toFixed(3)}..${ratios[ratios.length - 1].toFixed(3)}`);
  }
  // How often the worker blocked (voluntary) or was preempted (involuntary): the latter is how often
  // it came back to a core another thread or process had used meanwhile.
  console.log(`\nworker threads' context switches per connection (voluntary / involuntary)`);
  for (const t of targets) {
    console.log(`${t.key.padEnd(26)} ${(t.workerSwitches.voluntary / t.conns).toFixed(3)} / ${(t.workerSwitches.involuntary / t.conns).toFixed(3)}`);
  }
  if (opts.cpuProf) {
    // A profile covers the process's whole life: divide by every connection it served.
    console.log(`\nconnections served per process (warm-up included, for --cpu-prof): ${targets.map((t) => `${t.key} ${t.conns + (served.get(t) ?? 0)}`).join(", ")}`);
  }
  for (const t of targets) { t.child.proc.kill("SIGINT"); await t.child.exited; }
}

/** Context switches of the host's worker threads (worker_0, worker_1, ...) together. */
function workerSwitches(pid: number): ContextSwitches {
  const sum: ContextSwitches = { voluntary: 0, involuntary: 0 };
  for (const [name, c] of threadSwitches(pid)) {
    if (!name.startsWith("worker_")) continue;
    sum.voluntary += c.voluntary;
    sum.involuntary += c.involuntary;
  }
  return sum;
}

runTool(main);
