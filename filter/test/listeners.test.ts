// Several listeners, each with its own resource, and one service aggregating all of them: limits
// are per resource, the service keeps one window and one pass count per resource.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Emulator, pluginSpec } from "../../host/src/runtime/emulator.ts";
import type { HostConfig } from "../../host/src/contracts.ts";
import { built, stat, admitted, BUILDS } from "./helpers.ts";

const WALL0 = 1_700_000_000_000;

function config(build: { filter: string; service: string }): HostConfig {
  const rules = {
    flowRules: [{ resource: "tcp:a", threshold: 3 }, { resource: "tcp:b", threshold: 5 }],
    isolationRules: [{ resource: "tcp:b", threshold: 100 }],
  };
  const listener = (name: string, port: number, resource: string) => ({
    name, address: { address: "127.0.0.1", port },
    filters: [
      { kind: "wasm" as const, plugin: pluginSpec({ name: `sentinel_${name}`, rootId: "sentinel_filter", vmId: "sentinel",
        codePath: built(build.filter), pluginConfiguration: JSON.stringify({ resource, ...rules }) }) },
      { kind: "tcp_proxy" as const, statPrefix: name, cluster: "upstream" },
    ],
  });
  return {
    path: "<listeners test>",
    listeners: [listener("a", 10000, "tcp:a"), listener("b", 10001, "tcp:b")],
    clusters: [{ name: "upstream", connectTimeoutMs: 1000, endpoints: [{ address: "127.0.0.1", port: 9000 }] }],
    wasmServices: [pluginSpec({ name: "sentinel_service", rootId: "sentinel_service", vmId: "sentinel",
      codePath: built(build.service), pluginConfiguration: JSON.stringify(rules) })],
    statsTags: [], useAllDefaultTags: false,
  };
}

for (const build of BUILDS) {
  test(`two listeners (${build.filter}): tcp:a admits 3, tcp:b admits 5, on 2 workers; the service counts each`, async () => {
    const emu = await Emulator.create({ config: config(build), workers: 2 });
    emu.advanceTime(1000 - ((WALL0 + emu.nowMs) % 1000) + 50);
    const a = Array.from({ length: 6 }, (_, i) => emu.connect({ listener: "a", worker: 1 + (i % 2) }));
    const b = Array.from({ length: 8 }, (_, i) => emu.connect({ listener: "b", worker: 1 + (i % 2) }));
    assert.equal(a.filter(admitted).length, 3);
    assert.equal(b.filter(admitted).length, 5);
    for (const c of [...a, ...b]) if (admitted(c)) c.downstreamData("q").upstreamData("r").clientClose();
    emu.advanceTime(100);
    assert.equal(stat(emu, "sentinel.service.pass", "tcp:a"), 3);
    assert.equal(stat(emu, "sentinel.service.pass", "tcp:b"), 5);
    assert.equal(stat(emu, "sentinel.window.pass", "tcp:a"), 3);
    assert.equal(stat(emu, "sentinel.window.block", "tcp:b"), 3);
    assert.equal(stat(emu, "sentinel.block.flow", "tcp:a"), 3);
    emu.shutdown();
  });
}
