// Envoy-format log lines on stderr, with per-component levels (`-l`, `--component-log-level`).
//   [2026-11-25 17:05:11.123][3][info][wasm] [host/src/network/worker.ts] message
// Every thread owns one LogSink built from the same LogSettings, so a worker filters without asking main.
import { LogLevel } from "../contracts.ts";
import type { LogLevelName } from "../contracts.ts";

export interface LogSettings {
  /** Level of every component not named in `components` (LogLevel number). */
  level: number;
  /** `--component-log-level wasm:debug,upstream:trace` */
  components: Record<string, number>;
}

export const DEFAULT_LOG_SETTINGS: LogSettings = { level: LogLevel.info, components: {} };

const LEVEL_NAMES = Object.keys(LogLevel) as LogLevelName[];

/** Parses `-l` values; Envoy accepts trace|debug|info|warning|warn|error|critical|off. */
export function parseLogLevel(text: string): number {
  const name = text === "warning" ? "warn" : text;
  if (!(name in LogLevel)) {
    throw new Error(`invalid log level '${text}' (expected one of ${LEVEL_NAMES.join(", ")})`);
  }
  return LogLevel[name as LogLevelName];
}

/** Parses `comp:level[,comp:level]`. */
export function parseComponentLevels(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const i = part.indexOf(":");
    if (i <= 0 || i === part.length - 1) {
      throw new Error(`invalid --component-log-level entry '${part}' (expected <component>:<level>)`);
    }
    out[part.slice(0, i)] = parseLogLevel(part.slice(i + 1));
  }
  return out;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Envoy's default pattern `[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v`, in UTC. */
export function formatLogLine(date: Date, threadId: number, level: number, component: string,
  source: string, message: string): string {
  const ts = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.` +
    pad(date.getUTCMilliseconds(), 3);
  return `[${ts}][${threadId}][${LEVEL_NAMES[level] ?? level}][${component}] [${source}] ${message}`;
}

export class LogSink {
  readonly settings: LogSettings;
  readonly threadId: number;
  private readonly write: (line: string) => void;

  constructor(settings: LogSettings, threadId: number, write?: (line: string) => void) {
    this.settings = settings;
    this.threadId = threadId;
    this.write = write ?? ((line) => { process.stderr.write(line + "\n"); });
  }

  levelOf(component: string): number {
    return this.settings.components[component] ?? this.settings.level;
  }

  enabled(level: number, component: string): boolean {
    return level < LogLevel.off && level >= this.levelOf(component);
  }

  log(level: number, component: string, source: string, message: string): void {
    if (!this.enabled(level, component)) return;
    this.write(formatLogLine(new Date(), this.threadId, level, component, source, message));
  }

  /** A line whose level the caller has already checked (ThreadEnv.emitLog). */
  emit(level: number, component: string, source: string, message: string): void {
    this.write(formatLogLine(new Date(), this.threadId, level, component, source, message));
  }
}
