// CPU an idle host uses per second (no connections at all): what the modules' timers cost. Every
// configuration gets its own `node host/src/cli.ts` in front of one echo upstream, is left to settle,
// then measured from /proc over --seconds; rounds alternate the order.
//
//   node bench/tools/idle-cpu.ts [--configs envoy-configs/envoy.yaml,envoy-configs/no-filter.yaml]
//        [--trees name=dir,...] [--seconds 8] [--rounds 2] [--concurrency 1]
//
// A tree (default: this repository) supplies host/src/cli.ts and the build/ the config points at,
// so two trees compare two builds of the modules.
import path from "node:path";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { threadCpuMs, type Child } from "../lib/procs.ts";
import { startUpstreamProc } from "../lib/targets.ts";
import { parseFlags, parseTrees, runTool, startTreeHost } from "./tool-args.ts";
import { rewritePorts } from "../lib/host-config.ts";

const USAGE = "usage: node bench/tools/idle-cpu.ts [--configs FILE,...] [--trees name=dir,...] [--seconds N] [--rounds N] [--concurrency N]";

function parseArgs(argv: string[]) {
  const f = parseFlags(argv, USAGE);
  const o = f.raw;
  const num = f.num;
  const trees = parseTrees(o.trees, USAGE);
  const configs = (o.configs ?? "envoy-configs/envoy.yaml,envoy-configs/no-filter.yaml").split(",");
  return { trees, configs, seconds: num("seconds", 8), rounds: num("rounds", 2), concurrency: num("concurrency", 1) };
}


interface Target { key: string; child: Child; msPerSec: number[]; threads: Map<string, number> }

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const upstream = await startUpstreamProc();
  const dir = mkdtempSync(path.join(tmpdir(), "idle-cpu-"));
  const targets: Target[] = [];
  for (const tree of opts.trees) for (const cfg of opts.configs) {
    const key = `${tree.name}/${path.basename(cfg, ".yaml")}`;
    const { child } = await startTreeHost({
      key, tree, file: path.join(dir, `${tree.name}-${path.basename(cfg)}`), upstreamPort: upstream.port, concurrency: opts.concurrency,
      yamlFor: (ports) => rewritePorts(readFileSync(path.join(tree.dir, cfg), "utf8"), ports, cfg),
    });
    targets.push({ key, child, msPerSec: [], threads: new Map() });
  }
  await new Promise((r) => setTimeout(r, 2000)); // start-up work (compilation, first ticks) out of the way
  for (let r = 0; r < opts.rounds; r++) {
    // All targets idle at once; each measured over the same span, so machine load hits them alike.
    const before = targets.map((t) => threadCpuMs(t.child.pid));
    await new Promise((res) => setTimeout(res, opts.seconds * 1000));
    targets.forEach((t, i) => {
      const after = threadCpuMs(t.child.pid);
      let total = 0;
      for (const [k, v] of after) {
        const d = v - (before[i].get(k) ?? 0);
        total += d;
        t.threads.set(k, (t.threads.get(k) ?? 0) + d);
      }
      t.msPerSec.push(total / opts.seconds);
    });
  }
  console.log(`idle, ${opts.rounds} x ${opts.seconds} s, --concurrency ${opts.concurrency}: CPU ms per second (all threads, /proc)`);
  for (const t of targets) {
    const th = [...t.threads].filter(([, v]) => v > 0).map(([k, v]) => `${k} ${(v / (opts.seconds * opts.rounds)).toFixed(1)}`).join(", ");
    console.log(`${t.key.padEnd(28)} ${t.msPerSec.map((x) => x.toFixed(1)).join(" / ").padStart(14)}   ${th}`);
  }
  for (const t of targets) { t.child.proc.kill("SIGINT"); await t.child.exited; }
}

runTool(main);
