// Context and VM plumbing: set_effective_context, done, get_status, foreign functions, and the two
// Emscripten helpers cpp-host links for every module.
import { deflateSync, inflateSync } from "node:zlib";
import { Status } from "../contracts.ts";
import { envFn, type AbiHost, type HostFnDef } from "./types.ts";

/** Envoy's foreign functions that make sense without HTTP/CEL: zlib compress/uncompress. */
const FOREIGN: Record<string, (args: Uint8Array) => { status: number; result?: Uint8Array }> = {
  compress: (args) => ({ status: Status.Ok, result: deflateSync(args) }),
  uncompress: (args) => {
    try { return { status: Status.Ok, result: inflateSync(args) }; }
    catch { return { status: Status.SerializationFailure }; }
  },
};

function callForeign(h: AbiHost, namePtr: number, nameLen: number, argsPtr: number, argsLen: number, resultsPtr: number, resultsSizePtr: number): number {
  const name = h.readString(namePtr, nameLen);
  if (name === undefined) return Status.InvalidMemoryAccess;
  const args = h.read(argsPtr, argsLen);
  if (args === undefined) return Status.InvalidMemoryAccess;
  const f = FOREIGN[name];
  if (!f) return Status.NotFound;
  const { status, result } = f(args);
  let address = 0;
  const size = result ? result.length : 0;
  if (result && resultsPtr !== 0) {
    address = h.alloc(size);
    if (address === 0 && size > 0) return Status.InvalidMemoryAccess;
    if (!h.writeBytes(address, result)) return Status.InvalidMemoryAccess;
  }
  if (resultsPtr !== 0 && !h.writeU32(resultsPtr, address)) return Status.InvalidMemoryAccess;
  if (resultsSizePtr !== 0 && !h.writeU32(resultsSizePtr, size)) return Status.InvalidMemoryAccess;
  return status;
}

export const contextFns: HostFnDef[] = [
  envFn("proxy_set_effective_context", "i", "i", (h, id: number) => {
    if (!h.contextById(id)) return Status.BadArgument;
    h.setEffectiveContext(id);
    return Status.Ok;
  }),
  envFn("proxy_done", "", "i", (h) => h.done(h.current())),
  // Status of the last HTTP/gRPC callout: none exist for L4 contexts, so code 0 and an empty message.
  envFn("proxy_get_status", "iii", "i", (h, codePtr: number, msgPtrPtr: number, msgSizePtr: number) => {
    if (!h.writeU32(codePtr, 0)) return Status.InvalidMemoryAccess;
    return h.copyOut(new Uint8Array(0), msgPtrPtr, msgSizePtr) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_call_foreign_function", "iiiiii", "i", callForeign),
  envFn("pthread_equal", "ii", "i", (_h, a: number, b: number) => (a === b ? 1 : 0)),
  envFn("emscripten_notify_memory_growth", "i", "", () => {}),
];
