// The Sentinel filter (build/filter.wasm and its debug build) through the host Emulator, without
// rules: root id, configuration check, pass-through, connection counters, debug logging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Emulator } from "../../host/src/runtime/emulator.ts";
import { LogLevel } from "../../host/src/contracts.ts";
import { MiniHost } from "../../abi/test/mini-host.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CX_TOTAL = "sentinel.filter.cx_total";
const CX_ACTIVE = "sentinel.filter.cx_active";

function built(name: string): string {
  const path = join(root, "build", name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`node scripts/build.mjs\` first`);
  return path;
}

for (const build of ["filter.wasm", "filter.debug.wasm"]) {
  const codePath = built(build);
  const start = (configuration: string, logLevel: "info" | "debug" = "info") => Emulator.create({
    filters: [{ name: "sentinel_filter", rootId: "sentinel_filter", vmId: "sentinel", codePath, pluginConfiguration: configuration }],
    logLevel,
  });

  test(`filter (${build}): passes bytes both ways and counts connections in ${CX_TOTAL} / ${CX_ACTIVE}, given to the host on its tick`, async () => {
    const emu = await start('{"resource":"tcp:echo"}');
    const conns = [emu.connect(), emu.connect(), emu.connect()];
    conns[0].downstreamData("ping").upstreamData("pong");
    assert.equal(conns[0].upstreamText(), "ping");
    assert.equal(conns[0].downstreamText(), "pong");
    // Counted in the VM per connection, handed to the host once per tick (20 ms): no host call per connection.
    assert.equal(emu.metric(CX_TOTAL), 0n);
    emu.advanceTime(20);
    assert.equal(emu.metric(CX_TOTAL), 3n);
    assert.equal(emu.metric(CX_ACTIVE), 3n);
    conns[0].clientClose();
    conns[1].clientClose();
    emu.advanceTime(20);
    assert.equal(emu.metric(CX_ACTIVE), 1n);
    assert.equal(emu.metric(`wasmcustom.${CX_TOTAL}`), 3n);
    emu.shutdown();
  });

  test(`filter (${build}): logs each new connection at debug, and nothing at info`, async () => {
    const quiet = await start('{"resource":"tcp:echo"}');
    quiet.connect();
    assert.deepEqual(quiet.logs().filter((l) => l.includes("new connection")), []);
    quiet.shutdown();
    const chatty = await start('{"resource":"tcp:echo"}', "debug");
    chatty.connect();
    const lines = chatty.logs("debug").filter((l) => l.includes("sentinel_filter: new connection"));
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^wasm log sentinel_filter sentinel_filter sentinel: sentinel_filter: new connection \d+$/);
    chatty.shutdown();
  });

  test(`filter (${build}): a connection's callbacks make no proxy_get_log_level call; a level raised at runtime applies from the root's next tick`, async () => {
    const emu = await start('{"resource":"tcp:echo"}', "info");
    emu.connect();
    emu.logLevel = LogLevel.trace; // as POST /logging?wasm=trace would, between two ticks
    for (let i = 0; i < 10; i++) emu.connect().clientClose();
    const levelCalls = () => emu.logs("trace").filter((l) => l.includes("[vm->host] env.proxy_get_log_level")).length;
    assert.equal(levelCalls(), 0, "the level read at the last root callback serves these connections");
    assert.equal(emu.logs("debug").filter((l) => l.includes("sentinel_filter: new connection")).length, 0);
    emu.advanceTime(20); // the root's tick reads the level again
    assert.equal(levelCalls(), 1);
    emu.connect();
    assert.equal(emu.logs("debug").filter((l) => l.includes("sentinel_filter: new connection")).length, 1);
    emu.shutdown();
  });

  const rejected = [
    { name: "empty configuration", config: "", log: /plugin configuration is empty; expected a JSON object/ },
    { name: "JSON array", config: "[1,2]", log: /configuration rejected: configuration must be a JSON object, got array/ },
    { name: "plain text", config: "rate=10", log: /configuration rejected: invalid JSON at line 1, column 1/ },
    { name: "unterminated object", config: '{"a":1', log: /configuration rejected: invalid JSON at line 1, column 7/ },
    { name: "object without resource", config: "{}", log: /configuration field "resource" is required/ },
  ];
  for (const c of rejected) {
    test(`filter (${build}): rejects ${c.name} with one error line`, async () => {
      await assert.rejects(start(c.config), /sentinel_filter/);
      // The line itself, read with the layer-test import object (the Emulator keeps no logs of a failed start).
      const h = new MiniHost(new Uint8Array(readFileSync(codePath)));
      assert.deepEqual(h.startRoot(1, "sentinel_filter", c.config), [1, 0]);
      const errors = h.logs.filter((l) => l.level === 4);
      assert.equal(errors.length, 1, JSON.stringify(h.logs));
      assert.match(errors[0].message, c.log);
    });
  }

  test(`filter (${build}): a plugin whose root_id is not sentinel_filter is rejected`, async () => {
    await assert.rejects(Emulator.create({
      filters: [{ name: "typo", rootId: "sentinel_filtr", vmId: "sentinel", codePath, pluginConfiguration: '{"resource":"tcp:echo"}' }],
    }), /typo/);
  });
}
