import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkResultsShape, defaultResultsPath, writeResults } from "./results.ts";
import { machineInfo } from "./machine.ts";
import { parseRunArgs, SCENARIOS } from "../run.ts";

const good = () => ({ scenario: "host-overhead", quick: true, machine: machineInfo(), startedAt: new Date(0).toISOString(), finishedAt: new Date(1).toISOString(), summary: { hostVsPlainProxy: 0.9 }, notes: [] });

test("results shape: scenario, machine, startedAt and summary are required", () => {
  checkResultsShape(good());
  const cases: Array<{ name: string; edit: (r: any) => void; error: RegExp }> = [
    { name: "no scenario", edit: (r) => { delete r.scenario; }, error: /results\.scenario/ },
    { name: "machine without cores", edit: (r) => { delete r.machine.cores; }, error: /results\.machine\.cores/ },
    { name: "startedAt not a date", edit: (r) => { r.startedAt = "yesterday"; }, error: /results\.startedAt/ },
    { name: "summary an array", edit: (r) => { r.summary = []; }, error: /results\.summary/ },
  ];
  for (const c of cases) {
    const r = good();
    c.edit(r);
    assert.throws(() => checkResultsShape(r), c.error, c.name);
  }
});

test("machineInfo describes this machine", () => {
  const m = machineInfo();
  assert.ok(m.cores >= 1 && m.memTotalMB > 0);
  assert.equal(m.node, process.version);
});

test("writeResults writes the JSON and the SVG next to it; default path is bench/results/<scenario>-<time>.json", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-results-test-"));
  const file = path.join(dir, "sub", "x.json");
  const w = writeResults(file, good(), "<svg/>");
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).summary, { hostVsPlainProxy: 0.9 });
  assert.equal(w.svg, path.join(dir, "sub", "x.svg"));
  assert.ok(existsSync(w.svg!));
  assert.equal(defaultResultsPath("/b", "overhead", new Date("2026-11-25T17:19:21.123Z")), "/b/results/overhead-2026-11-25T17-19-21Z.json");
});

test("run.ts arguments: scenario, --quick, --out, --concurrency; clear errors otherwise", () => {
  assert.deepEqual(parseRunArgs(["host-overhead", "--quick", "--out", "r.json"]), { scenario: "host-overhead", quick: true, out: "r.json" });
  assert.equal(parseRunArgs(["overhead", "--concurrency", "2"]).concurrency, 2);
  assert.throws(() => parseRunArgs([]), /which scenario/);
  assert.throws(() => parseRunArgs(["nope"]), /unknown scenario "nope"/);
  assert.throws(() => parseRunArgs(["overhead", "--fast"]), /unknown option --fast/);
  assert.throws(() => parseRunArgs(["overhead", "--concurrency", "0"]), /--concurrency needs an integer 1\.\.64/);
  for (const name of ["host-overhead", "overhead", "rate-limit", "concurrency", "circuit-breaker", "naive"]) {
    assert.ok(SCENARIOS.some((s) => s.name === name), name);
  }
});

test("an unknown scenario exits 2 with the usage", async () => {
  const { spawnSync } = await import("node:child_process");
  const run = path.join(import.meta.dirname, "..", "run.ts");
  const unknown = spawnSync(process.execPath, [run, "warp-speed"], { encoding: "utf8", timeout: 20_000 });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown scenario "warp-speed"[\s\S]*usage: npm run bench/);
});
