// Stale decisions: with no service publishing (or a table older than staleAfterMs) each filter
// falls back to its configured policy, counts every decision taken that way, logs the change once,
// and resumes global decisions when a fresh table appears.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Builder } from "flatbuffers";
import { DecisionTable } from "../../shared-schema/gen/js/sentinel-wire.js";
import { start, stat, admitted, BUILDS } from "./helpers.ts";
import type { Emulator } from "../../host/src/runtime/emulator.ts";

const R = "tcp:orders";
const WALL0 = 1_700_000_000_000;

function doc(fallback: string, extra: Record<string, unknown> = {}) {
  return { resource: R, fallback, staleAfterMs: 200, flowRules: [{ resource: R, threshold: 8 }], ...extra };
}

function alignToSecond(emu: Emulator, offset = 50): void {
  emu.advanceTime(1000 - ((WALL0 + emu.nowMs) % 1000) + offset);
}

function publishTable(emu: Emulator, version: bigint, publishedAtMs: number): void {
  const b = new Builder(256);
  DecisionTable.startDecisionTable(b);
  DecisionTable.addVersion(b, version);
  DecisionTable.addPublishedAtMs(b, BigInt(publishedAtMs));
  DecisionTable.addServiceNonce(b, 42n);
  DecisionTable.finishDecisionTableBuffer(b, DecisionTable.endDecisionTable(b));
  emu.store.setData("sentinel", "sentinel/decisions", b.asUint8Array(), 0);
}

for (const build of BUILDS) {
  const tag = `(${build.filter})`;

  test(`fallback local ${tag}: no service -> after staleAfterMs each of 4 workers admits threshold/workers`, async () => {
    const emu = await start({ doc: doc("local", { workers: 4 }), serviceDoc: null, workers: 4, build });
    alignToSecond(emu); // well past staleAfterMs, at the start of a window
    const perWorker = [1, 2, 3, 4].map((w) => Array.from({ length: 4 }, () => emu.connect({ worker: w })).filter(admitted).length);
    assert.deepEqual(perWorker, [2, 2, 2, 2], "8 / 4 workers = 2 each");
    assert.equal(stat(emu, "sentinel.fallback.decisions", R), 16);
    assert.equal(stat(emu, "sentinel.fallback.active", R), 4, "all four workers are in fallback");
    const warns = emu.logs("warn").filter((l) => l.includes("decision table stale"));
    assert.equal(warns.length, 4, "one line per worker VM");
    assert.match(warns[0], /none published yet, limit 200 ms\); fallback policy local \(thresholds \/ workers\)$/);
    emu.shutdown();
  });

  test(`fallback failClosed ${tag}: every connection is refused and counted as stale_fallback`, async () => {
    const emu = await start({ doc: doc("failClosed"), serviceDoc: null, workers: 2, build });
    emu.advanceTime(300);
    const cs = [1, 2, 1, 2].map((w) => emu.connect({ worker: w }));
    assert.deepEqual(cs.map(admitted), [false, false, false, false]);
    assert.equal(stat(emu, "sentinel.block.stale_fallback", R), 4);
    assert.match(emu.logs("info").find((l) => l.includes("connection closed"))!, /stale decision table, fallback failClosed$/);
    emu.shutdown();
  });

  test(`fallback failOpen ${tag}: every connection passes, beyond the threshold`, async () => {
    const emu = await start({ doc: doc("failOpen"), serviceDoc: null, workers: 2, build });
    emu.advanceTime(300);
    alignToSecond(emu);
    const cs = Array.from({ length: 20 }, (_, i) => emu.connect({ worker: 1 + (i % 2) }));
    assert.equal(cs.filter(admitted).length, 20);
    assert.equal(stat(emu, "sentinel.fallback.decisions", R), 20);
    emu.shutdown();
  });

  test(`fallback ${tag}: a fresh table ends the fallback (one info line), an old one starts it`, async () => {
    const emu = await start({ doc: doc("failClosed"), serviceDoc: null, workers: 1, build });
    emu.advanceTime(300);
    assert.equal(admitted(emu.connect()), false);
    publishTable(emu, 1n, WALL0 + emu.nowMs);
    emu.advanceTime(25);
    assert.equal(stat(emu, "sentinel.fallback.active", R), 0);
    assert.equal(emu.logs("info").filter((l) => l.includes("decision table fresh again (version 1)")).length, 1);
    assert.equal(admitted(emu.connect()), true);
    emu.advanceTime(300); // nobody republishes: stale again
    assert.equal(admitted(emu.connect()), false);
    assert.equal(emu.logs("warn").filter((l) => l.includes("decision table stale (last published")).length, 1);
    emu.shutdown();
  });

  test(`no fallback ${tag}: with the service publishing, 2 s pass without a stale decision`, async () => {
    const emu = await start({ doc: doc("failClosed"), workers: 2, build });
    for (let i = 0; i < 40; i++) { emu.advanceTime(50); admitted(emu.connect({ worker: 1 + (i % 2) })); }
    assert.equal(stat(emu, "sentinel.fallback.decisions", R), 0);
    assert.equal(stat(emu, "sentinel.block.stale_fallback", R), 0);
    emu.shutdown();
  });
}
