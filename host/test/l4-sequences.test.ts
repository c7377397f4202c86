// Random but seeded sequences of L4 events on many connections: whatever the order, each stream
// context sees create -> new_connection -> data... -> downstream_close -> done -> log -> delete
// exactly once, nothing after delete, bytes reach the upstream in order and unchanged, and the
// driver never throws.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator, type VirtualConnection } from "../src/runtime/emulator.ts";
import { testModule } from "./helpers.ts";

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CONFIGS = ["", "stop_until:6", "stop_upstream", "tick:7 stop_on_new continue_on_tick", "stop_on_new", "close_on_data"];
const STREAM = /^cb (context_create|new_connection|downstream_data|upstream_data|upstream_close|downstream_close|done|log|delete) (\d+)/;

for (const [i, config] of CONFIGS.entries()) {
  test(`L4 sequences: "${config}" keeps the per-context callback grammar under random event orders`, async () => {
    const rnd = prng(1000 + i);
    const emu = await Emulator.create({
      workers: 2, autoConnectUpstream: false,
      filters: [{ name: "f", rootId: "r", codePath: testModule("lifecycle"), pluginConfiguration: config }],
    });
    const sent = new Map<VirtualConnection, string>();
    const live: VirtualConnection[] = [];
    for (let step = 0; step < 300; step++) {
      const r = rnd();
      const c = live[Math.floor(rnd() * live.length)];
      if (r < 0.15 || !c) {
        const conn = emu.connect({ worker: 1 + Math.floor(rnd() * 2) });
        live.push(conn);
        sent.set(conn, "");
      } else if (c.closed) {
        live.splice(live.indexOf(c), 1);
      } else if (r < 0.45) {
        const text = `d${step};`;
        c.downstreamData(text, rnd() < 0.05);
        sent.set(c, sent.get(c)! + text);
      } else if (r < 0.6) {
        if (c.upstreamState === "connecting") c.upstreamConnect();
      } else if (r < 0.75) {
        c.upstreamData(`u${step};`, rnd() < 0.05);
      } else if (r < 0.8) {
        c.clientClose();
      } else if (r < 0.83) {
        if (c.upstreamState === "connecting") c.upstreamRefuse();
        else c.upstreamClose(rnd() < 0.5);
      } else {
        emu.advanceTime(Math.floor(rnd() * 10));
      }
    }
    for (const c of live) if (!c.closed) c.clientClose();
    emu.runPending();

    let contexts = 0;
    for (const w of [1, 2]) {
      const perCtx = new Map<string, string[]>();
      for (const e of emu.logEntries()) {
        if (e.threadId !== w) continue;
        const m = STREAM.exec(e.line.replace(/^wasm log[^:]*: /, ""));
        if (!m || (m[1] === "context_create" && e.line.endsWith(" 0 plugincfg=" + config))) continue;
        if (m[2] === "1") continue; // the root context
        const list = perCtx.get(m[2]) ?? [];
        list.push(m[1]);
        perCtx.set(m[2], list);
      }
      contexts += perCtx.size;
      for (const [id, calls] of perCtx) {
        const text = calls.join(" ");
        assert.match(text, /^context_create new_connection( downstream_data| upstream_data| upstream_close)* downstream_close done log delete$/,
          `worker ${w} context ${id}: ${text}`);
      }
    }
    assert.ok(contexts >= 20, `only ${contexts} stream contexts were exercised`);
    assert.ok(emu.logEntries().some((e) => e.line.includes("cb downstream_data")), "no data callback ran");
    for (const [c, text] of sent) {
      if (config === "close_on_data") continue;
      assert.ok(text.startsWith(c.upstreamText()), `upstream got ${c.upstreamText()} of ${text}`);
    }
  });
}
