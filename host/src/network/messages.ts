// Messages between the main thread and worker threads.
import type { HostConfig, QueueOwner } from "../contracts.ts";

export interface WorkerInit {
  config: HostConfig;
  storeBuffer: SharedArrayBuffer;
  /** One BigInt64 slot: the process-wide connection id counter (Envoy's ids are global). */
  connectionIds: SharedArrayBuffer;
  threadId: number;           // 1..concurrency
  concurrency: number;
  /** LogLevels buffer: levels shared live with every thread. */
  logLevels: SharedArrayBuffer;
  /** Compiled once on main, keyed by PluginSpec.codePath. */
  modules: Map<string, WebAssembly.Module>;
}

export type WorkerToMain =
  | { t: "listening" }
  | { t: "startFailed"; message: string }
  | { t: "queueReady"; owner: QueueOwner; token: number }
  | { t: "stopped" };

export type MainToWorker =
  | { t: "queueReady"; owner: QueueOwner; token: number }
  | { t: "shutdown" };
