// No allocation per connection after warm-up, proved with AssemblyScript's stub runtime: it never
// frees, so every allocation moves the heap end for good. The filter is compiled here with
// `--runtime stub` (otherwise the project's flags); 30,000 connections after warm-up, with no tick
// in between (ticks allocate: they read shared data), must not grow linear memory by more than the
// few token leases they take.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, existsSync, statSync, readdirSync } from "node:fs";
import { join } from "node:path";
import asc from "assemblyscript/asc";
import { Emulator } from "../../host/src/runtime/emulator.ts";
import type { Vm } from "../../host/src/runtime/vm.ts";
import { ROOT, admitted } from "./helpers.ts";

const R = "tcp:orders";
const OUT = join(ROOT, "build", "test-stub", "filter-stub.wasm");

function newestSource(): number {
  let newest = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p); else if (p.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ["filter/assembly", "abi/assembly", "sentinel/assembly", "shared-schema/assembly", "shared-schema/gen/as"]) walk(join(ROOT, d));
  return newest;
}

async function buildStub(): Promise<void> {
  if (existsSync(OUT) && statSync(OUT).mtimeMs >= newestSource()) return;
  mkdirSync(join(ROOT, "build", "test-stub"), { recursive: true });
  // Paths as scripts/build.mjs gives them: relative to the repository root.
  process.chdir(ROOT);
  const { error, stderr } = await asc.main(["filter/assembly/index.ts", "-o", OUT, "--runtime", "stub",
    "--use", "abort=abi/assembly/abort/onAbort", "--exportStart", "_initialize", "-O3"], {});
  if (error) throw new Error(`stub build failed:\n${stderr.toString()}`);
}

function pages(vm: Vm): number {
  let lo = 1, hi = 65536;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (vm.read(mid * 65536 - 1, 1) !== undefined) lo = mid; else hi = mid - 1;
  }
  return lo;
}

async function growth(logLevel: "info" | "debug"): Promise<{ warm: number; after: number }> {
  await buildStub();
  const emu = await Emulator.create({
    workers: 1,
    logLevel,
    filters: [{ name: "sentinel_filter", rootId: "sentinel_filter", vmId: "sentinel", codePath: OUT, pluginConfiguration: JSON.stringify({
      resource: R, rtMode: "firstByte",
      flowRules: [{ resource: R, threshold: 1e9 }], isolationRules: [{ resource: R, threshold: 1000 }],
      circuitBreakerRules: [{ resource: R, strategy: "ErrorRatio", threshold: 0.9, minRequestAmount: 1e6, statIntervalMs: 1000, retryTimeoutMs: 1000 }],
    }) }],
  });
  const vm = emu.workers[0].vmFor("sentinel_filter")!;
  const drive = (n: number) => {
    for (let i = 0; i < n; i++) {
      const c = emu.connect();
      assert.ok(admitted(c));
      c.downstreamData("q").upstreamData("a").clientClose();
    }
  };
  drive(2000);
  const warm = pages(vm);
  drive(30000);
  const after = pages(vm);
  emu.shutdown();
  return { warm, after };
}

test("stub runtime: 30,000 connections after warm-up allocate nothing per connection", { timeout: 120_000 }, async () => {
  const { warm, after } = await growth("info");
  // 30,000 x even 16 bytes would be 7 pages; the leases (a handful, growing geometrically) fit in 1.
  assert.ok(after - warm <= 1, `grew from ${warm} to ${after} pages`);
});

test("control: the same run at debug level (a log line built per connection) does grow", { timeout: 120_000 }, async () => {
  const { warm, after } = await growth("debug");
  assert.ok(after - warm >= 10, `grew only from ${warm} to ${after} pages`);
});
