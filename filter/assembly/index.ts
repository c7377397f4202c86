// Entry of build/filter.wasm. Only the ABI entry points an L4 filter handles are exported.
// proxy_on_log is left out on purpose: Envoy (proxy-wasm cpp-host ContextBase::onLog) skips a
// callback the module does not export, and this filter keeps no per-connection access log: one
// call into the VM per connection saved. HTTP callbacks are left out too (this is a network filter).
import "../../abi/assembly/abort"; // the build routes aborts here (--use abort=...)

export { malloc, proxy_on_memory_allocate } from "../../abi/assembly/memory";
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
} from "../../abi/assembly/dispatcher";

import { registerFilter } from "./filter";

registerFilter();
