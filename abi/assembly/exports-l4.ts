// The entry points of an L4 (network) filter that keeps no per-connection access log: a module's
// entry file does `export * from "../../abi/assembly/exports-l4";`. Envoy (proxy-wasm cpp-host
// ContextBase) skips a callback the module does not export, and two are left out to save a call
// into the VM per connection each:
//  - proxy_on_log: no access log;
//  - proxy_on_upstream_connection_close: Envoy only ever calls it right after an upstream data
//    callback with end_stream, so that callback delivers both (onUpstreamData, then onUpstreamClose).
// Modules that need onLog, or HTTP, use exports.ts.
export * from "./exports-core";
export { proxy_on_upstream_data_and_close as proxy_on_upstream_data } from "./dispatcher";
