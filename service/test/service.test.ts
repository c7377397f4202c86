// The issue-2 Sentinel service (build/service.wasm and its debug build) through the host Emulator:
// start-up log, queue ownership, draining on queue_ready and on tick.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Emulator } from "../../host/src/runtime/emulator.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const RECEIVED = "sentinel.service.reports_received";

function built(name: string): string {
  const path = join(root, "build", name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return path;
}

const probe = built("abi-test/probe.wasm");

for (const build of ["service.wasm", "service.debug.wasm"]) {
  const codePath = built(build);
  const service = { name: "sentinel_service", rootId: "sentinel_service", vmId: "sentinel", codePath, pluginConfiguration: "{}" };

  test(`service (${build}): logs one start line at info with the queue token`, async () => {
    const emu = await Emulator.create({ services: [service] });
    const started = emu.logs("info").filter((l) => l.includes("sentinel_service: started"));
    assert.ok(started.length >= 1);
    for (const l of started) assert.match(l, /^wasm log sentinel_service sentinel: sentinel_service: started; queue sentinel_reports token [1-9]\d*$/);
    assert.equal(emu.queueSize("sentinel", "sentinel_reports"), 0, "the queue exists");
    emu.shutdown();
  });

  test(`service (${build}): drains sentinel_reports when a filter enqueues`, async () => {
    const emu = await Emulator.create({
      services: [service],
      // the layer's probe plays the filter: resolve the service's queue, enqueue one report
      filters: [{ name: "sender", rootId: "abi_probe", vmId: "sentinel", codePath: probe,
        pluginConfiguration: "send sentinel sentinel_reports r1\nsend sentinel sentinel_reports r2" }],
    });
    const sent = emu.logs().filter((l) => /probe send: \d+ Ok$/.test(l)).length;
    assert.ok(sent >= 2, "the workers' probe sent reports");
    assert.equal(emu.metric(RECEIVED), BigInt(sent));
    assert.equal(emu.queueSize("sentinel", "sentinel_reports"), 0);
    emu.shutdown();
  });

  test(`service (${build}): a tick drains items whose notification never came`, async () => {
    const emu = await Emulator.create({ services: [service] });
    const token = emu.store.resolveQueue("sentinel", "sentinel_reports");
    assert.ok(token > 0);
    for (let i = 0; i < 5; i++) emu.store.enqueue(token, new TextEncoder().encode(`r${i}`)); // no queue_ready posted
    assert.equal(emu.metric(RECEIVED) ?? 0n, 0n);
    emu.advanceTime(100);
    assert.equal(emu.metric(RECEIVED), 5n);
    assert.equal(emu.queueSize("sentinel", "sentinel_reports"), 0);
    emu.shutdown();
  });
}
