// Timers and clocks (docs §6).
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

/** Scratch for wallTimeNsInto: host functions run one at a time on a thread. */
const clockParts = new Uint32Array(2);

export const timeFns: HostFnDef[] = [
  envFn("proxy_set_tick_period_milliseconds", "i", "i", (h, periodMs: number) => h.setTickPeriod(h.current(), periodMs)),
  envFn("proxy_get_current_time_nanoseconds", "i", "i", (h, ptr: number) => {
    const env = h.env;
    if (env.wallTimeNsInto === undefined) return h.writeU64(ptr, env.wallTimeNs()) ? Status.Ok : Status.InvalidMemoryAccess;
    env.wallTimeNsInto(clockParts);
    return h.writeU32Pair(ptr, clockParts[0], clockParts[1]) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
];
