// Shared queues (docs §5.2): process-global tokens in the SharedStore; the last registrant owns the
// queue and gets one asynchronous proxy_on_queue_ready per enqueue, on its own thread.
import { Status } from "../contracts.ts";
import { envFn, type HostFnDef } from "./types.ts";

export const queueFns: HostFnDef[] = [
  envFn("proxy_register_shared_queue", "iii", "i", (h, namePtr: number, nameLen: number, tokenPtr: number) => {
    const name = h.readString(namePtr, nameLen);
    if (name === undefined) return Status.InvalidMemoryAccess;
    const ctx = h.current();
    const token = h.env.store.registerQueue(h.vmId, name, {
      threadId: h.env.threadId, vmInstanceId: h.instanceId, rootContextId: ctx.rootContextId,
    });
    return h.writeU32(tokenPtr, token) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_resolve_shared_queue", "iiiii", "i", (h, vmPtr: number, vmLen: number, namePtr: number, nameLen: number, tokenPtr: number) => {
    const vmId = h.readString(vmPtr, vmLen);
    const name = h.readString(namePtr, nameLen);
    if (vmId === undefined || name === undefined) return Status.InvalidMemoryAccess;
    const token = h.env.store.resolveQueue(vmId === "" ? h.vmId : vmId, name);
    if (token === 0) return Status.NotFound;
    return h.writeU32(tokenPtr, token) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
  envFn("proxy_enqueue_shared_queue", "iii", "i", (h, token: number, dataPtr: number, dataLen: number) => {
    const data = h.read(dataPtr, dataLen);
    if (data === undefined) return Status.InvalidMemoryAccess;
    // The store copies the bytes before returning: the view of wasm memory needs no copy of its own.
    const status = h.env.store.enqueue(token, data);
    if (status !== Status.Ok) return status;
    const owner = h.env.store.queueOwner(token);
    if (owner) h.env.postQueueReady(owner, token);
    return Status.Ok;
  }),
  envFn("proxy_dequeue_shared_queue", "iii", "i", (h, token: number, dataPtrPtr: number, dataSizePtr: number) => {
    const r = h.env.store.dequeue(token);
    if (typeof r === "number") return r;
    return h.copyOut(r, dataPtrPtr, dataSizePtr) ? Status.Ok : Status.InvalidMemoryAccess;
  }),
];
