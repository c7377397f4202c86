// get_buffer_status / get_buffer_bytes / set_buffer_bytes (docs §4.2; cpp-host exports.cc).
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

/** WasmBufferType::MAX (CallData). */
export const BUFFER_TYPE_MAX = 8;
export const BufferType = {
  HttpRequestBody: 0, HttpResponseBody: 1, DownstreamData: 2, UpstreamData: 3, HttpCallResponseBody: 4,
  GrpcReceiveBuffer: 5, VmConfiguration: 6, PluginConfiguration: 7, CallData: 8,
} as const;

export const bufferFns: HostFnDef[] = [
  envFn("proxy_get_buffer_status", "iii", "i", (h, type: number, lenPtr: number, flagsPtr: number) => {
    if (type > BUFFER_TYPE_MAX) return Status.BadArgument;
    const buf = h.current().getBuffer(type);
    if (!buf) return Status.NotFound;
    if (!h.writeU32(lenPtr, buf.bytes().length)) return Status.InvalidMemoryAccess;
    if (!h.writeU32(flagsPtr, 0)) return Status.InvalidMemoryAccess;
    return Status.Ok;
  }),
  envFn("proxy_get_buffer_bytes", "iiiii", "i", (h, type: number, start: number, length: number, ptrPtr: number, sizePtr: number) => {
    if (type > BUFFER_TYPE_MAX) return Status.BadArgument;
    const buf = h.current().getBuffer(type);
    if (!buf) return Status.NotFound;
    // cpp-host's overflow check (start > start + length) is done on 64-bit Words, so for 32-bit
    // arguments it never fires: a huge start is simply past the end.
    const bytes = buf.bytes();
    if (start > bytes.length) length = 0;
    else if (start + length > bytes.length) length = bytes.length - start;
    if (length === 0) {
      return h.writeU32(ptrPtr, 0) && h.writeU32(sizePtr, 0) ? Status.Ok : Status.InvalidMemoryAccess;
    }
    return h.copyOut(bytes.subarray(start, start + length), ptrPtr, sizePtr) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_set_buffer_bytes", "iiiii", "i", (h, type: number, start: number, length: number, dataPtr: number, dataLen: number) => {
    if (type > BUFFER_TYPE_MAX) return Status.BadArgument;
    const buf = h.current().getBuffer(type);
    if (!buf) return Status.NotFound;
    const data = h.read(dataPtr, dataLen);
    if (data === undefined) return Status.InvalidMemoryAccess;
    return buf.copyFrom(start, length, data.slice());
  }),
];

/** An immutable buffer (configuration): writes are BadArgument as in Envoy. */
export function constBuffer(bytes: Uint8Array): { bytes(): Uint8Array; copyFrom(): number } {
  return { bytes: () => bytes, copyFrom: () => Status.BadArgument };
}
