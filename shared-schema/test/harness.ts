// Compiles test/as/harness.ts with the project's asc flags (scripts/build.mjs) and wraps its raw
// exports: bytes go in through alloc/free, strings come back as UTF-16 from linear memory.
import asc from "assemblyscript/asc";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from "node:fs";
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
  /** The raw wasm exports, for tests of functions beyond this interface. */
  exports: Record<string, any>;
}

/** The project's abort handler when it exists, else the stand-in next to the harness. */
function abortFlags(): { entries: string[]; use: string } {
  if (existsSync(join(root, "abi/assembly/abort.ts"))) return { entries: ["abi/assembly/abort.ts"], use: "abort=abi/assembly/abort/onAbort" };
  return { entries: ["shared-schema/test/as/abort.ts"], use: "abort=shared-schema/test/as/abort/onAbort" };
}

/** Every source the harness is built from: a change in any of them means a rebuild. */
function sourceKey(entries: string[], flags: string[]): string {
  const h = createHash("sha256").update(flags.join(" "));
  const dirs = ["shared-schema/gen/as", "shared-schema/gen/as-test", "shared-schema/assembly", "shared-schema/test/as"];
  const files = [...entries];
  for (const d of dirs) {
    if (!existsSync(join(root, d))) continue;
    for (const f of readdirSync(join(root, d))) if (f.endsWith(".ts")) files.push(join(d, f));
  }
  for (const f of files.sort()) h.update(f).update(readFileSync(join(root, f)));
  return h.digest("hex").slice(0, 16);
}

/** The harness wasm, compiled once per source state (cached in the OS temp dir: asc takes seconds). */
export async function compileHarness(extraFlags: string[] = []): Promise<Uint8Array> {
  const { entries, use } = abortFlags();
  const flags = ["--runtime", "incremental", "--use", use, "--exportStart", "_initialize", ...extraFlags];
  const dir = join(tmpdir(), "sentinel-schema-harness");
  const out = join(dir, `${sourceKey(entries, flags)}.wasm`);
  if (existsSync(out)) return readFileSync(out);
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const prev = process.cwd();
  process.chdir(root);
  try {
    const { error, stderr } = await asc.main(["shared-schema/test/as/harness.ts", ...entries, "-o", tmp, ...flags], {});
    if (error) throw new Error(`harness build failed:\n${stderr.toString()}`);
  } finally {
    process.chdir(prev);
  }
  renameSync(tmp, out);
  return readFileSync(out);
}

export async function loadHarness(extraFlags: string[] = []): Promise<Harness> {
  const wasm = await compileHarness(extraFlags);
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
    exports: x,
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
