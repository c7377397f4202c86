// proxy_log / proxy_get_log_level (docs §9).
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

const MAX_LEVEL = 5; // critical; cpp-host LogLevel::Max

export const logFns: HostFnDef[] = [
  envFn("proxy_log", "iii", "i", (h, level: number, ptr: number, len: number) => {
    if (level > MAX_LEVEL) return Status.BadArgument;
    const msg = h.readString(ptr, len);
    if (msg === undefined) return Status.InvalidMemoryAccess;
    return h.log(level, msg);
  }),
];

/** Only ABI 0.2.1 offers this one. */
export const logLevelFn: HostFnDef = envFn("proxy_get_log_level", "i", "i", (h, ptr: number) =>
  h.writeU32(ptr, h.env.wasmLogLevel()) ? Status.Ok : Status.InvalidMemoryAccess);
