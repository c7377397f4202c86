// Builds every AssemblyScript module of the project into build/.
//   node scripts/build.mjs               build everything
//   node scripts/build.mjs --if-missing  build only targets whose output is missing or older than a source
// Flags that keep modules loadable in Envoy (see README "Why these asc flags"):
//   --use abort=...      routes AS aborts to our handler (logs through proxy_log, then traps): no env.abort
//   --exportStart        the start function becomes `_initialize`, which Envoy calls once the VM exists
//   --runtime incremental keeps `__pin`/`__unpin` semantics the ABI layer relies on for host-owned buffers
//   --disable bulk-memory  the incremental runtime zeroes each function's shadow-stack frame on entry;
//                          with bulk memory that is a `memory.fill`, which V8 (Envoy's engine) runs as
//                          a call out of the wasm code into C++, on every call of every such function
//                          (several per connection). Without it the frame is zeroed by plain stores.
import asc from "assemblyscript/asc";
import { readdirSync, statSync, mkdirSync, existsSync } from "node:fs";
import { join, relative, basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

const COMMON = [
  "--runtime", "incremental",
  "--use", "abort=abi/assembly/abort/onAbort",
  "--exportStart", "_initialize",
  "--disable", "bulk-memory",
];
const RELEASE = ["-O3", "--converge"];
const DEBUG = ["--debug", "--sourceMap"];

/** @returns {{entry:string,out:string,flags:string[],srcDirs:string[]}[]} */
function targets() {
  const list = [];
  const mod = (name) => {
    const entry = `${name}/assembly/index.ts`;
    if (!existsSync(entry)) return;
    const srcDirs = [`${name}/assembly`, "abi/assembly", "shared-schema/gen/as", "shared-schema/as-runtime", "shared-schema/assembly", "sentinel/assembly"];
    list.push({ entry, out: `build/${name}.wasm`, flags: RELEASE, srcDirs });
    list.push({ entry, out: `build/${name}.debug.wasm`, flags: DEBUG, srcDirs });
  };
  mod("filter");
  mod("service");
  // ABI-layer probe modules (abi/test/modules/*.ts), release and debug, for abi/test/*.test.ts.
  const abiTestModules = "abi/test/modules";
  if (existsSync(abiTestModules)) {
    for (const f of readdirSync(abiTestModules)) {
      if (!f.endsWith(".ts")) continue;
      const entry = join(abiTestModules, f), name = basename(f, ".ts"), srcDirs = [abiTestModules, "abi/assembly"];
      list.push({ entry, out: `build/abi-test/${name}.wasm`, flags: RELEASE, srcDirs });
      list.push({ entry, out: `build/abi-test/${name}.debug.wasm`, flags: DEBUG, srcDirs });
    }
  }
  const testModules = "host/test/modules";
  if (existsSync(testModules)) {
    for (const f of readdirSync(testModules)) {
      if (!f.endsWith(".ts")) continue;
      list.push({ entry: join(testModules, f), out: `build/test-modules/${basename(f, ".ts")}.wasm`,
        flags: ["-O2"], srcDirs: [testModules, "abi/assembly"] });
    }
  }
  return list;
}

function newestMtime(dirs) {
  let newest = 0;
  const walk = (d) => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) { if (e.name !== "__tests__") walk(p); }
      else if (p.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  dirs.forEach(walk);
  return newest;
}

const ifMissing = process.argv.includes("--if-missing");
const only = process.argv.slice(2).filter((a) => !a.startsWith("--"));
let failed = 0, built = 0;
for (const t of targets()) {
  if (only.length && !only.some((o) => t.out.includes(o) || t.entry.includes(o))) continue;
  if (ifMissing && existsSync(t.out) && statSync(t.out).mtimeMs >= newestMtime(t.srcDirs)) continue;
  mkdirSync(dirname(t.out), { recursive: true });
  const { error, stderr } = await asc.main([t.entry, "-o", t.out, ...COMMON, ...t.flags], {});
  if (error) {
    failed++;
    console.error(`build: ${t.entry} -> ${t.out} FAILED\n${stderr.toString()}`);
  } else built++;
}
console.log(`build: ${built} module(s) built${failed ? `, ${failed} failed` : ""}`);
if (failed) process.exit(1);
