// Envoy-format log lines on stderr, with per-component levels (`-l`, `--component-log-level`).
//   [2026-11-25 17:05:11.123][3][info][wasm] [host/src/network/worker.ts] message
// Every thread owns one LogSink over the same LogLevels (a SharedArrayBuffer), so a worker filters without
// asking main and `POST /logging` on the admin thread changes every thread at once.
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

/** The loggers this host writes to (a subset of Envoy's). Anything else logs at the default level. */
export const LOG_COMPONENTS = ["admin", "config", "connection", "filter", "main", "misc", "runtime", "upstream", "wasm"];

/** Parses `comp:level[,comp:level]`; unknown components are rejected as Envoy does. */
export function parseComponentLevels(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of text.split(",")) {
    const i = part.indexOf(":");
    if (i <= 0 || i === part.length - 1) {
      throw new Error(`invalid --component-log-level entry '${part}' (expected <component>:<level>)`);
    }
    const comp = part.slice(0, i);
    if (!LOG_COMPONENTS.includes(comp)) {
      throw new Error(`invalid component specified '${comp}' (known: ${LOG_COMPONENTS.join(", ")})`);
    }
    out[comp] = parseLogLevel(part.slice(i + 1));
  }
  return out;
}

/** spdlog's level names, which Envoy prints in log lines and `/logging`: `warning`, not `warn`. */
const PRINTED_NAMES = ["trace", "debug", "info", "warning", "error", "critical", "off"];

export function logLevelName(level: number): string {
  return PRINTED_NAMES[level] ?? String(level);
}

const COMPONENT_INDEX = new Map(LOG_COMPONENTS.map((c, i) => [c, i]));
/** Slot of components not in LOG_COMPONENTS. */
const DEFAULT_SLOT = LOG_COMPONENTS.length;

/** Per-component levels in shared memory: one Int32 per component plus the default. */
export class LogLevels {
  readonly buffer: SharedArrayBuffer;
  private readonly levels: Int32Array;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.levels = new Int32Array(buffer);
  }

  static create(settings: LogSettings): LogLevels {
    const l = new LogLevels(new SharedArrayBuffer((LOG_COMPONENTS.length + 1) * 4));
    l.setAll(settings.level);
    for (const [comp, level] of Object.entries(settings.components)) l.set(comp, level);
    return l;
  }

  static attach(buffer: SharedArrayBuffer): LogLevels {
    return new LogLevels(buffer);
  }

  levelOf(component: string): number {
    return Atomics.load(this.levels, COMPONENT_INDEX.get(component) ?? DEFAULT_SLOT);
  }

  /** Throws for a component this host does not know. */
  set(component: string, level: number): void {
    const i = COMPONENT_INDEX.get(component);
    if (i === undefined) throw new Error(`unknown logger '${component}'`);
    Atomics.store(this.levels, i, level);
  }

  setAll(level: number): void {
    for (let i = 0; i <= DEFAULT_SLOT; i++) Atomics.store(this.levels, i, level);
  }

  list(): [string, number][] {
    return LOG_COMPONENTS.map((c, i) => [c, Atomics.load(this.levels, i)]);
  }
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
  return `[${ts}][${threadId}][${logLevelName(level)}][${component}] [${source}] ${message}`;
}

export class LogSink {
  readonly levels: LogLevels;
  readonly threadId: number;
  private readonly write: (line: string) => void;

  constructor(levels: LogLevels, threadId: number, write?: (line: string) => void) {
    this.levels = levels;
    this.threadId = threadId;
    this.write = write ?? ((line) => { process.stderr.write(line + "\n"); });
  }

  levelOf(component: string): number {
    return this.levels.levelOf(component);
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
