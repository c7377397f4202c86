// Everything the host calls, and nothing else. A module's entry file does
//   export * from "../../abi/assembly/exports";
// and only these names become Wasm exports (besides memory and asc's `_initialize`).
// Keep this list explicit: `export *` of dispatcher.ts would also export registerRootContext.
// exports-l4.ts is the lean set of an L4 filter (no access log, the upstream close delivered with
// the upstream data); this file exports every callback on its own.
import "./abort"; // the abort handler named by the build flag `--use abort=...` must be in the program

export { malloc, proxy_on_memory_allocate } from "./memory";
export {
  proxy_abi_version_0_2_1,
  proxy_on_context_create,
  proxy_on_done,
  proxy_on_log,
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
  proxy_on_request_headers,
  proxy_on_request_body,
  proxy_on_request_trailers,
  proxy_on_response_headers,
  proxy_on_response_body,
  proxy_on_response_trailers,
  proxy_on_http_call_response,
  proxy_on_grpc_receive_initial_metadata,
  proxy_on_grpc_receive,
  proxy_on_grpc_receive_trailing_metadata,
  proxy_on_grpc_close,
} from "./dispatcher";
