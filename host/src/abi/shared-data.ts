// proxy_get/set_shared_data (docs §5.1): one process-wide map per vm_id, in the SharedStore.
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

export const sharedDataFns: HostFnDef[] = [
  envFn("proxy_get_shared_data", "iiiii", "i", (h, keyPtr: number, keyLen: number, valPtrPtr: number, valSizePtr: number, casPtr: number) => {
    const key = h.readString(keyPtr, keyLen);
    if (key === undefined) return Status.InvalidMemoryAccess;
    const entry = h.env.store.getData(h.vmId, key);
    if (!entry) return Status.NotFound;
    if (!h.copyOut(entry.value, valPtrPtr, valSizePtr)) return Status.InvalidMemoryAccess;
    if (!h.writeU32(casPtr, entry.cas)) return Status.InvalidMemoryAccess;
    return Status.Ok;
  }),
  envFn("proxy_set_shared_data", "iiiii", "i", (h, keyPtr: number, keyLen: number, valPtr: number, valLen: number, cas: number) => {
    const key = h.readString(keyPtr, keyLen);
    const value = h.read(valPtr, valLen);
    if (key === undefined || value === undefined) return Status.InvalidMemoryAccess;
    // The store copies the bytes before returning: the view of wasm memory needs no copy of its own.
    return h.env.store.setData(h.vmId, key, value, cas);
  }),
];
