// Envoy-like command line for the local host:
//   node host/src/cli.ts -c envoy.yaml [--concurrency N] [-l info] [--component-log-level wasm:debug]
// Exit codes as Envoy: 0 after a clean shutdown (SIGINT/SIGTERM, POST /quitquitquit), 1 on bad flags,
// a rejected configuration or a failed start.
import { LogLevel } from "./contracts.ts";
import type { HostConfig } from "./contracts.ts";
import { parseCommandLine, USAGE, UsageError } from "./cli-args.ts";
import { LogLevels, LogSink } from "./log/log-sink.ts";
import { startHost } from "./network/host.ts";

const SRC = "host/src/cli.ts";

async function loadConfig(path: string): Promise<HostConfig> {
  const { loadHostConfig } = await import("./config/index.ts");
  return await loadHostConfig(path);
}

async function main(argv: string[]): Promise<number> {
  let cl;
  try {
    cl = parseCommandLine(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`PARSE ERROR: ${err.message}\n\n${USAGE}`);
    return 1;
  }
  if (cl.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = new LogSink(LogLevels.create(cl.logSettings), 0);
  let config: HostConfig;
  try {
    config = await loadConfig(cl.configPath);
  } catch (err) {
    log.log(LogLevel.critical, "main", SRC, `error initializing configuration '${cl.configPath}': ${(err as Error).message}`);
    return 1;
  }
  if (cl.mode === "validate") {
    process.stdout.write(`configuration '${cl.configPath}' OK\n`);
    return 0;
  }
  let host;
  try {
    host = await startHost(config, { concurrency: cl.concurrency, log, commandLine: argv });
  } catch (err) {
    log.log(LogLevel.critical, "main", SRC, `error initializing configuration '${cl.configPath}': ${(err as Error).message}`);
    return 1;
  }
  // Kept installed: a second Ctrl-C (the terminal signals the whole process group, and `npm start`
  // forwards one too) must not kill the process mid-shutdown.
  let caught = false;
  const onSignal = (name: string) => {
    if (caught) return;
    caught = true;
    log.log(LogLevel.warn, "main", SRC, `caught ENVOY_${name}`);
    void host.stop();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  return await host.stopped;
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
// Let worker stderr drain through the main thread, but never hang on a stray handle.
setTimeout(() => process.exit(code), 1000).unref();
