// Filter and service VM linear memory over many connections (default 1M, sampled every 100k) in
// the Emulator: no growth after warm-up is the goal. Method: bench/micro/README.md.
//   node bench/micro/memory.ts [--quick] [--out FILE] [--config FILE] [--connections N] [--sample-every N]
//        [--warmup N] [--workers N] [--rate CONN_PER_VIRTUAL_S] [--filter-config JSON] [--service-config JSON]
import path from "node:path";
import { FULL, QUICK, runMemoryBench, type MemoryResult } from "./lib/memory-bench.ts";
import { defaultResultsFile, parseArgs, UsageError, runMain, table, writeResults } from "./lib/report.ts";
import { DEFAULT_CONFIG } from "./lib/variants.ts";

const USAGE = `usage: node bench/micro/memory.ts [--quick] [--out FILE] [--config ENVOY.yaml]
  [--connections N] [--sample-every N] [--warmup N] [--workers N] [--rate CONN_PER_VIRTUAL_S] [--lifetime N] [--fail-every N] [--breaker]
  [--filter-config JSON] [--service-config JSON] [--queue NAME]
Exit: 0 done (growth is reported, not an error), 1 failed or a count check did not hold, 2 bad usage.`;

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2), {
    quick: "bool", out: "string", config: "string", connections: "number", "sample-every": "number", warmup: "number",
    workers: "number", rate: "number", lifetime: "number", "fail-every": "number", breaker: "bool", "filter-config": "string", "service-config": "string", queue: "string",
  }, USAGE);
  const quick = a.quick === true;
  const base = quick ? QUICK : FULL;
  const connections = (a.connections as number | undefined) ?? base.connections;
  const sampleEvery = (a["sample-every"] as number | undefined) ?? (a.connections !== undefined ? Math.max(1, Math.ceil(connections / 10)) : base.sampleEvery);
  const settings = {
    config: (a.config as string | undefined) ?? DEFAULT_CONFIG,
    connections, sampleEvery,
    warmupConnections: (a.warmup as number | undefined) ?? (a.connections !== undefined ? sampleEvery : base.warmupConnections),
    workers: (a.workers as number | undefined) ?? base.workers,
    rate: a.rate as number | undefined,
    payloadBytes: base.payloadBytes,
    lifetime: (a.lifetime as number | undefined) ?? base.lifetime,
    failEvery: (a["fail-every"] as number | undefined) ?? base.failEvery,
    breaker: a.breaker === true,
    filterConfig: a["filter-config"] as string | undefined,
    serviceConfig: a["service-config"] as string | undefined,
    queueName: (a.queue as string | undefined) ?? "sentinel_reports",
  };
  if (settings.connections < 1 || settings.sampleEvery < 1 || settings.workers < 1 || (settings.rate !== undefined && !(settings.rate > 0))) {
    throw new UsageError("--connections, --sample-every, --workers and --rate must be positive");
  }
  const out = a.out ? path.resolve(a.out as string) : defaultResultsFile("micro-memory");
  const res = await runMemoryBench({ settings, quick, progress: (l) => process.stderr.write(`${l}\n`) });
  print(res);
  console.log(`\nresults: ${writeResults(out, res)}`);
  return res.checks.every((c) => c.ok) ? 0 : 1;
}

function print(r: MemoryResult): void {
  const f = r.filterBuild;
  console.log(`\nmemory benchmark (${r.quick ? "quick" : "full"}): ${r.settings.connections} connections over ${r.settings.workers} workers, ` +
    `${r.settings.virtualRate} connections per virtual second (${r.samples.at(-1)?.virtualMs ?? 0} ms virtual), warm-up ${r.settings.warmupConnections}, each open while ${r.settings.lifetime} more arrive` +
    `${r.settings.breaker ? ", ErrorCount breaker rule added" : ""}`);
  console.log(`machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}`);
  console.log(`filter: ${f.file} sha256:${f.sha256} built ${f.builtAt}; filter/ at ${f.sourceCommit}${f.sourceDirty ? " + uncommitted changes" : ""}` +
    (r.serviceBuild ? `; service/ at ${r.serviceBuild.sourceCommit}${r.serviceBuild.sourceDirty ? " + uncommitted changes" : ""}` : "") + "\n");
  const names = r.samples[0]?.vms.map((v) => v.vm) ?? [];
  console.log(table([
    ["connections", ...names.map((n) => `${n} bytes`), "contexts", "open", "queue", "filter counted", "node heap MB", "wall s"],
    ...r.samples.map((x) => [x.connections, ...x.vms.map((v) => v.memoryBytes ?? "-"), x.vms.map((v) => v.contexts).join("/"), x.open,
      x.queueDepth ?? "-", x.filterCounted ?? "-", x.nodeHeapUsedMB, (x.wallMs / 1000).toFixed(1)]),
  ]));
  const s = r.summary;
  console.log("");
  for (const v of s.vms) console.log(`${v.vm}: ${v.afterWarmupBytes} B after warm-up -> ${v.finalBytes} B at the end (growth ${v.growthBytes} B); live contexts ${v.minContexts}..${v.maxContexts}`);
  console.log(`no growth after warm-up: ${s.noGrowthAfterWarmup ? "yes" : "NO"}; a retained leak would have to be below ${s.leakBoundBytesPerConn} B per connection to stay hidden`);
  console.log(`connections: ${r.tally.completed} admitted and completed, ${r.tally.closedByHost} closed by the host at once (blocked), ${r.tally.upstreamFailed} refused by the upstream (every ${r.settings.failEvery}th connect)`);
  const m = r.wasmMetrics;
  const pick = (re: RegExp) => Object.entries(m).filter(([k]) => re.test(k)).map(([k, v]) => `${k.replace(/^wasmcustom\.sentinel\./, "").replace(/_resource=.*$/, "")} ${v}`).join(", ");
  console.log(`filter metrics: ${pick(/\.(block\.|entry\.(pass|error)|circuit_breaker\.(opened|half_opened|closed)_)/)}`);
  console.log(`AS heap usage: ${s.heapUsage}`);
  console.log(`${s.wallSeconds} s wall, ${s.nsPerConnection} ns per connection including ticks`);
  for (const c of r.checks) console.log(`${c.ok ? "ok" : "CHECK FAILED"}: ${c.what}: expected ${c.expected}, got ${c.actual}`);
}

runMain(main, USAGE);
