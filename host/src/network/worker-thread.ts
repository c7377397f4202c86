// Entry point of one worker thread: attach the shared store, build this thread's runtime (its own VM of
// every filter module), bind the listeners, then serve until main says shutdown.
import { parentPort, workerData } from "node:worker_threads";
import { LogLevel } from "../contracts.ts";
import type { QueueOwner, ThreadRuntimeApi } from "../contracts.ts";
import { LogLevels, LogSink } from "../log/log-sink.ts";
import { SharedStore } from "../store/index.ts";
import type { MainToWorker, WorkerInit, WorkerToMain } from "./messages.ts";
import { configUsesWasm, createThreadRuntime } from "./runtime-loader.ts";
import { RealThreadEnv } from "./thread-env.ts";
import { WorkerListeners } from "./worker-listeners.ts";

const SRC = "host/src/network/worker-thread.ts";
const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: WorkerToMain) => port.postMessage(m);

const log = new LogSink(LogLevels.attach(init.logLevels), init.threadId);
const store = SharedStore.attach(init.storeBuffer);
const connectionIds = new BigInt64Array(init.connectionIds);
let runtime: ThreadRuntimeApi | null = null;

function deliverQueueReady(owner: QueueOwner, token: number): void {
  runtime?.deliverQueueReady(owner.vmInstanceId, owner.rootContextId, token);
}

const env = new RealThreadEnv(init.threadId, store, log, (owner, token) => {
  // Envoy posts to the owner's dispatcher: asynchronous even when the owner is this thread.
  if (owner.threadId === init.threadId) setImmediate(deliverQueueReady, owner, token);
  else post({ t: "queueReady", owner, token });
});

let listeners: WorkerListeners | null = null;

let stopping = false;
port.on("message", (m: MainToWorker) => {
  if (m.t === "queueReady") deliverQueueReady(m.owner, m.token);
  else if (m.t === "shutdown") void shutdown();
});

async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await listeners?.stop();
  try {
    runtime?.shutdown();
  } catch (err) {
    log.log(LogLevel.error, "main", SRC, `runtime shutdown failed: ${(err as Error).message}`);
  }
  listeners?.flushStats();
  post({ t: "stopped" });
  port.close();
}

try {
  if (configUsesWasm(init.config)) {
    runtime = await createThreadRuntime(init.config, env, "worker", init.modules);
  }
  listeners = new WorkerListeners({
    config: init.config, store, log, workerIndex: init.threadId - 1, runtime,
    nextConnectionId: () => Atomics.add(connectionIds, 0, 1n) + 1n,
  });
  await listeners.start();
  post({ t: "listening" });
} catch (err) {
  post({ t: "startFailed", message: (err as Error).message });
  port.close();
}
