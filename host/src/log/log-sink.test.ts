import { test } from "node:test";
import assert from "node:assert/strict";
import { LogLevel } from "../contracts.ts";
import { formatLogLine, logLevelName, LogLevels, LogSink, parseComponentLevels, parseLogLevel } from "./log-sink.ts";

test("formatLogLine follows Envoy's default pattern in UTC", () => {
  const d = new Date(Date.UTC(2026, 10, 25, 17, 5, 11, 123));
  assert.equal(formatLogLine(d, 3, LogLevel.info, "wasm", "host/src/x.ts", "hello"),
    "[2026-11-25 17:05:11.123][3][info][wasm] [host/src/x.ts] hello");
  // spdlog's name, as in Envoy's "[warning][wasm] ... wasm log ..." lines
  assert.match(formatLogLine(d, 1, LogLevel.warn, "wasm", "s", "w"), /\]\[1\]\[warning\]\[wasm\] \[s\] w$/);
  assert.equal(logLevelName(LogLevel.critical), "critical");
});

test("parseLogLevel accepts Envoy's names including warning and off", () => {
  assert.equal(parseLogLevel("warning"), LogLevel.warn);
  assert.equal(parseLogLevel("off"), LogLevel.off);
  assert.throws(() => parseLogLevel("verbose"), /invalid log level 'verbose'/);
});

test("parseComponentLevels rejects unknown components", () => {
  assert.deepEqual(parseComponentLevels("wasm:debug,upstream:trace"), { wasm: LogLevel.debug, upstream: LogLevel.trace });
  assert.throws(() => parseComponentLevels("wasmx:debug"), /invalid component specified 'wasmx'/);
});

test("LogSink filters by component level, shared live through the LogLevels buffer", () => {
  const levels = LogLevels.create({ level: LogLevel.info, components: { wasm: LogLevel.debug } });
  const lines: string[] = [];
  const other = new LogSink(LogLevels.attach(levels.buffer), 2, (l) => lines.push(l));
  other.log(LogLevel.debug, "wasm", "s", "shown");
  other.log(LogLevel.debug, "main", "s", "hidden");
  other.log(LogLevel.debug, "someone-else", "s", "hidden too");
  levels.set("main", LogLevel.debug);
  other.log(LogLevel.debug, "main", "s", "now shown");
  levels.setAll(LogLevel.off);
  other.log(LogLevel.critical, "wasm", "s", "off hides everything");
  assert.deepEqual(lines.map((l) => l.replace(/^\[[^\]]+\]/, "")), [
    "[2][debug][wasm] [s] shown",
    "[2][debug][main] [s] now shown",
  ]);
  assert.throws(() => levels.set("nope", 1), /unknown logger 'nope'/);
});
