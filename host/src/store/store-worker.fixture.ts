// Worker-thread body for the store tests: attaches to the store buffer, waits on a start gate so all
// workers begin together, runs one scenario and posts its result. Not a test file itself.

import { parentPort, workerData } from "node:worker_threads";
import { Status } from "../contracts.ts";
import { SharedStore } from "./shared-store.ts";

export interface WorkerJob {
  buffer: SharedArrayBuffer;
  gate: SharedArrayBuffer;   // Int32[0]: 0 = wait, 1 = go
  scenario: "counter" | "cas" | "queue" | "gauge-histogram" | "heap-full" | "mixed";
  id: number;
  iterations: number;
}

const job = workerData as WorkerJob;
const store = SharedStore.attach(job.buffer);
const gate = new Int32Array(job.gate);
for (let waited = 0; Atomics.load(gate, 0) === 0; waited++) {
  if (waited === 30) throw new Error("store worker: start gate never opened");
  Atomics.wait(gate, 0, 0, 1000);
}

function casIncrement(): number {
  for (let retries = 0; retries < 1_000_000; retries++) {
    // The test creates the key first: Envoy has no create-if-absent (a cas on an absent key succeeds).
    const cur = store.getData("vm", "counter");
    if (cur === undefined) throw new Error("cas increment: key vm/counter missing");
    const n = new DataView(cur.value.buffer).getUint32(0, true);
    const next = new Uint8Array(4);
    new DataView(next.buffer).setUint32(0, n + 1, true);
    const rc = store.setData("vm", "counter", next, cur.cas);
    if (rc === Status.Ok) return retries;
    if (rc !== Status.CasMismatch) throw new Error(`unexpected setData status ${rc}`);
  }
  throw new Error("cas increment: a million retries without success");
}

let result: unknown;
switch (job.scenario) {
  case "counter": {
    const stat = store.defineMetric(0, "test.shared_counter");
    for (let i = 0; i < job.iterations; i++) store.counterAdd(stat, 1n);
    result = { stat };
    break;
  }
  case "gauge-histogram": {
    const g = store.defineMetric(1, "test.gauge");
    const h = store.defineMetric(2, "test.hist");
    for (let i = 0; i < job.iterations; i++) {
      store.gaugeAdd(g, 2n);
      store.gaugeAdd(g, -1n);
      store.histogramRecord(h, i % 2 === 0 ? 3 : 700);
    }
    result = { g, h };
    break;
  }
  case "cas": {
    let retries = 0;
    for (let i = 0; i < job.iterations; i++) retries += casIncrement();
    result = { retries };
    break;
  }
  case "queue": {
    const token = store.resolveQueue("svc", "q");
    const item = new Uint8Array(8);
    const view = new DataView(item.buffer);
    for (let i = 0; i < job.iterations; i++) {
      view.setUint32(0, job.id, true);
      view.setUint32(4, i, true);
      const rc = store.enqueue(token, item);
      if (rc !== Status.Ok) throw new Error(`enqueue returned ${rc}`);
    }
    result = { token };
    break;
  }
  case "mixed": {
    // Shared data of changing sizes plus traffic on one shared queue, all through a small heap.
    const token = store.resolveQueue("svc", "mixed");
    let x = job.id * 7919;
    const last = new Map<string, number>();
    let dequeued = 0;
    for (let i = 0; i < job.iterations; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const n = x % 3000;
      const key = `w${job.id}-${i % 8}`;
      const fill = (i * 13 + job.id) & 0xff;
      if (store.setData("vm", key, new Uint8Array(n).fill(fill), 0) !== Status.Ok) throw new Error("setData failed");
      last.set(key, n * 256 + fill);
      if (store.enqueue(token, new Uint8Array(n >> 2).fill(fill)) !== Status.Ok) throw new Error("enqueue failed");
      const item = store.dequeue(token);
      if (item instanceof Uint8Array) {
        if (item.length > 0 && item.some((b) => b !== item[0])) throw new Error("dequeued a torn item");
        dequeued++;
      }
      const got = store.getData("vm", key);
      if (got === undefined || got.value.length !== n || (n > 0 && got.value[n - 1] !== fill)) {
        throw new Error(`read back a different value for ${key}`);
      }
    }
    result = { last: [...last.entries()], dequeued };
    break;
  }
  case "heap-full": {
    // A StoreFullError thrown inside the critical section must not leave the lock held.
    let thrown = "";
    try {
      store.setData("vm", `too-big-${job.id}`, new Uint8Array(store.heapStats().heapBytes), 0);
    } catch (e) {
      thrown = (e as Error).name;
    }
    const rc = store.setData("vm", `small-${job.id}`, new Uint8Array([job.id]), 0);
    result = { thrown, rc };
    break;
  }
}
parentPort!.postMessage(result);
