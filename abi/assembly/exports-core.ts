// The entry points every module of this project exports: the allocator, the ABI marker, the root
// callbacks and the L4 callbacks both export sets share. Not an entry file's own choice: use
// exports-l4.ts (the Sentinel filter) or exports.ts (every callback).
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
  proxy_on_downstream_connection_close,
} from "./dispatcher";
