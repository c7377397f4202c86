// Shared by the micro benchmarks: run context (machine, which filter build), statistics, the
// results file and the printed table.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { machineInfo, type MachineInfo } from "../../lib/machine.ts";
import { REPO_ROOT } from "./paths.ts";

export { machineInfo, type MachineInfo };

export interface ModuleBuildInfo {
  file: string;
  bytes: number;
  sha256: string;
  builtAt: string;
  /** Last commit touching the module's source folder, and whether that folder has uncommitted changes. */
  sourceCommit: string;
  sourceCommitDate: string;
  sourceDirty: boolean;
}

function git(args: string[]): string {
  try { return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim(); } catch { return ""; }
}

/** Which build was measured: the .wasm's digest and time, and the state of the source folder it is built from. */
export function moduleBuildInfo(wasmPath: string, sourceDir: string): ModuleBuildInfo {
  const bytes = readFileSync(wasmPath);
  const [commit = "", date = ""] = git(["log", "-1", "--format=%h%x09%cI", "--", sourceDir]).split("\t");
  return {
    file: path.relative(REPO_ROOT, wasmPath),
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex").slice(0, 16),
    builtAt: statSync(wasmPath).mtime.toISOString(),
    sourceCommit: commit,
    sourceCommitDate: date,
    sourceDirty: git(["status", "--porcelain", "--", sourceDir]) !== "",
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Value at quantile q (0..1) by linear interpolation. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** A plain text table: first row is the header; numbers right-aligned. */
export function table(rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (typeof rows[0][i] === "string" && isNaN(Number(c)) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export function writeResults(file: string, doc: unknown): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(doc, null, 2) + "\n");
  return file;
}

export function defaultResultsFile(name: string): string {
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
  return path.join(REPO_ROOT, "bench/results", `${name}-${stamp}.json`);
}

/** `--name value` options; flags without a value are booleans. Unknown names are an error. */
export function parseArgs(argv: string[], spec: Record<string, "bool" | "number" | "string">, usage: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--help" || a === "-h") { console.log(usage); process.exit(0); }
    const name = a.startsWith("--") ? a.slice(2) : "";
    const kind = spec[name];
    if (!kind) throw new UsageError(`unknown option ${a}`);
    if (kind === "bool") { out[name] = true; continue; }
    const v = argv[++i];
    if (v === undefined) throw new UsageError(`${a} needs a value`);
    if (kind === "number") {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${a}: "${v}" is not a non-negative number`);
      out[name] = n;
    } else out[name] = v;
  }
  return out;
}

export class UsageError extends Error {}

/** Runs a CLI main: usage errors exit 2 with the usage text, other failures exit 1. */
export function runMain(main: () => Promise<number>, usage: string): void {
  main().then((code) => { process.exitCode = code; }, (e: unknown) => {
    if (e instanceof UsageError) { console.error(`${e.message}\n\n${usage}`); process.exitCode = 2; return; }
    console.error(e instanceof Error ? e.stack ?? e.message : String(e));
    process.exitCode = 1;
  });
}
