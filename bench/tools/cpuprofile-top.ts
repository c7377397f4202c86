// Self and inclusive time by function from V8 .cpuprofile files (`node --cpu-prof`, one file per
// thread), optionally per connection, optionally only from the first sample whose stack shows a
// given URL on (skips start-up).
//
//   node bench/tools/cpuprofile-top.ts FILE.cpuprofile [--connections N] [--from socket-transport]
//        [--match host/src] [--top 40] [--by function|file]
import { readFileSync } from "node:fs";

const USAGE = "usage: node bench/tools/cpuprofile-top.ts FILE.cpuprofile [--connections N] [--from URL_PART] [--match TEXT] [--top N] [--by function|file]";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

function main(): void {
  const a = process.argv.slice(2);
  const file = a.find((x, i) => !x.startsWith("--") && (i === 0 || !a[i - 1].startsWith("--")));
  if (!file) throw new Error(USAGE);
  const opt = (k: string) => { const i = a.indexOf(`--${k}`); return i >= 0 ? a[i + 1] : undefined; };
  const per = Number(opt("connections") ?? 0);
  const from = opt("from");
  const match = opt("match") ?? "";
  const top = Number(opt("top") ?? 40);
  const byFile = opt("by") === "file";
  const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (cf: CallFrame) => {
    const url = cf.url.replace(/^file:\/\/.*?\/(host|bench|filter|service|abi|node_modules)\//, "$1/");
    if (byFile) return url.startsWith("wasm://") ? "wasm" : url || `(native) ${cf.functionName}`;
    return `${cf.functionName || "(anonymous)"} ${url}${url ? `:${cf.lineNumber + 1}` : ""}`;
  };
  const self = new Map<string, number>(), incl = new Map<string, number>();
  let total = 0, idle = 0, started = from === undefined;
  for (let i = 0; i < p.samples.length; i++) {
    const leaf = byId.get(p.samples[i])!;
    const d = p.timeDeltas[i] ?? 0;
    if (!started) { if (leaf.callFrame.url.includes(from!)) started = true; else continue; }
    if (leaf.callFrame.functionName === "(idle)") { idle += d; continue; }
    total += d;
    self.set(name(leaf.callFrame), (self.get(name(leaf.callFrame)) ?? 0) + d);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const k = name(byId.get(id)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + d);
    }
  }
  const unit = per > 0 ? "µs/conn" : "ms";
  const fmt = (us: number) => (per > 0 ? us / per : us / 1000).toFixed(per > 0 ? 2 : 1).padStart(9);
  console.log(`${file}: busy ${fmt(total)} ${unit}, idle ${fmt(idle)} ${unit}`);
  for (const [title, m] of [["self", self], ["inclusive", incl]] as const) {
    console.log(`-- ${title} (${unit})`);
    for (const [k, v] of [...m].filter(([k]) => k.includes(match)).sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${fmt(v)}  ${k}`);
  }
}

try { main(); } catch (e) { process.stderr.write(`${(e as Error).message}\n`); process.exit(2); }
