// Test module for the host's end-to-end tests: one module, two roots (docs §8 "one module, two roles").
//   e2e_producer  network filter on every worker: each new connection enqueues one item to "e2e_q"
//   e2e_consumer  singleton service on main: owns "e2e_q", counts notifications and items
//   e2e_worker_owner  network filter whose every worker VM registers "e2e_wq": the last registration
//                 wins (docs §5.2), so one worker owns it and every other worker's enqueue must reach
//                 that worker's thread.
// With N connections the host must deliver N proxy_on_queue_ready calls on the owner's thread (one
// per enqueue, crossing threads).
export * from "../../../abi/assembly/exports";

import {
  registerRootContext, RootContext, TcpContext, FilterStatus, Counter, log, LogLevel,
  registerSharedQueue, resolveSharedQueue, enqueueSharedQueue, dequeueSharedQueue, utf8,
} from "../../../abi/assembly";

const QUEUE: string = "e2e_q";
const VM_ID: string = "e2e";

class Producer extends RootContext {
  token: u32 = 0;
  readonly enqueued: Counter = new Counter("e2e.enqueued");

  onConfigure(size: u32): bool {
    this.enqueued.define();
    return true;
  }

  createStreamContext(id: u32): TcpContext | null {
    return new ProducerConn(id, this);
  }
}

class ProducerConn extends TcpContext {
  onNewConnection(): u32 {
    const root = changetype<Producer>(this.root);
    // Resolved lazily: the service may start after the filter (docs §8).
    if (root.token == 0) root.token = resolveSharedQueue(VM_ID, QUEUE);
    if (root.token != 0 && enqueueSharedQueue(root.token, utf8("c")) == 0) root.enqueued.increment(1);
    return FilterStatus.Continue;
  }
}

class Consumer extends RootContext {
  token: u32 = 0;
  readonly notifications: Counter = new Counter("e2e.queue_ready");
  readonly items: Counter = new Counter("e2e.items");

  onVmStart(size: u32): bool {
    this.token = registerSharedQueue(QUEUE);
    this.notifications.define();
    this.items.define();
    return this.token != 0;
  }

  onQueueReady(token: u32): void {
    this.notifications.increment(1);
    let n: i32 = 0;
    // At most a few items per call: bounded work per callback.
    while (n < 64 && dequeueSharedQueue(token) !== null) n++;
    if (n > 0) this.items.increment(n);
    if (log.enabled(LogLevel.Debug)) log.debug("e2e_consumer: queue ready, " + n.toString() + " item(s)");
  }
}

class WorkerOwner extends RootContext {
  token: u32 = 0;
  readonly notifications: Counter = new Counter("e2e.worker_queue_ready");

  onConfigure(size: u32): bool {
    this.token = registerSharedQueue("e2e_wq");
    this.notifications.define();
    return this.token != 0;
  }

  onQueueReady(token: u32): void {
    this.notifications.increment(1);
    while (dequeueSharedQueue(token) !== null) {}
    if (log.enabled(LogLevel.Debug)) log.debug("e2e_worker_owner: queue ready");
  }

  createStreamContext(id: u32): TcpContext | null {
    return new WorkerOwnerConn(id, this);
  }
}

class WorkerOwnerConn extends TcpContext {
  onNewConnection(): u32 {
    enqueueSharedQueue(changetype<WorkerOwner>(this.root).token, utf8("w"));
    return FilterStatus.Continue;
  }
}

registerRootContext("e2e_worker_owner", (id: u32): RootContext => new WorkerOwner(id));
registerRootContext("e2e_producer", (id: u32): RootContext => new Producer(id));
registerRootContext("e2e_consumer", (id: u32): RootContext => new Consumer(id));
