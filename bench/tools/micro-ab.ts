// In-process A/B of one connection's callback sequence (bench/micro's driver) across source trees:
// every tree's own Emulator + ThreadRuntime + FilterManager + Vm run in this one process, rounds
// interleaved, so machine load hits all alike. Reported: median process CPU ns per connection
// (process.cpuUsage, so time the process was preempted is not counted) per (tree, variant).
//
//   node bench/tools/micro-ab.ts --trees before=/tmp/before,after=. [--rounds 8] [--connections 10000] [--only filter]
//
// Each tree needs bench/micro/ and host/ (the driver and the runtime it drives); the modules come
// from this repository's build/ (npm run build; the empty filter from node bench/micro/callbacks.ts).
import path from "node:path";
import { REPO_ROOT } from "../lib/targets.ts";

const USAGE = "usage: node bench/tools/micro-ab.ts --trees name=dir[,name=dir...] [--rounds N] [--connections N] [--only no-wasm|empty-filter|filter]";

interface Target { key: string; bt: any; clock: unknown; cpuNs: number[] }

async function main(): Promise<void> {
  const a = process.argv.slice(2);
  const o: Record<string, string> = {};
  for (let i = 0; i < a.length; i += 2) {
    if (!a[i].startsWith("--") || a[i + 1] === undefined) throw new Error(`bad argument '${a[i]}'\n${USAGE}`);
    o[a[i].slice(2)] = a[i + 1];
  }
  const rounds = Number(o.rounds ?? 8), n = Number(o.connections ?? 10_000);
  if (!(rounds >= 1 && n >= 1)) throw new Error(`--rounds and --connections must be >= 1\n${USAGE}`);
  const trees = (o.trees ?? `current=${REPO_ROOT}`).split(",").map((s) => s.split("="));
  const emptyWasm = path.join(REPO_ROOT, "build/bench-micro/empty-filter.wasm");
  const payload = new Uint8Array(64).fill(7);
  const targets: Target[] = [];
  for (const [name, dir] of trees) {
    const root = path.resolve(dir);
    const driver = await import(path.join(root, "bench/micro/lib/driver.ts"));
    const variants = await import(path.join(root, "bench/micro/lib/variants.ts"));
    // The configuration (and its module paths) as this repository has them, for every tree.
    const cfg = variants.loadBenchConfig(path.join(REPO_ROOT, variants.DEFAULT_CONFIG));
    for (const vc of variants.variantConfigs(cfg, emptyWasm)) {
      if (o.only && vc.key !== o.only) continue;
      // 500 connections per virtual second: under the flow threshold, every connection is admitted.
      targets.push({ key: `${name}:${vc.key}`, bt: await driver.BenchTarget.create({ config: vc.config }), clock: driver.virtualClock(500), cpuNs: [] });
    }
  }
  for (const t of targets) t.bt.run(5000, payload, t.clock); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + r) % targets.length];
      const c0 = process.cpuUsage();
      t.bt.run(n, payload, t.clock);
      const c = process.cpuUsage(c0);
      t.cpuNs.push(((c.user + c.system) * 1000) / n);
    }
  }
  const median = (x: number[]) => { const s = [...x].sort((p, q) => p - q); return s[Math.floor(s.length / 2)]; };
  console.log(`${rounds} interleaved rounds x ${n} connections, 500 connections per virtual second, 64 B each way`);
  for (const t of targets) {
    const { completed, connections } = t.bt.tally;
    console.log(`${t.key.padEnd(26)} CPU ns/conn (median) ${median(t.cpuNs).toFixed(0).padStart(6)}   rounds ${t.cpuNs.map((x) => x.toFixed(0)).join(" ")}   completed ${completed}/${connections}`);
  }
}

main().then(() => process.exit(0), (e) => { process.stderr.write(`${(e as Error).stack ?? e}\n`); process.exit(1); });
