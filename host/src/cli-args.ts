// Envoy's command line, reduced to what this host implements. Pure: argv in, options or an error out.
import { availableParallelism } from "node:os";
import { LogLevel } from "./contracts.ts";
import { parseComponentLevels, parseLogLevel } from "./log/log-sink.ts";
import type { LogSettings } from "./log/log-sink.ts";

export interface CommandLine {
  configPath: string;
  concurrency: number;
  logSettings: LogSettings;
  /** --mode validate: load the config and exit. */
  mode: "serve" | "validate";
  help: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const USAGE = `USAGE:
   node host/src/cli.ts -c <path> [--concurrency <uint32_t>] [-l <level>]
                        [--component-log-level <comp:level,...>] [--mode <serve|validate>] [-h]

Where:
   -c <path>,  --config-path <path>
     Path to configuration file (Envoy bootstrap YAML or JSON)
   --concurrency <uint32_t>
     # of worker threads to run (default: number of cores, ${availableParallelism()} here; 0 means 1)
   -l <level>,  --log-level <level>
     Log levels: [trace][debug][info][warning|warn][error][critical][off] (default: info)
   --component-log-level <comp:level,...>
     Per-component log levels, e.g. wasm:debug,connection:trace
   --mode <serve|validate>
     validate: check the configuration and exit (default: serve)
   -h,  --help
     Displays usage information and exits.
`;

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const out: CommandLine = {
    configPath: "",
    concurrency: availableParallelism(),
    logSettings: { level: LogLevel.info, components: {} },
    mode: "serve",
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    if (eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const takeValue = (): string => {
      if (value !== undefined) return value;
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`Argument: ${arg} requires a value`);
      i++;
      return next;
    };
    try {
      switch (arg) {
        case "-c": case "--config-path": out.configPath = takeValue(); break;
        case "--concurrency": {
          const v = takeValue();
          const n = Number(v);
          if (!/^\d+$/.test(v) || n > 1024) {
            throw new UsageError(`Argument: --concurrency expects an integer from 0 to 1024, got '${v}'`);
          }
          // Envoy's options_impl: concurrency_ = max(1, --concurrency), so 0 runs one worker.
          out.concurrency = Math.max(1, n);
          break;
        }
        case "-l": case "--log-level": out.logSettings.level = parseLogLevel(takeValue()); break;
        case "--component-log-level":
          out.logSettings.components = { ...out.logSettings.components, ...parseComponentLevels(takeValue()) };
          break;
        case "--mode": {
          const v = takeValue();
          if (v !== "serve" && v !== "validate") throw new UsageError(`Argument: --mode expects serve or validate, got '${v}'`);
          out.mode = v;
          break;
        }
        case "-h": case "--help": out.help = true; break;
        default: throw new UsageError(`Argument: ${arg} is not a known flag (see --help)`);
      }
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`Argument: ${arg}: ${(err as Error).message}`);
    }
  }
  if (!out.help && out.configPath === "") throw new UsageError("Argument: -c/--config-path is required");
  return out;
}
