// What Envoy links for a proxy-wasm ABI 0.2.1 module and what it looks up in it, as signature
// tables (sources: proxy-wasm spec abi-versions/v0.2.1, cpp-host include/proxy-wasm/exports.h,
// include/proxy-wasm/wasm.h; envoy-wasm-host.md §1–§2). The single reference for the import test;
// another part of the project (the host) may reuse it.
import type { FuncType, ValType } from "./wasm-binary.ts";

const i32 = "i32" as const;
const i64 = "i64" as const;

function fn(params: ValType[], results: ValType[]): FuncType {
  return { params, results };
}

function n32(count: number): ValType[] {
  return Array.from({ length: count }, () => i32);
}

/** env.proxy_* host functions Envoy registers for ABI 0.2.1, with their exact types. */
export const HOST_FUNCTIONS_0_2_1: Readonly<Record<string, FuncType>> = {
  proxy_log: fn(n32(3), [i32]),
  proxy_get_log_level: fn(n32(1), [i32]), // 0.2.1 only
  proxy_get_status: fn(n32(3), [i32]),
  proxy_set_property: fn(n32(4), [i32]),
  proxy_get_property: fn(n32(4), [i32]),
  proxy_send_local_response: fn(n32(8), [i32]),
  proxy_get_shared_data: fn(n32(5), [i32]),
  proxy_set_shared_data: fn(n32(5), [i32]),
  proxy_register_shared_queue: fn(n32(3), [i32]),
  proxy_resolve_shared_queue: fn(n32(5), [i32]),
  proxy_dequeue_shared_queue: fn(n32(3), [i32]),
  proxy_enqueue_shared_queue: fn(n32(3), [i32]),
  proxy_get_header_map_value: fn(n32(5), [i32]),
  proxy_add_header_map_value: fn(n32(5), [i32]),
  proxy_replace_header_map_value: fn(n32(5), [i32]),
  proxy_remove_header_map_value: fn(n32(3), [i32]),
  proxy_get_header_map_pairs: fn(n32(3), [i32]),
  proxy_set_header_map_pairs: fn(n32(3), [i32]),
  proxy_get_header_map_size: fn(n32(2), [i32]),
  proxy_get_buffer_status: fn(n32(3), [i32]),
  proxy_get_buffer_bytes: fn(n32(5), [i32]),
  proxy_set_buffer_bytes: fn(n32(5), [i32]),
  proxy_http_call: fn(n32(10), [i32]),
  proxy_grpc_call: fn(n32(12), [i32]),
  proxy_grpc_stream: fn(n32(9), [i32]),
  proxy_grpc_close: fn(n32(1), [i32]),
  proxy_grpc_cancel: fn(n32(1), [i32]),
  proxy_grpc_send: fn(n32(4), [i32]),
  proxy_set_tick_period_milliseconds: fn(n32(1), [i32]),
  proxy_get_current_time_nanoseconds: fn(n32(1), [i32]),
  proxy_define_metric: fn(n32(4), [i32]),
  proxy_increment_metric: fn([i32, i64], [i32]),
  proxy_record_metric: fn([i32, i64], [i32]),
  proxy_get_metric: fn(n32(2), [i32]),
  proxy_set_effective_context: fn(n32(1), [i32]),
  proxy_done: fn([], [i32]),
  proxy_call_foreign_function: fn(n32(6), [i32]),
  // ABI-specific extras registered for 0.2.0 and 0.2.1
  proxy_continue_stream: fn(n32(1), [i32]),
  proxy_close_stream: fn(n32(1), [i32]),
};

/** Names Envoy registers only for ABI 0.1.0: importing one under 0.2.x is a missing import. */
export const ABI_0_1_0_ONLY = new Set([
  "proxy_get_configuration", "proxy_continue_request", "proxy_continue_response", "proxy_clear_route_cache",
]);

/** AssemblyScript's default imports; Envoy provides none of them (envoy-wasm-host.md §2.4). */
export const AS_DEFAULT_IMPORTS = new Set(["abort", "trace", "seed", "Date.now"]);

/**
 * WASI functions every Envoy release registers (before the Dec 2024 additions), under both module
 * names. Newer names are left out on purpose: a module must load on the Envoy versions in use.
 */
export const WASI_MODULES = new Set(["wasi_snapshot_preview1", "wasi_unstable"]);
export const WASI_FUNCTIONS: Readonly<Record<string, FuncType>> = {
  fd_write: fn(n32(4), [i32]),
  fd_read: fn(n32(4), [i32]),
  fd_seek: fn([i32, i64, i32, i32], [i32]),
  fd_close: fn(n32(1), [i32]),
  fd_fdstat_get: fn(n32(2), [i32]),
  environ_get: fn(n32(2), [i32]),
  environ_sizes_get: fn(n32(2), [i32]),
  args_get: fn(n32(2), [i32]),
  args_sizes_get: fn(n32(2), [i32]),
  clock_time_get: fn([i32, i64, i32], [i32]),
  random_get: fn(n32(2), [i32]),
  proc_exit: fn(n32(1), []),
  path_open: fn([i32, i32, i32, i32, i32, i64, i64, i32, i32], [i32]),
  fd_prestat_get: fn(n32(2), [i32]),
  fd_prestat_dir_name: fn(n32(3), [i32]),
};

/** Every callback Envoy looks up in a 0.2.1 module, with the type it requires. */
export const CALLBACKS_0_2_1: Readonly<Record<string, FuncType>> = {
  proxy_on_context_create: fn(n32(2), []),
  proxy_on_vm_start: fn(n32(2), [i32]),
  proxy_on_configure: fn(n32(2), [i32]),
  proxy_on_validate_configuration: fn(n32(2), [i32]),
  proxy_on_tick: fn(n32(1), []),
  proxy_on_queue_ready: fn(n32(2), []),
  proxy_on_foreign_function: fn(n32(3), []),
  proxy_on_new_connection: fn(n32(1), [i32]),
  proxy_on_downstream_data: fn(n32(3), [i32]),
  proxy_on_upstream_data: fn(n32(3), [i32]),
  proxy_on_downstream_connection_close: fn(n32(2), []),
  proxy_on_upstream_connection_close: fn(n32(2), []),
  proxy_on_request_headers: fn(n32(3), [i32]),
  proxy_on_request_body: fn(n32(3), [i32]),
  proxy_on_request_trailers: fn(n32(2), [i32]),
  proxy_on_request_metadata: fn(n32(2), [i32]),
  proxy_on_response_headers: fn(n32(3), [i32]),
  proxy_on_response_body: fn(n32(3), [i32]),
  proxy_on_response_trailers: fn(n32(2), [i32]),
  proxy_on_response_metadata: fn(n32(2), [i32]),
  proxy_on_http_call_response: fn(n32(5), []),
  proxy_on_grpc_receive_initial_metadata: fn(n32(3), []),
  proxy_on_grpc_receive: fn(n32(3), []),
  proxy_on_grpc_receive_trailing_metadata: fn(n32(3), []),
  proxy_on_grpc_close: fn(n32(3), []),
  proxy_on_done: fn(n32(1), [i32]),
  proxy_on_log: fn(n32(1), []),
  proxy_on_delete: fn(n32(1), []),
  proxy_on_memory_allocate: fn(n32(1), [i32]),
};

/** The L4 callbacks our modules must export (Envoy's defaults would bypass the filter). */
export const L4_CALLBACKS = [
  "proxy_on_context_create", "proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick", "proxy_on_queue_ready",
  "proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data",
  "proxy_on_downstream_connection_close",
  "proxy_on_done", "proxy_on_delete",
] as const;
// proxy_on_log and proxy_on_upstream_connection_close are optional: cpp-host calls a callback only
// when it is exported. The Sentinel filter leaves both out (abi/assembly/exports-l4.ts: its
// proxy_on_upstream_data also delivers the upstream close); the service exports them.

/** Module-level exports Envoy needs or calls, with their types. */
export const REQUIRED_FUNCTION_EXPORTS: Readonly<Record<string, FuncType>> = {
  proxy_abi_version_0_2_1: fn([], []),
  malloc: fn(n32(1), [i32]),
  _initialize: fn([], []),
};
