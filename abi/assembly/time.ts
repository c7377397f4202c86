// Clock helpers. Envoy answers proxy_get_current_time_nanoseconds with the live wall clock.
// Read it once per callback and pass `nowMs` down: algorithms take time as a parameter so tests
// control it (style.md "Time math is integers only").
import { getCurrentTimeNanoseconds } from "./hostcalls";

/** Wall-clock ns since the epoch; 0 if the host refuses (never in Envoy). No allocation. */
export function nowNs(): u64 {
  return getCurrentTimeNanoseconds();
}

/** Wall-clock ms since the epoch. */
export function nowMs(): u64 {
  return getCurrentTimeNanoseconds() / 1_000_000;
}
