// Entry of build/filter.wasm. Only the entry points of an L4 filter without an access log are
// exported (abi/assembly/exports-l4.ts): no proxy_on_log, and the upstream close comes with the
// upstream FIN's data callback, so Envoy makes two calls fewer into the VM per connection; no HTTP
// callbacks.
export * from "../../abi/assembly/exports-l4";

import { registerFilter } from "./filter";

registerFilter();
