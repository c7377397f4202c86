// The exact import set Envoy links for each ABI version (cpp-host WasmBase::registerCallbacks plus
// Envoy's envoy_resolve_dns), and the allowlists in force while the module initialises.
import { bufferFns } from "./buffers.ts";
import { contextFns } from "./context.ts";
import { calloutFns, headerFns } from "./http.ts";
import { logFns, logLevelFn } from "./log.ts";
import { metricFns } from "./metrics.ts";
import { propertyFns } from "./properties.ts";
import { queueFns } from "./queues.ts";
import { sharedDataFns } from "./shared-data.ts";
import { streamFns01, streamFns02 } from "./stream.ts";
import { timeFns } from "./time.ts";
import type { HostFnDef } from "./types.ts";
import { WASI_MODULES, wasiFns } from "./wasi.ts";

export type AbiVersion = "0.1.0" | "0.2.0" | "0.2.1";

const COMMON: HostFnDef[] = [
  ...logFns, ...propertyFns, ...sharedDataFns, ...queueFns, ...headerFns, ...bufferFns, ...calloutFns,
  ...timeFns, ...metricFns, ...contextFns, ...wasiFns,
];

/** "module.name" -> definition, for one ABI version. */
export function hostFunctions(abi: AbiVersion): Map<string, HostFnDef> {
  const list = [...COMMON];
  if (abi === "0.1.0") list.push(...streamFns01);
  else list.push(...streamFns02);
  if (abi === "0.2.1") list.push(logLevelFn);
  return new Map(list.map((f) => [`${f.module}.${f.name}`, f]));
}

const bothWasi = (names: string[]): string[] => WASI_MODULES.flatMap((m) => names.map((n) => `${m}.${n}`));

/** cpp-host WasmBase::startVm: what _initialize/main/_start may call. */
export const INIT_ALLOWED: ReadonlySet<string> = new Set([
  "env.emscripten_notify_memory_growth", "env.proxy_log",
  ...bothWasi([
    "fd_write", "args_sizes_get", "args_get", "environ_sizes_get", "environ_get", "clock_time_get",
    "clock_res_get", "random_get", "poll_oneoff", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_advise",
    "fd_allocate", "fd_datasync", "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size",
    "fd_filestat_set_times", "fd_pread", "fd_prestat_dir_name", "fd_prestat_get", "fd_pwrite", "fd_readdir",
    "fd_renumber", "fd_sync", "fd_tell", "path_create_directory", "path_filestat_get",
    "path_filestat_set_times", "path_link", "path_readlink", "path_remove_directory", "path_rename",
    "path_symlink", "path_unlink_file", "sock_accept", "sock_recv", "sock_send", "sock_shutdown",
  ]),
]);

/** cpp-host WasmBase::allocMemory: what malloc may call. */
export const MALLOC_ALLOWED: ReadonlySet<string> = new Set([
  "env.proxy_log", ...bothWasi(["fd_write", "clock_time_get", "poll_oneoff"]),
]);
