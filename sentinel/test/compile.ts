// Compiles an AssemblyScript test harness with the real compiler (asc.main, --bindings raw) into a
// temporary folder and instantiates it. Harnesses are cached per (entry, flags) within one process.
import asc from "assemblyscript/asc";
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, mkdtempSync } from "node:fs";
import { createHash } from "node:crypto";
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

/** Hash of every source that can affect a harness build, so test processes can share one compile. */
function sourceHash(args: string[]): string {
  const hash = createHash("sha256").update(args.join("\0"));
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (p.endsWith(".ts")) hash.update(p).update(readFileSync(p));
    }
  };
  for (const d of ["sentinel/assembly", "sentinel/test/harness", "abi/assembly"]) walk(join(repoRoot, d));
  return hash.digest("hex").slice(0, 24);
}

async function build(entry: string, opts: CompileOptions) {
  const name = basename(entry, ".ts");
  const args = [
    join("sentinel/test/harness", entry), "--bindings", "raw",
    "--runtime", "incremental", ...abortArgs(),
    ...(opts.optimize === false ? ["--debug"] : ["-O2"]),
    ...(opts.rtrace ? ["--use", "ASC_RTRACE=1"] : []),
  ];
  const cacheDir = join(tmpdir(), "sentinel-harness-cache", sourceHash(args));
  const cachedWasm = join(cacheDir, name + ".wasm");
  if (existsSync(cachedWasm) && existsSync(join(cacheDir, name + ".js"))) {
    return { module: await WebAssembly.compile(readFileSync(cachedWasm)), jsPath: join(cacheDir, name + ".js") };
  }
  const outDir = mkdtempSync(join(tmpdir(), "sentinel-harness-"));
  const wasmPath = join(outDir, name + ".wasm");
  args.splice(1, 0, "-o", wasmPath);
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
  // Publish to the cache atomically (rename of a whole folder), so a concurrent test process never
  // sees half-written files; losing the race is harmless.
  mkdirSync(dirname(cacheDir), { recursive: true });
  try { renameSync(outDir, cacheDir); return { module, jsPath: join(cacheDir, name + ".js") }; }
  catch { return { module, jsPath: join(outDir, name + ".js") }; }
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
  };
  // The raw bindings of an ASC_RTRACE build expect `imports.rtrace` to be the rtrace package
  // (an `Rtrace` class whose install() sets imports.rtrace). That package is not shipped with
  // assemblyscript 0.28, so this minimal stand-in installs counting hooks instead.
  const hooks = {
    oninit() {}, onalloc() { allocs.alloc++; }, onresize() { allocs.resize++; },
    onmove() { allocs.move++; }, onfree() { allocs.free++; },
    onvisit() { return true; }, oncollect() {}, oninterrupt() {}, onyield() {},
    // Memory-access instrumentation hooks of rtrace builds: pass the pointer through.
    onload(ptr: number) { return ptr; }, onstore(ptr: number) { return ptr; },
  };
  imports.rtrace = {
    Rtrace: class { install(target: Record<string, unknown>) { target.rtrace = hooks; } },
  };
  // Any other host import the product's abort handler may pull in (proxy-wasm calls) gets a stub
  // returning 0 (WasmResult Ok), so the harness keeps linking if that handler changes.
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function" || imp.module === "rtrace") continue;
    imports[imp.module] ??= {};
    imports[imp.module][imp.name] ??= () => 0;
  }
  // asc's raw bindings call `env` imports they wrap (such as proxy_log) as free identifiers, i.e.
  // through globalThis, so those must be installed there; the latest loaded harness owns them.
  for (const [name, fn] of Object.entries(imports.env ?? {})) (globalThis as any)[name] = fn;
  const exports = await glue.instantiate(module, imports);
  memory = exports.memory;
  return { exports, memory: exports.memory, allocs, aborts };
}
