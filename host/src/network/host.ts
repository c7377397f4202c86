// The main thread of the real host, as Envoy's server: shared store + stats, admin, the main-thread
// runtime (canaries and singleton services), then `concurrency` worker threads that each own one
// SO_REUSEPORT socket per listener. Queue-ready notifications are routed here between threads.
import { readFile } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import { LogLevel } from "../contracts.ts";
import type { HostConfig, QueueOwner, SharedStoreApi, SocketAddress, ThreadRuntimeApi } from "../contracts.ts";
import { isLoopback, startAdminServer } from "../admin/admin-server.ts";
import type { AdminServer } from "../admin/admin-server.ts";
import { logLevelName } from "../log/log-sink.ts";
import type { LogSink } from "../log/log-sink.ts";
import { SharedStore } from "../store/index.ts";
import type { MainToWorker, WorkerInit, WorkerToMain } from "./messages.ts";
import { ServerState, ServerStats } from "./proxy-stats.ts";
import type { ServerStateName } from "./proxy-stats.ts";
import { configUsesWasm, createThreadRuntime, wasmCodePaths } from "./runtime-loader.ts";
import { RealThreadEnv } from "./thread-env.ts";
import { useEnvoyWasmEngine } from "../runtime/v8-engine.ts";

const SRC = "host/src/network/host.ts";
const WORKER_STOP_TIMEOUT_MS = 5000;
export const HOST_VERSION = "sentinel-envoy-wasm-host/0.1.0";

export interface HostOptions {
  concurrency: number;
  /** The main thread's sink (thread id 0); its LogLevels are shared with every worker. */
  log: LogSink;
  /** Recorded in /server_info. */
  commandLine?: string[];
}

export interface RunningHost {
  readonly store: SharedStoreApi;
  readonly admin: SocketAddress | undefined;
  /** Stops listeners, connections, runtimes and admin; resolves when every worker has exited. */
  stop(): Promise<void>;
  /** Resolves with the exit code once the host has stopped for any reason (stop(), /quitquitquit, worker crash). */
  readonly stopped: Promise<number>;
}

/** Compiles each distinct .wasm once; workers get the compiled modules (no recompilation per thread). */
async function compileModules(config: HostConfig): Promise<Map<string, WebAssembly.Module>> {
  const modules = new Map<string, WebAssembly.Module>();
  useEnvoyWasmEngine();
  for (const path of wasmCodePaths(config)) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new Error(`Failed to load Wasm code from ${path}: ${(err as Error).message}`);
    }
    try {
      modules.set(path, await WebAssembly.compile(bytes));
    } catch (err) {
      throw new Error(`Failed to load Wasm module due to a missing import or invalid code in ${path}: ${(err as Error).message}`);
    }
  }
  return modules;
}

export async function startHost(config: HostConfig, opts: HostOptions): Promise<RunningHost> {
  const { log, concurrency } = opts;
  const info = (msg: string) => log.log(LogLevel.info, "main", SRC, msg);
  const startedAt = Date.now();
  let state: ServerStateName = "PRE_INITIALIZING";
  info(`initializing epoch 0 (base id=0, hot restart version=disabled)`);

  const store = SharedStore.create();
  const serverStats = new ServerStats(store);
  store.gaugeSet(serverStats.concurrency, BigInt(concurrency));
  store.gaugeSet(serverStats.live, 0n);
  const setState = (s: ServerStateName) => {
    state = s;
    store.gaugeSet(serverStats.state, BigInt(ServerState[s]));
  };
  setState("PRE_INITIALIZING");

  const workers: Worker[] = [];
  let mainRuntime: ThreadRuntimeApi | null = null;
  const deliverOnMain = (owner: QueueOwner, token: number) =>
    mainRuntime?.deliverQueueReady(owner.vmInstanceId, owner.rootContextId, token);
  const route = (owner: QueueOwner, token: number) => {
    if (owner.threadId === 0) setImmediate(deliverOnMain, owner, token);
    else {
      const w = workers[owner.threadId - 1];
      // An owner thread that does not exist (or is gone) drops the notification, as Envoy does.
      if (w !== undefined) w.postMessage({ t: "queueReady", owner, token } satisfies MainToWorker);
    }
  };
  const env = new RealThreadEnv(0, store, log, route);

  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => { resolveStopped = r; });
  let stopping: Promise<void> | null = null;
  let admin: AdminServer | undefined;

  const stop = (code = 0): Promise<void> => {
    if (stopping !== null) return stopping;
    stopping = (async () => {
      setState("DRAINING");
      store.gaugeSet(serverStats.live, 0n);
      info("shutting down server");
      await Promise.all(workers.map((w) => stopWorker(w)));
      try {
        mainRuntime?.shutdown();
      } catch (err) {
        log.log(LogLevel.error, "main", SRC, `main runtime shutdown failed: ${(err as Error).message}`);
      }
      await admin?.close();
      info("exiting");
      resolveStopped(code);
    })();
    return stopping;
  };

  try {
    if (config.admin !== undefined) {
      if (!isLoopback(config.admin.address)) {
        log.log(LogLevel.warn, "admin", SRC,
          `admin address ${config.admin.address}:${config.admin.port} is not loopback: the admin interface (including /quitquitquit) is reachable from the network`);
      }
      admin = await startAdminServer({
        address: config.admin,
        config,
        snapshot: () => {
          store.gaugeSet(serverStats.uptime, BigInt(Math.floor((Date.now() - startedAt) / 1000)));
          return store.snapshotMetrics();
        },
        state: () => state,
        serverInfo: () => ({
          version: HOST_VERSION,
          state,
          uptime_current_epoch: `${Math.floor((Date.now() - startedAt) / 1000)}s`,
          uptime_all_epochs: `${Math.floor((Date.now() - startedAt) / 1000)}s`,
          hot_restart_version: "disabled",
          command_line_options: {
            concurrency,
            config_path: config.path,
            component_log_level: Object.fromEntries(log.levels.list().map(([c, l]) => [c, logLevelName(l)])),
            args: opts.commandLine ?? [],
          },
        }),
        logLevels: log.levels,
        onQuit: () => { void stop(0); },
      });
      info(`admin address: ${admin.address.address}:${admin.address.port}`);
    }

    setState("INITIALIZING");
    const modules = await compileModules(config);
    if (configUsesWasm(config)) mainRuntime = await createThreadRuntime(config, env, "main", modules);

    info(`loading ${config.listeners.length} listener(s)`);
    info(`all dependencies initialized. starting workers`);
    const connectionIds = new SharedArrayBuffer(8);
    const ready: Promise<void>[] = [];
    for (let i = 1; i <= concurrency; i++) {
      const init: WorkerInit = {
        config, storeBuffer: store.buffer, connectionIds, threadId: i, concurrency,
        logLevels: log.levels.buffer, modules,
      };
      const w = new Worker(new URL("./worker-thread.ts", import.meta.url), { workerData: init, name: `worker_${i - 1}` });
      workers.push(w);
      ready.push(new Promise<void>((resolve, reject) => {
        w.on("message", (m: WorkerToMain) => {
          if (m.t === "listening") resolve();
          else if (m.t === "startFailed") reject(new Error(m.message));
          else if (m.t === "queueReady") route(m.owner, m.token);
        });
        w.on("error", (err) => {
          log.log(LogLevel.critical, "main", SRC, `worker_${i - 1} crashed: ${err.stack ?? err.message}`);
          reject(err);
          if (state === "LIVE") void stop(1);
        });
        w.on("exit", (code) => {
          reject(new Error(`worker_${i - 1} exited during startup`));
          // A worker that vanishes while serving takes its listeners with it: stop like Envoy would.
          if (state === "LIVE" && stopping === null) {
            log.log(LogLevel.critical, "main", SRC, `worker_${i - 1} exited unexpectedly (code ${code})`);
            void stop(1);
          }
        });
      }));
    }
    await Promise.all(ready);
  } catch (err) {
    await stop(1);
    throw err;
  }

  setState("LIVE");
  store.gaugeSet(serverStats.live, 1n);
  info(`all workers listening (concurrency ${concurrency})`);
  info(`starting main dispatch loop`);
  return { store, admin: admin?.address, stop: () => stop(0), stopped };
}

function stopWorker(w: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    if (w.threadId === -1) return resolve();
    const timer = setTimeout(() => { void w.terminate(); }, WORKER_STOP_TIMEOUT_MS);
    w.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      w.postMessage({ t: "shutdown" } satisfies MainToWorker);
    } catch {
      void w.terminate();
    }
  });
}
