// Compiles an AssemblyScript test harness with the real compiler (asc.main, --bindings raw) into a
// temporary folder and instantiates it. Harnesses are cached per (entry, flags) within one process.
import asc from "assemblyscript/asc";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, "..", "..");

/** The product's abort handler if another engineer has written it, else the test folder's own. */
function abortArgs(): string[] {
  // The handler's file must be part of the program for --use to resolve it, hence the extra entry.
  if (existsSync(join(repoRoot, "abi/assembly/abort.ts"))) return ["abi/assembly/abort.ts", "--use", "abort=abi/assembly/abort/onAbort"];
  return ["sentinel/test/harness/abort.ts", "--use", "abort=sentinel/test/harness/abort/onAbort"];
}

export interface Harness {
  exports: Record<string, any>;
  memory: WebAssembly.Memory;
  /** Counts from the rtrace hooks (only with rtrace: true). */
  allocs: { alloc: number; free: number; resize: number; move: number };
  aborts: string[];
}

export interface CompileOptions { rtrace?: boolean; optimize?: boolean }

const cache = new Map<string, Promise<{ module: WebAssembly.Module; jsPath: string }>>();

async function build(entry: string, opts: CompileOptions) {
  const outDir = mkdtempSync(join(tmpdir(), "sentinel-harness-"));
  const name = basename(entry, ".ts");
  const wasmPath = join(outDir, name + ".wasm");
  const args = [
    join("sentinel/test/harness", entry), "-o", wasmPath, "--bindings", "raw",
    "--runtime", "incremental", ...abortArgs(),
    ...(opts.optimize === false ? ["--debug"] : ["-O2"]),
    ...(opts.rtrace ? ["--use", "ASC_RTRACE=1"] : []),
  ];
  const prev = process.cwd();
  process.chdir(repoRoot);
  let result;
  try {
    result = await asc.main(args, {});
  } finally {
    process.chdir(prev);
  }
  if (result.error) throw new Error(`asc failed for ${entry}:\n${result.stderr.toString()}`);
  const module = await WebAssembly.compile(readFileSync(wasmPath));
  return { module, jsPath: join(outDir, name + ".js") };
}

export async function loadHarness(entry: string, opts: CompileOptions = {}): Promise<Harness> {
  const key = entry + JSON.stringify(opts);
  let p = cache.get(key);
  if (!p) { p = build(entry, opts); cache.set(key, p); }
  const { module, jsPath } = await p;
  const glue = await import(pathToFileURL(jsPath).href);
  const allocs = { alloc: 0, free: 0, resize: 0, move: 0 };
  const aborts: string[] = [];
  let memory: WebAssembly.Memory | undefined;
  const readStr = (ptr: number) => {
    if (!ptr || !memory) return "";
    const len = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
    return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, len >>> 1));
  };
  const imports: Record<string, any> = {
    harness: {
      abort: (msg: number, file: number, line: number, col: number) => {
        aborts.push(`${readStr(msg)} at ${readStr(file)}:${line}:${col}`);
      },
    },
    // The product's abort handler logs through proxy_log before trapping.
    env: {
      proxy_log: (_level: number, ptr: number, len: number) => {
        if (memory) aborts.push(new TextDecoder().decode(new Uint8Array(memory.buffer, ptr, len)));
        return 0;
      },
    },
    rtrace: {
      oninit() {}, onalloc() { allocs.alloc++; }, onresize() { allocs.resize++; },
      onmove() { allocs.move++; }, onfree() { allocs.free++; },
      onvisit() { return true; }, oncollect() {}, oninterrupt() {}, onyield() {},
    },
  };
  const exports = await glue.instantiate(module, imports);
  memory = exports.memory;
  return { exports, memory: exports.memory, allocs, aborts };
}
