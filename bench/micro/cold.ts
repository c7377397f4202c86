// Microbenchmark with cold caches: the callbacks.ts sequence (no wasm / empty filter / Sentinel
// filter + service, the host's real code), but before every socket event the CPU caches are filled
// with other data (an eviction buffer written line by line), as the kernel's and the event loop's
// work between two events does on a real proxy, and only the events are timed. Back to back, the
// modules cost ~1 µs per connection; end to end several times that: this shows how much of it is
// cache refills, per event, without the end-to-end noise. Method: bench/micro/README.md.
//   node bench/micro/cold.ts [--quick] [--evict-kb 0,512] [--connections N] [--rounds N] [--warmup-rounds N] [--config FILE] [--out FILE]
//        [--alt-filter FILE.wasm [--alt-service FILE.wasm]]   a fourth variant: another build, interleaved with the rest
import { existsSync } from "node:fs";
import path from "node:path";
import { buildEmptyFilter } from "./lib/build-empty.ts";
import { CacheEvictor, ColdHandler, EVENTS, EventTimes } from "./lib/cold-cache.ts";
import { BenchTarget, clockRate, virtualClock } from "./lib/driver.ts";
import { defaultResultsFile, machineInfo, median, moduleBuildInfo, parseArgs, round, runMain, table, UsageError, writeResults } from "./lib/report.ts";
import { admittedRate, altBuild, DEFAULT_CONFIG, filterPlugin, loadBenchConfig, variantConfigs } from "./lib/variants.ts";

const USAGE = `usage: node bench/micro/cold.ts [--quick] [--evict-kb KIB[,KIB...]] [--connections N] [--rounds N] [--warmup-rounds N] [--config ENVOY.yaml] [--out FILE]
  [--alt-filter FILE.wasm [--alt-service FILE.wasm]]
Exit: 0 done, 1 failed (or a connection did not run its whole sequence), 2 bad usage.`;

const FULL = { connections: 20_000, rounds: 9, warmupRounds: 1 };
const QUICK = { connections: 4_000, rounds: 3, warmupRounds: 1 };

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2), {
    quick: "bool", "evict-kb": "string", connections: "number", rounds: "number", "warmup-rounds": "number", config: "string", out: "string",
    "alt-filter": "string", "alt-service": "string",
  }, USAGE);
  const base = a.quick ? QUICK : FULL;
  const evictKb = String(a["evict-kb"] ?? "0,512").split(",").map((x) => Number(x));
  if (evictKb.some((k) => !Number.isFinite(k) || k < 0)) throw new UsageError(`--evict-kb: "${a["evict-kb"]}" is not a list of non-negative KiB sizes`);
  const s = {
    config: (a.config as string | undefined) ?? DEFAULT_CONFIG,
    connections: (a.connections as number | undefined) ?? base.connections,
    rounds: (a.rounds as number | undefined) ?? base.rounds,
    warmupRounds: (a["warmup-rounds"] as number | undefined) ?? base.warmupRounds,
    evictKb,
  };
  if (s.connections < 1 || s.rounds < 1) throw new UsageError("--connections and --rounds must be positive");
  const startedAt = new Date().toISOString();
  const cfg = loadBenchConfig(s.config);
  const plugin = filterPlugin(cfg)!;
  const variants = variantConfigs(cfg, await buildEmptyFilter());
  if (a["alt-service"] !== undefined && a["alt-filter"] === undefined) throw new UsageError("--alt-service needs --alt-filter");
  if (a["alt-filter"] !== undefined) {
    const files = [a["alt-filter"], a["alt-service"]].filter((f) => f !== undefined).map((f) => path.resolve(String(f)));
    for (const f of files) if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
    variants.push(altBuild(cfg, files[0], files[1]));
  }
  const clock = virtualClock(admittedRate(plugin));
  const payload = new Uint8Array(64).fill(0x61);
  const times = new EventTimes();
  const evictors = new Map(evictKb.map((kb) => [kb, new CacheEvictor(kb)]));
  let evictor = evictors.get(evictKb[0])!;
  const targets: BenchTarget[] = [];
  for (const v of variants) {
    const t = await BenchTarget.create({ config: v.config });
    t.wrapHandlers((h) => new ColdHandler(h, evictor, times));
    targets.push(t);
  }

  const sizes = [];
  for (const kb of evictKb) {
    evictor = evictors.get(kb)!;
    for (let w = 0; w < s.warmupRounds; w++) for (const t of targets) t.run(s.connections, payload, clock);
    const total: number[][] = variants.map(() => []);
    const perEvent: number[][][] = variants.map(() => EVENTS.map(() => []));
    for (let r = 0; r < s.rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const i = (r + k) % targets.length; // each round starts with the next variant
        times.reset();
        targets[i].run(s.connections, payload, clock);
        total[i].push((times.totalMs * 1e6) / s.connections);
        EVENTS.forEach((_, e) => perEvent[i][e].push((times.ms[e] * 1e6) / s.connections));
      }
      process.stderr.write(`evict ${kb} KiB, round ${r + 1}/${s.rounds}: ${variants.map((v, i) => `${v.key} ${round(total[i][r], 0)} ns`).join(", ")}\n`);
    }
    sizes.push({
      evictKb: kb,
      variants: variants.map((v, i) => ({
        key: v.key, label: v.label,
        nsPerConn: round(median(total[i]), 0), nsPerConnRounds: total[i].map((x) => round(x, 0)),
        // Paired by round: this round's variant minus this round's no-wasm run.
        overNoWasm: i === 0 ? 0 : round(median(total[i].map((x, r) => x - total[0][r])), 0),
        perEvent: Object.fromEntries(EVENTS.map((ev, e) => [ev, round(median(perEvent[i][e]), 0)])),
      })),
    });
  }
  const checks = variants.map((v, i) => {
    const n = targets[i].tally;
    return { what: `${v.key}: every connection ran its whole sequence`, expected: n.connections, actual: n.completed, ok: n.completed === n.connections };
  });
  const res = {
    benchmark: "cold", machine: machineInfo(), startedAt, finishedAt: new Date().toISOString(),
    settings: { ...s, virtualRate: clockRate(clock) }, filterBuild: moduleBuildInfo(plugin.codePath, "filter"), sizes, checks,
  };
  print(res);
  const out = a.out ? String(a.out) : defaultResultsFile("micro-cold");
  console.log(`\nresults: ${writeResults(out, res)}`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

function print(r: { machine: ReturnType<typeof machineInfo>; settings: { connections: number; rounds: number }; sizes: any[]; checks: any[] }): void {
  console.log(`\ncold-cache microbenchmark: ${r.settings.rounds} interleaved rounds x ${r.settings.connections} connections per variant and eviction size`);
  console.log(`machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}; load ${r.machine.loadAvg.join(" ")}`);
  const shown = EVENTS.filter((ev) => r.sizes.some((sz) => sz.variants.some((v: any) => v.perEvent[ev] > 0)));
  for (const sz of r.sizes) {
    console.log(`\n${sz.evictKb} KiB evicted before each event: ns per connection spent in the host's event handlers (medians)`);
    console.log(table([
      ["variant", "ns/conn", "over no wasm", ...shown],
      ...sz.variants.map((v: any) => [v.label, v.nsPerConn, v.overNoWasm, ...shown.map((ev) => v.perEvent[ev])]),
    ]));
  }
  console.log(`\nchecks: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} ok${r.checks.every((c) => c.ok) ? "" : `: ${r.checks.filter((c) => !c.ok).map((c) => `${c.what} (${c.actual} of ${c.expected})`).join("; ")}`}`);
}

runMain(main, USAGE);
