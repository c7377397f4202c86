// The entry points of an L4 (network) filter that keeps no per-connection access log: a module's
// entry file does `export * from "../../abi/assembly/exports-l4";`. proxy_on_log is not among them:
// Envoy (proxy-wasm cpp-host ContextBase::onLog) skips a callback the module does not export, which
// saves one call into the VM per connection. Modules that need onLog, or HTTP, use exports.ts.
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
  proxy_on_upstream_data,
  proxy_on_downstream_connection_close,
  proxy_on_upstream_connection_close,
} from "./dispatcher";
