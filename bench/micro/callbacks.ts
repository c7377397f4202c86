// Microbenchmark: one connection's full callback sequence through the host's real host functions,
// no wasm vs an empty filter vs the Sentinel filter (+ service), and the filter's extra cost as a
// share of the host's own per-connection cost. Method: bench/micro/README.md.
//   node bench/micro/callbacks.ts [--quick] [--out FILE] [--config FILE]
//        [--connections N] [--rounds N] [--warmup-rounds N] [--rate CONN_PER_VIRTUAL_S] [--payload-bytes N]
//        [--host-cost-us N | --host-cost-from RESULTS.json | --no-host-cost] [--host-phases N] [--host-phase-ms N] [--host-warmup-ms N]
import path from "node:path";
import { FULL, QUICK, runCallbacksBench, type CallbacksResult } from "./lib/callbacks-bench.ts";
import { hostCostFromFile, measureHostCost, type HostCost } from "./lib/host-cost.ts";
import { defaultResultsFile, parseArgs, UsageError, round, runMain, table, writeResults } from "./lib/report.ts";
import { DEFAULT_CONFIG } from "./lib/variants.ts";

const USAGE = `usage: node bench/micro/callbacks.ts [--quick] [--out FILE] [--config ENVOY.yaml]
  [--connections N] [--rounds N] [--warmup-rounds N] [--rate CONN_PER_VIRTUAL_S] [--payload-bytes N]
  [--host-cost-us N | --host-cost-from RESULTS.json | --no-host-cost] [--host-phases N] [--host-phase-ms N] [--host-warmup-ms N]
Exit: 0 done, 1 failed (or a count check did not hold), 2 bad usage.`;

async function main(): Promise<number> {
  const a = parseArgs(process.argv.slice(2), {
    quick: "bool", out: "string", config: "string", connections: "number", rounds: "number", "warmup-rounds": "number",
    rate: "number", "payload-bytes": "number", "host-cost-us": "number", "host-cost-from": "string", "no-host-cost": "bool",
    "host-phases": "number", "host-phase-ms": "number", "host-warmup-ms": "number",
  }, USAGE);
  const quick = a.quick === true;
  const base = quick ? QUICK : FULL;
  const settings = {
    config: (a.config as string | undefined) ?? DEFAULT_CONFIG,
    connections: (a.connections as number | undefined) ?? base.connections,
    rounds: (a.rounds as number | undefined) ?? base.rounds,
    warmupRounds: (a["warmup-rounds"] as number | undefined) ?? base.warmupRounds,
    rate: a.rate as number | undefined,
    payloadBytes: (a["payload-bytes"] as number | undefined) ?? base.payloadBytes,
  };
  if (settings.connections < 1 || settings.rounds < 1 || (settings.rate !== undefined && !(settings.rate > 0))) throw new UsageError("--connections, --rounds and --rate must be positive");
  const out = a.out ? path.resolve(a.out as string) : defaultResultsFile("micro-callbacks");
  const hostCost = async (): Promise<HostCost | null> => {
    if (a["no-host-cost"]) return null;
    if (a["host-cost-us"] !== undefined) {
      return { source: "given", usPerConn: a["host-cost-us"] as number, detail: "--host-cost-us (no connections/s known: tick work is not spread per connection)" };
    }
    if (a["host-cost-from"]) return hostCostFromFile(a["host-cost-from"] as string);
    return measureHostCost({
      phases: (a["host-phases"] as number | undefined) ?? (quick ? 2 : 5),
      phaseMs: (a["host-phase-ms"] as number | undefined) ?? (quick ? 1500 : 3000),
      warmupMs: (a["host-warmup-ms"] as number | undefined) ?? (quick ? 500 : 1000),
    });
  };
  const res = await runCallbacksBench({ settings, quick, hostCost, progress: (l) => process.stderr.write(`${l}\n`) });
  print(res);
  console.log(`\nresults: ${writeResults(out, res)}`);
  return res.checks.every((c) => c.ok) ? 0 : 1;
}

function print(r: CallbacksResult): void {
  const f = r.filterBuild;
  console.log(`\ncallbacks microbenchmark (${r.quick ? "quick" : "full"}): ${r.settings.rounds} interleaved rounds x ${r.settings.connections} connections per variant, ` +
    `${r.settings.virtualRate} connections per virtual second, ${r.settings.payloadBytes} B each way`);
  console.log(`machine: ${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}; load ${r.machine.loadAvg.join(" ")}`);
  console.log(`filter: ${f.file} ${f.bytes} B sha256:${f.sha256} built ${f.builtAt}; filter/ at ${f.sourceCommit}${f.sourceDirty ? " + uncommitted changes" : ""}\n`);
  console.log(table([
    ["variant", "ns/conn (median)", "p25", "p75", "clock ns/virtual s", "round CPU ns/conn", "connections", "module counted"],
    ...r.variants.map((v) => [v.label, v.callbacksNsPerConn, v.callbacksP25, v.callbacksP75, v.clockNsPerSec, v.roundCpuNsPerConn, v.tally.connections, v.filterSaw ? v.filterSaw.value : "-"]),
  ]));
  const s = r.summary;
  console.log("");
  console.log(`empty filter over no wasm:          ${s.emptyFilterNsPerConn} ns/conn (median of per-round differences)`);
  console.log(`Sentinel filter over empty filter:  ${s.filterCallbacksNsPerConn} ns/conn in callbacks (difference of medians ${s.filterCallbacksNsPerConnOfMedians})`);
  console.log(`  + ticks/queues (filter + service): ${s.filterClockNsPerSec} ns per second${s.filterClockNsPerConn === null ? "" : ` = ${s.filterClockNsPerConn} ns/conn at the host's ${round(r.hostCost?.connPerSec ?? 0, 0)} conn/s`}`);
  console.log(`  = ${s.filterNsPerConn} ns per connection`);
  if (r.hostCost) {
    const h = r.hostCost;
    console.log(`host's own cost: ${round(h.usPerConn, 1)} CPU-µs per connection${h.connPerSec ? ` (${round(h.connPerSec, 0)} conn/s using ${round(h.coresUsed ?? 0, 2)} cores)` : ""} [${h.source}: ${h.detail}]`);
    console.log(`filter share of host cost: ${round((s.filterShareOfHost ?? 0) * 100, 2)} % (goal < ${s.goal * 100} %: ${goalText(s.goalMet)})`);
  } else {
    console.log("host's own cost: not measured (--no-host-cost): no share computed");
  }
  const p = r.callProfile;
  const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k.replace(/^env\./, "")} ${v}`).join(", ");
  console.log(`\nper connection, Sentinel filter (traced, ${p.connections} connections): host->VM ${fmt(p.hostToVmPerConn)}`);
  console.log(`  VM->host ${fmt(p.vmToHostPerConn)}`);
  const timedLogs = r.variants[2].logs;
  console.log(`  (${p.note}; timed run's log lines: ${JSON.stringify(timedLogs)} over ${r.variants[2].tally.connections} connections)`);
  for (const c of r.checks) if (!c.ok) console.log(`CHECK FAILED: ${c.what}: expected ${c.expected}, got ${c.actual}`);
  console.log(`checks: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} ok`);
}

runMain(main, USAGE);

function goalText(met: boolean | null): string {
  if (met === null) return "not judged: the filter measured no dearer than the empty module, below this run's resolution";
  return met ? "met" : "NOT met";
}
