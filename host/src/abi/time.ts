// Timers and clocks (docs §6).
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

export const timeFns: HostFnDef[] = [
  envFn("proxy_set_tick_period_milliseconds", "i", "i", (h, periodMs: number) => h.setTickPeriod(h.current(), periodMs)),
  envFn("proxy_get_current_time_nanoseconds", "i", "i", (h, ptr: number) =>
    h.writeU64(ptr, h.env.wallTimeNs()) ? Status.Ok : Status.InvalidMemoryAccess),
];
