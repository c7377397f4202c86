import type { Progress } from "../lib/progress.ts";
import type { Panel } from "../lib/svg.ts";

export interface ScenarioOptions {
  quick: boolean;
  /** proxy threads (plain proxy workers = host --concurrency); undefined = the scenario's default. */
  concurrency?: number;
  rounds?: number;
  /** rate-limit / naive: worker threads, and the share of arrivals steered to worker_0 ("uniform": equal shares). */
  workers?: number;
  skew?: number | "uniform";
  progress: Progress;
}

export interface ScenarioOutput {
  summary: Record<string, unknown>;
  /** every figure, stored in the results file next to summary. */
  figures: Record<string, unknown>;
  table: string;
  chart?: { title: string; subtitle: string; panels: Panel[] };
  notes: string[];
  /** cross-check lines that did not match (printed after the table). */
  mismatches: string[];
}

export interface Scenario {
  name: string;
  description: string;
  /** planned duration for the progress line, before the run knows more. */
  plannedMs(quick: boolean): number;
  run(opts: ScenarioOptions): Promise<ScenarioOutput>;
}

/** A scenario that cannot run yet: run.ts prints the reason and exits with code 2. */
export class ScenarioUnavailable extends Error {}
