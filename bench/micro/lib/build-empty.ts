// Compiles bench/micro/modules/empty-filter.ts into build/bench-micro/empty-filter.wasm with the
// AssemblyScript compiler API and the flags scripts/build.mjs gives build/filter.wasm (COMMON +
// RELEASE there; micro.test.ts checks the two lists have not drifted apart), so the baseline is
// built exactly like the filter it is compared with. build/ is git-ignored: built on demand.
import asc from "assemblyscript/asc";
import { existsSync, mkdirSync, statSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./paths.ts";

export const EMPTY_FILTER_SOURCE = "bench/micro/modules/empty-filter.ts";
export const EMPTY_FILTER_WASM = "build/bench-micro/empty-filter.wasm";

/** The flags of scripts/build.mjs for build/filter.wasm: its COMMON list, then RELEASE. */
export const FILTER_BUILD_FLAGS: readonly string[] = [
  "--runtime", "incremental",
  "--use", "abort=abi/assembly/abort/onAbort",
  "--exportStart", "_initialize",
  "--disable", "bulk-memory",
  "-O3", "--converge",
];

/** Builds the empty filter unless the .wasm is newer than its source and the abort module; returns its absolute path. */
export async function buildEmptyFilter(opts: { force?: boolean } = {}): Promise<string> {
  const out = path.join(REPO_ROOT, EMPTY_FILTER_WASM);
  const sources = [EMPTY_FILTER_SOURCE, "abi/assembly/abort.ts", "abi/assembly/imports.ts"].map((s) => path.join(REPO_ROOT, s));
  const newest = Math.max(...sources.map((s) => statSync(s).mtimeMs));
  if (!opts.force && existsSync(out) && statSync(out).mtimeMs >= newest) return out;
  mkdirSync(path.dirname(out), { recursive: true });
  // asc resolves the entry and the --use path against the working directory: the repo root, as build.mjs.
  const cwd = process.cwd();
  process.chdir(REPO_ROOT);
  try {
    const { error, stderr } = await asc.main([EMPTY_FILTER_SOURCE, "-o", EMPTY_FILTER_WASM, ...FILTER_BUILD_FLAGS], {});
    if (error) throw new Error(`building ${EMPTY_FILTER_SOURCE} failed: ${error.message}\n${stderr.toString()}`);
  } finally {
    process.chdir(cwd);
  }
  return out;
}
