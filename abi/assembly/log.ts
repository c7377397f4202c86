// Logging for module code: `log.info("...")`. Envoy drops lines below the `wasm` logger's level,
// so each call first compares against that level and encodes nothing when it would be dropped.
// The level is read from the host (proxy_get_log_level) at most once per host callback: the
// dispatcher invalidates the cache on entry, so a `POST /logging?wasm=debug` takes effect at the
// next callback while a callback that logs ten lines makes one extra hostcall, not ten. A module
// may limit that to root callbacks (refreshLogLevelOnRootCallbacksOnly), for per-connection paths.
//
// The check does not save the caller from building its message. On hot paths guard formatting:
//   if (log.enabled(LogLevel.Debug)) log.debug("conn " + id.toString());
// Do not log from top-level code: during _initialize only proxy_log is allowed, and
// proxy_get_log_level traps there.
import { LogLevel } from "./types";
import * as host from "./hostcalls";

let cachedLevel: u32 = LogLevel.Info;
let cacheValid = false;

let streamCallbacksRefresh = true;

/** Called by the dispatcher on entry to every root-context callback (start, configure, tick, queue, done). */
export function invalidateLogLevel(): void {
  cacheValid = false;
}

/** Called by the dispatcher on entry to every stream-context callback. */
export function invalidateLogLevelForStream(): void {
  if (streamCallbacksRefresh) cacheValid = false;
}

/**
 * For modules whose root ticks and whose stream callbacks check the level on every connection:
 * read the level again only at root callbacks, so a connection's callbacks make no
 * proxy_get_log_level call. A `POST /logging` change then reaches stream callbacks at the root's
 * next callback (its next tick) instead of at once. No hostcall: safe at top level.
 */
export function refreshLogLevelOnRootCallbacksOnly(): void {
  streamCallbacksRefresh = false;
}

export namespace log {
  /** True when a line at `level` would be printed by the host. */
  export function enabled(level: u32): bool {
    if (!cacheValid) {
      cachedLevel = host.getLogLevel();
      cacheValid = true;
    }
    return level >= cachedLevel;
  }

  /** Logs at `level` when enabled; returns the proxy_log status (Ok when skipped). */
  export function at(level: u32, message: string): u32 {
    if (!enabled(level)) return 0;
    return host.log(level, message);
  }

  export function trace(message: string): void { at(LogLevel.Trace, message); }
  export function debug(message: string): void { at(LogLevel.Debug, message); }
  export function info(message: string): void { at(LogLevel.Info, message); }
  export function warn(message: string): void { at(LogLevel.Warn, message); }
  export function error(message: string): void { at(LogLevel.Error, message); }
  export function critical(message: string): void { at(LogLevel.Critical, message); }
}
