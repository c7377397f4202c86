// The entry points of an L4 (network) filter that keeps no per-connection access log: a module's
// entry file does `export * from "../../abi/assembly/exports-l4";`. Envoy (proxy-wasm cpp-host
// ContextBase) skips a callback the module does not export, and two are left out to save a call
// into the VM per connection each:
//  - proxy_on_log: no access log;
//  - proxy_on_upstream_connection_close: Envoy only ever calls it right after an upstream data
//    callback with end_stream, so that callback delivers both (onUpstreamData, then onUpstreamClose).
// Modules that need onLog, or HTTP, use exports.ts.
import "./abort"; // the abort handler named by the build flag `--use abort=...` must be in the program

export { malloc, proxy_on_memory_allocate } from "./memory";
export {
  proxy_abi_version_0_2_1,
  proxy_on_context_create,
  proxy_on_done,
  proxy_on_delete,
  proxy_on_vm_start,
  proxy_on_configure,
  proxy_on_tick,
  proxy_on_queue_ready,
  proxy_on_foreign_function,
  proxy_on_new_connection,
  proxy_on_downstream_data,
  proxy_on_upstream_data_and_close as proxy_on_upstream_data,
  proxy_on_downstream_connection_close,
} from "./dispatcher";
