// Compiles test/as/harness.ts with the project's asc flags (scripts/build.mjs) and wraps its raw
// exports: bytes go in through alloc/free, strings come back as UTF-16 from linear memory.
import asc from "assemblyscript/asc";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const Kind = { WorkerReport: 0, DecisionTable: 1 } as const;
export type KindName = keyof typeof Kind;

export interface Harness {
  verify(kind: KindName, bytes: Uint8Array, maxTables?: number): boolean;
  dump(kind: KindName, bytes: Uint8Array, maxElems?: number): string;
  random(kind: KindName, seed: bigint): { bytes: Uint8Array; json: string };
  builderGrows(): number;
  heapBytes(): number;
  aborts: string[];
}

/** The project's abort handler when it exists, else the stand-in next to the harness. */
function abortFlags(): { entries: string[]; use: string } {
  if (existsSync(join(root, "abi/assembly/abort.ts"))) return { entries: ["abi/assembly/abort.ts"], use: "abort=abi/assembly/abort/onAbort" };
  return { entries: ["shared-schema/test/as/abort.ts"], use: "abort=shared-schema/test/as/abort/onAbort" };
}

export async function compileHarness(): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), "schema-harness-"));
  const out = join(dir, "harness.wasm");
  const { entries, use } = abortFlags();
  const prev = process.cwd();
  process.chdir(root);
  try {
    const { error, stderr } = await asc.main(["shared-schema/test/as/harness.ts", ...entries, "-o", out,
      "--runtime", "incremental", "--use", use, "--exportStart", "_initialize", "-O3"], {});
    if (error) throw new Error(`harness build failed:\n${stderr.toString()}`);
    return readFileSync(out);
  } finally {
    process.chdir(prev);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function loadHarness(): Promise<Harness> {
  const wasm = await compileHarness();
  const aborts: string[] = [];
  let mem: WebAssembly.Memory;
  const imports = {
    env: {
      // Only the abort handler logs; a log here means the codec aborted.
      proxy_log: (_level: number, ptr: number, len: number) => {
        aborts.push(new TextDecoder().decode(new Uint8Array(mem.buffer, ptr, len)));
        return 0;
      },
    },
  };
  const { instance } = await WebAssembly.instantiate(wasm, imports);
  const x = instance.exports as Record<string, any>;
  mem = x.memory as WebAssembly.Memory;
  x._initialize();
  const withBytes = <T>(bytes: Uint8Array, f: (ptr: number, len: number) => T): T => {
    const ptr = x.alloc(Math.max(1, bytes.length)) >>> 0;
    new Uint8Array(mem.buffer, ptr, bytes.length).set(bytes);
    try { return f(ptr, bytes.length); } finally { x.free(ptr); }
  };
  const str = (units: number): string => {
    const ptr = x.lastStringPtr() >>> 0;
    return new TextDecoder("utf-16le").decode(new Uint8Array(mem.buffer, ptr, units * 2));
  };
  return {
    aborts,
    verify: (kind, bytes, maxTables = 100_000) => withBytes(bytes, (p, n) => x.verify(Kind[kind], p, n, maxTables) !== 0),
    dump: (kind, bytes, maxElems = 0x7fffffff) => withBytes(bytes, (p, n) => str(x.dump(Kind[kind], p, n, maxElems))),
    random: (kind, seed) => {
      const n = x.random(Kind[kind], seed) >>> 0;
      const json = str(x.lastStringLength());
      const ptr = x.builtPtr() >>> 0;
      return { bytes: new Uint8Array(mem.buffer, ptr, n).slice(), json };
    },
    builderGrows: () => x.builderGrows(),
    heapBytes: () => mem.buffer.byteLength,
  };
}
