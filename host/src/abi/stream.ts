// proxy_continue_stream / proxy_close_stream (docs §4.3) and the ABI 0.1.0 HTTP-only variants.
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

/** WasmStreamType: Request 0, Response 1, Downstream 2, Upstream 3 (MAX). */
export const StreamType = { Request: 0, Response: 1, Downstream: 2, Upstream: 3 } as const;

export const streamFns02: HostFnDef[] = [
  envFn("proxy_continue_stream", "i", "i", (h, type: number) => {
    if (type > StreamType.Upstream) return Status.BadArgument;
    return h.current().continueStream(type);
  }),
  envFn("proxy_close_stream", "i", "i", (h, type: number) => {
    if (type > StreamType.Upstream) return Status.BadArgument;
    return h.current().closeStream(type);
  }),
];

export const streamFns01: HostFnDef[] = [
  envFn("proxy_continue_request", "", "i", (h) => h.current().continueStream(StreamType.Request)),
  envFn("proxy_continue_response", "", "i", (h) => h.current().continueStream(StreamType.Response)),
  // No route cache exists for L4 streams; Envoy returns Ok without effect when there are no decoder callbacks.
  envFn("proxy_clear_route_cache", "", "i", () => Status.Ok),
  // Envoy getConfiguration: the plugin configuration while it is visible, else the VM configuration.
  envFn("proxy_get_configuration", "ii", "i", (h, ptrPtr: number, sizePtr: number) => {
    const buf = h.current().getBuffer(7) ?? h.current().getBuffer(6);
    const bytes = buf ? buf.bytes() : new Uint8Array(0);
    return h.copyOut(bytes, ptrPtr, sizePtr) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
];
