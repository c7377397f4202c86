// Shared-queue helpers on top of the raw wrappers (hostcalls.ts).
//
// Envoy's rules (envoy-wasm-host.md §5.2, §8): resolving answers NotFound until the owner has
// registered, and start order between filters and the singleton service is not guaranteed — so a
// sender resolves lazily and tries again later instead of giving up at configure time. One
// notification is posted per enqueue; the owner drains in on_queue_ready (and, to be safe against
// dropped notifications, on its tick).
import * as host from "./hostcalls";
import { WasmResult } from "./types";

/** Sends to a queue owned by another VM (or this one), resolving it on first use and after loss. */
export class QueueSender {
  private token: u32 = 0;

  /** vmId "" means this VM's own vm_id. */
  constructor(public readonly vmId: string, public readonly name: string) {}

  /** The token in use, 0 while unresolved. */
  get resolvedToken(): u32 {
    return this.token;
  }

  /**
   * Enqueues `data`. Ok, or NotFound while nobody has registered the queue (nothing is sent; call
   * again later), or another host status.
   */
  send(data: ArrayBuffer): u32 {
    if (this.token == 0) {
      this.token = host.resolveSharedQueue(this.vmId, this.name);
      if (this.token == 0) {
        const s = host.lastStatus();
        return s == WasmResult.Ok ? WasmResult.NotFound : s;
      }
    }
    const status = host.enqueueSharedQueue(this.token, data);
    // The queue's vm_id handle went away (its VMs were replaced): resolve again next time.
    if (status == WasmResult.NotFound) this.token = 0;
    return status;
  }
}

/** Receives the items drainSharedQueue takes off a queue. */
export abstract class QueueConsumer {
  abstract onItem(item: ArrayBuffer): void;
}

/**
 * Dequeues up to `maxItems` items into `consumer` (bounded: a callback must never loop without
 * limit). Returns how many were taken; afterwards lastStatus() is Empty when the queue ran dry,
 * Ok when the limit stopped it, or the error that did.
 */
export function drainSharedQueue(token: u32, consumer: QueueConsumer, maxItems: i32): i32 {
  let n = 0;
  while (n < maxItems) {
    const item = host.dequeueSharedQueue(token);
    if (item === null) return n;
    consumer.onItem(item);
    n++;
  }
  return n;
}
