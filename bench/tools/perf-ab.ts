// Where the host's CPU goes per proxied connection, for several configurations measured at once:
// every variant (variant-config.ts) is its own `node host/src/cli.ts --concurrency 1` process with
// its own closed-loop load client (connect -> 64 B echo -> close), all loaded in the same seconds,
// each sampled by its own `perf record` (cpu-clock, every thread, kernel included). Node's
// `--perf-basic-prof-only-functions` names JIT code, so JS functions, wasm functions (by index, or
// by name for a module built with a name section) and their tier are told apart.
//
//   node bench/tools/perf-ab.ts [--variants host,host-noop,host-empty,host-both] [--ms 8000]
//        [--connections 32] [--top 30] [--tree DIR] [--node-flags "..."] [--keep DIR]
//
// Reported per variant, in µs of CPU per completed connection: the total, the split by shared
// object (kernel, node = V8's runtime, builtins, GC and compilers, JIT code, libc), JIT code split
// into JS / wasm TurboFan / wasm Liftoff / wrappers, then the symbols that cost most in any variant.
// Needs `perf` (linux-perf) and permission to sample the processes (perf_event_paranoid <= 1, or root).
import path from "node:path";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { REPO_ROOT, startUpstreamProc } from "../lib/targets.ts";
import { runClient } from "../lib/measure.ts";
import { parseFlags, runTool, startTreeHost } from "./tool-args.ts";
import { configFor, VARIANTS } from "./variant-config.ts";

const USAGE = "usage: node bench/tools/perf-ab.ts [--variants host,host-noop,host-empty,host-both] [--ms N] [--connections N] [--top N] [--tree DIR] [--node-flags \"...\"] [--keep DIR]";
const PERF_HZ = 2000;

function parseArgs(argv: string[]) {
  const f = parseFlags(argv, USAGE);
  const variants = (f.raw.variants ?? "host,host-noop,host-empty,host-both").split(",");
  for (const v of variants) if (!VARIANTS.includes(v)) throw new Error(`--variants: unknown '${v}' (known: ${VARIANTS.join(", ")})`);
  return {
    variants, ms: f.num("ms", 8000), connections: f.num("connections", 32), top: f.num("top", 30),
    tree: path.resolve(f.raw.tree ?? REPO_ROOT), keep: f.raw.keep,
    nodeFlags: (f.raw["node-flags"] ?? "").split(" ").filter(Boolean),
  };
}

/** What a perf symbol is, for the JIT split: names come from V8's perf map. */
export function jitKind(symbol: string): "wasm-turbofan" | "wasm-liftoff" | "wasm-wrapper" | "js" {
  if (/-turbofan$/.test(symbol)) return "wasm-turbofan";
  if (/-liftoff$/.test(symbol)) return "wasm-liftoff";
  if (/wasm-to-js|js-to-wasm/.test(symbol)) return "wasm-wrapper";
  return "js";
}

/** `perf report` sample counts by (shared object, symbol). */
export function parsePerfReport(text: string): Array<{ samples: number; dso: string; symbol: string }> {
  const rows: Array<{ samples: number; dso: string; symbol: string }> = [];
  for (const line of text.split("\n")) {
    // "  123  node   [.] v8::internal::Foo" / "  12  [JIT] tid 42  [.] JS:*bar file.ts:1:2"
    const m = /^\s*(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[[.k]\]\s+(.*)$/.exec(line);
    if (m) rows.push({ samples: Number(m[1]), dso: m[2].startsWith("[JIT]") ? "[JIT]" : m[2], symbol: m[3].trim() });
  }
  return rows;
}

function stopPerf(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => { p.once("exit", () => resolve()); p.kill("SIGINT"); });
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (spawnSync("perf", ["--version"]).status !== 0) throw new Error("perf-ab needs `perf` (linux-perf) on PATH");
  const dir = opts.keep ?? mkdtempSync(path.join(tmpdir(), "perf-ab-"));
  const upstream = await startUpstreamProc();
  const targets = [];
  for (const v of opts.variants) {
    const { child, ports } = await startTreeHost({
      key: v, tree: { dir: opts.tree }, file: path.join(dir, `${v}.yaml`), upstreamPort: upstream.port, concurrency: 1,
      yamlFor: (p) => configFor(v, p, opts.tree), nodeFlags: ["--perf-basic-prof-only-functions", ...opts.nodeFlags],
    });
    targets.push({ v, child, port: ports.listenerPort, data: path.join(dir, `${v}.data`), conns: 0 });
  }
  const load = (port: number, durationMs: number) => runClient({ port, mode: "closed", connections: opts.connections, exchanges: 1, payloadBytes: 64, durationMs, intervalMs: 1000 });
  // Warm-up (JIT tiers, socket caches), not sampled.
  await Promise.all(targets.map((t) => load(t.port, 3000)));
  const perfs = targets.map((t) => spawn("perf", ["record", "-q", "-e", "cpu-clock", "-F", String(PERF_HZ), "-p", String(t.child.pid), "-o", t.data], { stdio: "ignore" }));
  await new Promise((r) => setTimeout(r, 300)); // perf attached
  const done = await Promise.all(targets.map((t) => load(t.port, opts.ms)));
  await Promise.all(perfs.map(stopPerf));
  targets.forEach((t, i) => { t.conns = done[i].summary.completed; });
  for (const t of targets) if (t.conns === 0) throw new Error(`${t.v}: no connection completed`);
  for (const t of targets) { t.child.proc.kill("SIGINT"); await t.child.exited; }

  // µs per connection by (dso, symbol), per variant.
  const usPer = (samples: number, conns: number) => (samples / PERF_HZ) * 1e6 / conns;
  const bySymbol = new Map<string, Map<string, number>>();
  const byGroup = new Map<string, Map<string, number>>();
  const add = (m: Map<string, Map<string, number>>, k: string, v: string, us: number) => {
    const row = m.get(k) ?? new Map<string, number>();
    row.set(v, (row.get(v) ?? 0) + us);
    m.set(k, row);
  };
  for (const t of targets) {
    const r = spawnSync("perf", ["report", "-i", t.data, "--no-children", "-g", "none", "--sort", "dso,sym", "-F", "sample,dso,sym", "--stdio"], { encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`perf report ${t.data}: ${r.stderr}`);
    for (const { samples, dso, symbol } of parsePerfReport(r.stdout)) {
      const us = usPer(samples, t.conns);
      add(byGroup, "total", t.v, us);
      add(byGroup, dso === "[JIT]" ? `JIT ${jitKind(symbol)}` : dso, t.v, us);
      add(bySymbol, `${dso === "[JIT]" ? "" : `${dso}: `}${symbol.replace(/ (file:\/\/)?\/\S+\//, " ")}`, t.v, us);
    }
  }
  const cell = (m: Map<string, number> | undefined, v: string) => (m?.get(v) ?? 0).toFixed(2).padStart(9);
  const header = `${"µs per connection".padEnd(64)}${opts.variants.map((v) => v.padStart(11)).join("")}`;
  console.log(`${opts.ms} ms of load on every variant at once, ${opts.connections} closed-loop clients each, 64 B echo, --concurrency 1; perf cpu-clock at ${PERF_HZ} Hz`);
  console.log(`connections: ${targets.map((t) => `${t.v} ${t.conns}`).join(", ")}\n`);
  console.log(header);
  const groups = [...byGroup].sort((a, b) => (a[0] === "total" ? -1 : b[0] === "total" ? 1 : Math.max(...b[1].values()) - Math.max(...a[1].values())));
  for (const [k, row] of groups) console.log(`${k.slice(0, 62).padEnd(64)}${opts.variants.map((v) => `  ${cell(row, v)}`).join("")}`);
  console.log(`\n${header}`);
  const top = [...bySymbol].sort((a, b) => Math.max(...b[1].values()) - Math.max(...a[1].values())).slice(0, opts.top);
  for (const [k, row] of top) console.log(`${k.slice(0, 62).padEnd(64)}${opts.variants.map((v) => `  ${cell(row, v)}`).join("")}`);
  console.log(`\nperf data and configs: ${dir}${opts.keep ? "" : " (temporary)"}`);
}

if (import.meta.main) runTool(main);
