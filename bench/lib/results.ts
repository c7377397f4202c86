// The results file every scenario writes: always `scenario`, `machine`, `startedAt` and a
// `summary` object (what automation reads), then the scenario's settings and every figure.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { MachineInfo } from "./machine.ts";

export interface ResultsFile {
  scenario: string;
  quick: boolean;
  machine: MachineInfo;
  startedAt: string;
  finishedAt: string;
  summary: Record<string, unknown>;
  notes: string[];
  [figure: string]: unknown;
}

/** Throws naming the first field that breaks the promised shape. */
export function checkResultsShape(r: unknown): asserts r is ResultsFile {
  const o = r as Record<string, unknown>;
  if (typeof o !== "object" || o === null) throw new Error("results: not an object");
  if (typeof o.scenario !== "string" || !o.scenario) throw new Error("results.scenario: expected a non-empty string");
  const m = o.machine as Record<string, unknown>;
  if (typeof m !== "object" || m === null) throw new Error("results.machine: expected an object");
  for (const k of ["cpuModel", "node", "os"]) if (typeof m[k] !== "string") throw new Error(`results.machine.${k}: expected a string`);
  for (const k of ["cores", "memTotalMB"]) if (typeof m[k] !== "number") throw new Error(`results.machine.${k}: expected a number`);
  if (typeof o.startedAt !== "string" || Number.isNaN(Date.parse(o.startedAt))) throw new Error("results.startedAt: expected an ISO date string");
  if (typeof o.summary !== "object" || o.summary === null || Array.isArray(o.summary)) throw new Error("results.summary: expected an object");
}

export function defaultResultsPath(benchDir: string, scenario: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, "-").replace(/-\d{3}Z$/, "Z");
  return path.join(benchDir, "results", `${scenario}-${stamp}.json`);
}

/** Writes the JSON and, next to it, the SVG chart (same name, .svg). Returns both paths. */
export function writeResults(file: string, results: ResultsFile, svg: string | undefined): { json: string; svg?: string } {
  checkResultsShape(results);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  if (svg === undefined) return { json: file };
  const svgFile = file.replace(/\.json$/i, "") + ".svg";
  writeFileSync(svgFile, svg);
  return { json: file, svg: svgFile };
}
