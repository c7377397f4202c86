import { test } from "node:test";
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { LogLevel } from "./contracts.ts";
import { parseCommandLine, UsageError } from "./cli-args.ts";

test("parseCommandLine reads Envoy's flags in both spellings", () => {
  const cl = parseCommandLine(["-c", "a.yaml", "--concurrency", "4", "-l", "debug", "--component-log-level", "wasm:trace,main:warning"]);
  assert.equal(cl.configPath, "a.yaml");
  assert.equal(cl.concurrency, 4);
  assert.equal(cl.logSettings.level, LogLevel.debug);
  assert.deepEqual(cl.logSettings.components, { wasm: LogLevel.trace, main: LogLevel.warn });
  const eq = parseCommandLine(["--config-path=b.yaml", "--log-level=off"]);
  assert.equal(eq.configPath, "b.yaml");
  assert.equal(eq.logSettings.level, LogLevel.off);
});

test("parseCommandLine: --concurrency 0 means one worker, as Envoy's max(1, n)", () => {
  assert.equal(parseCommandLine(["-c", "x", "--concurrency", "0"]).concurrency, 1);
});

test("parseCommandLine defaults concurrency to the core count and the level to info", () => {
  const cl = parseCommandLine(["-c", "x"]);
  assert.equal(cl.concurrency, availableParallelism());
  assert.equal(cl.logSettings.level, LogLevel.info);
  assert.equal(cl.mode, "serve");
});

const bad: { name: string; argv: string[]; message: RegExp }[] = [
  { name: "unknown flag", argv: ["-c", "x", "--base-id", "1"], message: /--base-id is not a known flag/ },
  { name: "missing config", argv: [], message: /-c\/--config-path is required/ },
  { name: "flag without value", argv: ["-c"], message: /-c requires a value/ },
  { name: "concurrency above the host's limit", argv: ["-c", "x", "--concurrency", "1025"], message: /--concurrency expects an integer from 0 to 1024/ },
  { name: "negative concurrency", argv: ["-c", "x", "--concurrency", "-1"], message: /got '-1'/ },
  { name: "non-numeric concurrency", argv: ["-c", "x", "--concurrency", "2x"], message: /got '2x'/ },
  { name: "bad level", argv: ["-c", "x", "-l", "loud"], message: /invalid log level 'loud'/ },
  { name: "bad component entry", argv: ["-c", "x", "--component-log-level", "wasm"], message: /expected <component>:<level>/ },
  { name: "bad mode", argv: ["-c", "x", "--mode", "run"], message: /--mode expects serve or validate/ },
];
for (const c of bad) {
  test(`parseCommandLine rejects ${c.name}`, () => {
    assert.throws(() => parseCommandLine(c.argv), (err: Error) => err instanceof UsageError && c.message.test(err.message));
  });
}

test("parseCommandLine accepts --help without a config", () => {
  assert.equal(parseCommandLine(["--help"]).help, true);
});
