// Everything the host calls, and nothing else. A module's entry file does
//   export * from "../../abi/assembly/exports";
// and only these names become Wasm exports (besides memory and asc's `_initialize`).
// Keep this list explicit: `export *` of dispatcher.ts would also export registerRootContext.
// exports-l4.ts holds the L4 and root callbacks (and brings in the abort handler named by the build
// flag `--use abort=...`); this file adds the access-log and HTTP/gRPC callbacks.
export * from "./exports-l4";
export {
  proxy_on_log,
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
