// Starts store worker threads for tests and collects their results.

import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { SharedStore } from "./shared-store.ts";
import type { WorkerJob } from "./store-worker.fixture.ts";

const WORKER_URL = new URL("./store-worker.fixture.ts", import.meta.url);

/** Run `count` workers on one scenario, released together; resolves with their posted results. */
export async function runWorkers(store: SharedStore, scenario: WorkerJob["scenario"], count: number, iterations: number): Promise<unknown[]> {
  const gate = new SharedArrayBuffer(4);
  const workers: Worker[] = [];
  const results: Promise<unknown>[] = [];
  for (let id = 1; id <= count; id++) {
    const job: WorkerJob = { buffer: store.buffer, gate, scenario, id, iterations };
    const w = new Worker(WORKER_URL, { workerData: job });
    workers.push(w);
    results.push(collect(w));
  }
  await Promise.all(workers.map((w) => once(w, "online")));
  const g = new Int32Array(gate);
  Atomics.store(g, 0, 1);
  Atomics.notify(g, 0);
  return Promise.all(results);
}

async function collect(w: Worker): Promise<unknown> {
  let result: unknown;
  let error: unknown;
  w.on("message", (m) => { result = m; });
  w.on("error", (e) => { error = e; });
  const [code] = await once(w, "exit");
  if (error !== undefined) throw error;
  if (code !== 0) throw new Error(`store worker exited with code ${code}`);
  return result;
}
