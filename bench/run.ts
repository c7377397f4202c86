// npm run bench -- <scenario> [--quick] [--out FILE] [--concurrency N] [--rounds N]
// Runs one scenario: live progress on stderr, the table on stdout, a JSON results file (default
// bench/results/<scenario>-<timestamp>.json) and an SVG chart next to it.
// Exit codes: 0 done, 1 the run failed, 2 bad usage or a scenario that cannot run yet.
import { machineInfo } from "./lib/machine.ts";
import { Progress } from "./lib/progress.ts";
import { stopAll } from "./lib/procs.ts";
import { defaultResultsPath, writeResults, type ResultsFile } from "./lib/results.ts";
import { renderChart } from "./lib/svg.ts";
import { BENCH_DIR } from "./lib/targets.ts";
import { hostOverhead } from "./scenarios/host-overhead.ts";
import { overhead } from "./scenarios/overhead.ts";
import { naiveRateLimit, rateLimit } from "./scenarios/rate-limit.ts";
import { concurrency } from "./scenarios/concurrency.ts";
import { circuitBreaker } from "./scenarios/circuit-breaker.ts";
import { ScenarioUnavailable, type Scenario } from "./scenarios/types.ts";

export const SCENARIOS: Scenario[] = [hostOverhead, overhead, rateLimit, naiveRateLimit, concurrency, circuitBreaker];

export interface RunArgs { scenario: string; quick: boolean; out?: string; concurrency?: number; rounds?: number; skew?: number | "uniform"; workers?: number }

/** Scenarios that steer load across workers (--skew, --workers). */
const SKEW_SCENARIOS = ["rate-limit", "naive"];

export class UsageError extends Error {}

export function usage(): string {
  return `usage: npm run bench -- <scenario> [--quick] [--out FILE] [--concurrency N] [--rounds N] [--workers N] [--skew uniform|S]\n\nscenarios:\n` +
    SCENARIOS.map((s) => `  ${s.name.padEnd(16)} ${s.description}`).join("\n") + "\n";
}

export function parseRunArgs(argv: string[]): RunArgs {
  let scenario: string | undefined;
  const a: Partial<RunArgs> = { quick: false };
  const posInt = (flag: string, v: string | undefined, max: number) => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} needs an integer 1..${max}, got ${v === undefined ? "nothing" : `"${v}"`}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--quick") a.quick = true;
    else if (arg === "--out") { if (!argv[i + 1]) throw new UsageError("--out needs a file name"); a.out = argv[++i]; }
    else if (arg === "--concurrency") a.concurrency = posInt(arg, argv[++i], 64);
    else if (arg === "--rounds") a.rounds = posInt(arg, argv[++i], 100);
    else if (arg === "--workers") a.workers = posInt(arg, argv[++i], 64);
    else if (arg === "--skew") {
      const v = argv[++i];
      const n = Number(v);
      if (v === "uniform") a.skew = "uniform";
      else if (v !== undefined && v.trim() !== "" && Number.isFinite(n) && n >= 0 && n <= 1) a.skew = n;
      else throw new UsageError(`--skew needs "uniform" or the hot worker's share 0..1, got ${v === undefined ? "nothing" : `"${v}"`}`);
    }
    else if (arg.startsWith("-")) throw new UsageError(`unknown option ${arg}`);
    else if (scenario) throw new UsageError(`one scenario at a time (got "${scenario}" and "${arg}")`);
    else scenario = arg;
  }
  if (!scenario) throw new UsageError("which scenario?");
  if (!SCENARIOS.some((s) => s.name === scenario)) throw new UsageError(`unknown scenario "${scenario}"`);
  if ((a.skew !== undefined || a.workers !== undefined) && !SKEW_SCENARIOS.includes(scenario)) throw new UsageError(`--skew and --workers are for ${SKEW_SCENARIOS.join(", ")} only`);
  return { ...a, scenario } as RunArgs;
}

async function main(argv: string[]): Promise<number> {
  let args: RunArgs;
  try {
    args = parseRunArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${usage()}`);
    return 2;
  }
  const scenario = SCENARIOS.find((s) => s.name === args.scenario)!;
  const startedAt = new Date();
  const machine = machineInfo();
  const progress = new Progress(scenario.name, scenario.plannedMs(args.quick));
  let out;
  try {
    out = await scenario.run({ quick: args.quick, concurrency: args.concurrency, rounds: args.rounds, skew: args.skew, workers: args.workers, progress });
  } catch (e) {
    progress.done();
    if (e instanceof ScenarioUnavailable) { process.stderr.write(`${e.message}\n`); return 2; }
    process.stderr.write(`bench ${scenario.name} failed: ${(e as Error).stack ?? e}\n`);
    return 1;
  } finally {
    await stopAll();
  }
  progress.done();
  const results: ResultsFile = {
    scenario: scenario.name, quick: args.quick, machine, startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
    summary: out.summary, notes: out.notes, ...out.figures,
  };
  const file = args.out ?? defaultResultsPath(BENCH_DIR, scenario.name, startedAt);
  const svg = out.chart ? renderChart(out.chart.title, out.chart.panels, `${out.chart.subtitle} | ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}`) : undefined;
  const written = writeResults(file, results, svg);
  process.stdout.write(`\n${scenario.name}${args.quick ? " (quick)" : ""} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memTotalMB} MB, Node ${machine.node}, ${machine.os}\n\n`);
  process.stdout.write(`${out.table}\n\n`);
  for (const n of out.notes) process.stdout.write(`note: ${n}\n`);
  if (out.mismatches.length) {
    process.stdout.write(`admin stats vs clients: ${out.mismatches.length} mismatch(es):\n`);
    for (const m of out.mismatches) process.stdout.write(`  MISMATCH ${m}\n`);
  } else {
    process.stdout.write(`admin stats vs clients: all cross-checks match\n`);
  }
  process.stdout.write(`summary: ${JSON.stringify(out.summary)}\nresults: ${written.json}${written.svg ? `\nchart:   ${written.svg}` : ""}\n`);
  return 0;
}

if (import.meta.main) {
  // Children are stopped by pid on every way out, including Ctrl-C.
  const bail = () => { void stopAll().then(() => process.exit(130)); };
  process.on("SIGINT", bail);
  process.on("SIGTERM", bail);
  process.exitCode = await main(process.argv.slice(2));
}
