// Everything the host calls, and nothing else. A module's entry file does
//   export * from "../../abi/assembly/exports";
// and only these names become Wasm exports (besides memory and asc's `_initialize`).
// Keep the lists explicit: `export *` of dispatcher.ts would also export registerRootContext.
// exports-core.ts holds what every module exports; this file adds the access log, the upstream
// close as its own callback, and the HTTP/gRPC callbacks (exports-l4.ts is the lean L4 set).
export * from "./exports-core";
export {
  proxy_on_log,
  proxy_on_upstream_data,
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
