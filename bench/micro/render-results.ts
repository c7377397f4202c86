// Renders results files of callbacks.ts and memory.ts as the Markdown of README.md's "Latest results".
//   node bench/micro/render-results.ts CALLBACKS.json MEMORY.json [MORE-MEMORY.json ...]
import { readFileSync } from "node:fs";
import type { CallbacksResult } from "./lib/callbacks-bench.ts";
import type { MemoryResult } from "./lib/memory-bench.ts";
import { round } from "./lib/report.ts";

function build(b: { sourceCommit: string; sourceDirty: boolean; sha256: string; file: string }): string {
  return `\`${b.file}\` sha256 ${b.sha256}…, built from commit ${b.sourceCommit}${b.sourceDirty ? " plus uncommitted changes" : ""}`;
}

function callbacks(r: CallbacksResult): string {
  const s = r.summary, h = r.hostCost;
  const lines = [
    `### callbacks.ts (${r.finishedAt.slice(0, 16).replace("T", " ")} UTC, ${r.quick ? "--quick" : "full"})`,
    "",
    `${r.machine.cpuModel}, ${r.machine.cores} cores, Node ${r.machine.node}, load average ${r.machine.loadAvg.join(" ")}. ` +
      `Filter: ${build(r.filterBuild)}${r.serviceBuild ? `; service from commit ${r.serviceBuild.sourceCommit}${r.serviceBuild.sourceDirty ? " plus uncommitted changes" : ""}` : ""}. ` +
      `${r.settings.rounds} interleaved rounds × ${r.settings.connections} connections per variant, ${r.settings.virtualRate} connections per virtual second.`,
    "",
    "| variant | ns/connection (median) | p25–p75 | clock work, ns per virtual s | CPU ns/conn, whole round | connections counted by the module |",
    "|---|---:|---:|---:|---:|---:|",
    ...r.variants.map((v) => `| ${v.label} | ${v.callbacksNsPerConn} | ${v.callbacksP25}–${v.callbacksP75} | ${v.clockNsPerSec} | ${v.roundCpuNsPerConn} | ${v.filterSaw ? `${v.filterSaw.value} of ${v.tally.connections}` : "–"} |`),
    `- Empty filter over no wasm: **${s.emptyFilterNsPerConn} ns** per connection (the host's cost of running any wasm filter).`,
    `- Sentinel filter over empty filter: **${s.filterCallbacksNsPerConn} ns** per connection in callbacks` +
      (s.filterClockNsPerConn === null ? "." : ` + ${s.filterClockNsPerConn} ns of tick/queue work (${round(s.filterClockNsPerSec / 1e6, 2)} ms per second spread over ${round(h?.connPerSec ?? 0, 0)} conn/s) = **${s.filterNsPerConn} ns**.`),
    h ? `- Host's own cost: **${round(h.usPerConn, 1)} CPU-µs per connection**${h.connPerSec ? ` (${round(h.connPerSec, 0)} conn/s, ${round(h.coresUsed ?? 0, 2)} cores busy)` : ""}; ${h.detail}.` : "- Host's own cost: not measured.",
    ...(s.filterShareOfHost === null ? [] : [`- **Filter share of the host's per-connection cost: ${round(s.filterShareOfHost * 100, 2)} %** (goal < 2 %: ${s.goalMet === null ? "not judged, below the run's resolution" : s.goalMet ? "met" : "not met"}).`]),
    `- Calls per connection (traced run): host→VM ${Object.entries(r.callProfile.hostToVmPerConn).map(([k, v]) => `${k.replace(/^proxy_on_/, "")} ${v}`).join(", ")}; ` +
      `VM→host ${Object.entries(r.callProfile.vmToHostPerConn).map(([k, v]) => `${k.replace(/^env\.proxy_/, "")} ${v}`).join(", ")} (proxy_log only because tracing enables the debug line).`,
    `- Checks: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} held.`,
  ];
  return lines.join("\n").replace(/\|\n- /, "|\n\n- ");
}

function memory(r: MemoryResult): string {
  const s = r.summary;
  const names = r.samples[0].vms.map((v) => v.vm);
  const m = r.wasmMetrics;
  const metric = (re: RegExp) => Object.entries(m).filter(([k]) => re.test(k)).reduce((a, [, v]) => a + Number(v), 0);
  return [
    `### memory.ts (${r.finishedAt.slice(0, 16).replace("T", " ")} UTC, ${r.settings.connections} connections${r.settings.breaker ? ", --breaker" : ""})`,
    "",
    `Filter: ${build(r.filterBuild)}. ${r.settings.workers} workers, ${r.settings.virtualRate} connections per virtual second, each open while ${r.settings.lifetime} more arrive, upstream refuses every ${r.settings.failEvery}th connect. ` +
      `${r.tally.completed} completed, ${r.tally.closedByHost} blocked (flow ${metric(/block\.flow/)}, isolation ${metric(/block\.isolation/)}, circuit breaking ${metric(/block\.circuit_breaking/)}), ${r.tally.upstreamFailed} refused upstream; breaker opened ${metric(/circuit_breaker\.opened/)} times. ${s.wallSeconds} s wall.`,
    "",
    `| connections | ${names.map((n) => `${n} memory (bytes)`).join(" | ")} | live contexts | open connections |`,
    `|---:|${names.map(() => "---:").join("|")}|---:|---:|`,
    ...r.samples.map((x) => `| ${x.connections} | ${x.vms.map((v) => v.memoryBytes).join(" | ")} | ${x.vms.map((v) => v.contexts).join(" / ")} | ${x.open} |`),
    "",
    `Growth after warm-up (${r.settings.warmupConnections} connections): ${s.vms.map((v) => `${v.vm} ${v.growthBytes} B`).join(", ")} — **${s.noGrowthAfterWarmup ? "no growth" : "GROWTH"}**; ` +
      `a retained leak would have to be under ${s.leakBoundBytesPerConn} B per connection to stay hidden. Checks: ${r.checks.filter((c) => c.ok).length}/${r.checks.length} held.`,
  ].join("\n");
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node bench/micro/render-results.ts CALLBACKS.json MEMORY.json [MORE-MEMORY.json ...]");
  process.exit(2);
}
const parts = files.map((f) => {
  const r = JSON.parse(readFileSync(f, "utf8"));
  if (r.benchmark === "callbacks") return callbacks(r);
  if (r.benchmark === "memory") return memory(r);
  throw new Error(`${f}: not a results file of callbacks.ts or memory.ts (benchmark: ${String(r.benchmark)})`);
});
console.log(parts.join("\n\n"));
