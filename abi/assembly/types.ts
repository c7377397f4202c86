// Numeric constants of proxy-wasm ABI 0.2.1 (spec "Types" section). Kept as plain inlined
// constants in namespaces so they cost nothing at run time and read as `WasmResult.NotFound`.

/** proxy_status_t. 9 and 11 are not in the spec text but cpp-host defines them. */
export namespace WasmResult {
  // @ts-ignore: decorator
  @inline export const Ok: u32 = 0;
  // @ts-ignore: decorator
  @inline export const NotFound: u32 = 1;
  // @ts-ignore: decorator
  @inline export const BadArgument: u32 = 2;
  // @ts-ignore: decorator
  @inline export const SerializationFailure: u32 = 3;
  // @ts-ignore: decorator
  @inline export const ParseFailure: u32 = 4;
  // @ts-ignore: decorator
  @inline export const BadExpression: u32 = 5;
  // @ts-ignore: decorator
  @inline export const InvalidMemoryAccess: u32 = 6;
  // @ts-ignore: decorator
  @inline export const Empty: u32 = 7;
  // @ts-ignore: decorator
  @inline export const CasMismatch: u32 = 8;
  // @ts-ignore: decorator
  @inline export const ResultMismatch: u32 = 9;
  // @ts-ignore: decorator
  @inline export const InternalFailure: u32 = 10;
  // @ts-ignore: decorator
  @inline export const BrokenConnection: u32 = 11;
  // @ts-ignore: decorator
  @inline export const Unimplemented: u32 = 12;
}

/** Human-readable name of a status, for log lines. */
export function wasmResultName(status: u32): string {
  switch (status) {
    case 0: return "Ok";
    case 1: return "NotFound";
    case 2: return "BadArgument";
    case 3: return "SerializationFailure";
    case 4: return "ParseFailure";
    case 5: return "BadExpression";
    case 6: return "InvalidMemoryAccess";
    case 7: return "Empty";
    case 8: return "CasMismatch";
    case 9: return "ResultMismatch";
    case 10: return "InternalFailure";
    case 11: return "BrokenConnection";
    case 12: return "Unimplemented";
  }
  return "Status(" + status.toString() + ")";
}

/** proxy_log_level_t; the host answers 6 from proxy_get_log_level when logging is off. */
export namespace LogLevel {
  // @ts-ignore: decorator
  @inline export const Trace: u32 = 0;
  // @ts-ignore: decorator
  @inline export const Debug: u32 = 1;
  // @ts-ignore: decorator
  @inline export const Info: u32 = 2;
  // @ts-ignore: decorator
  @inline export const Warn: u32 = 3;
  // @ts-ignore: decorator
  @inline export const Error: u32 = 4;
  // @ts-ignore: decorator
  @inline export const Critical: u32 = 5;
  // @ts-ignore: decorator
  @inline export const Off: u32 = 6;
}

/** proxy_action_t as returned by L4/HTTP callbacks: anything but Continue stops iteration. */
export namespace FilterStatus {
  // @ts-ignore: decorator
  @inline export const Continue: u32 = 0;
  // @ts-ignore: decorator
  @inline export const StopIteration: u32 = 1;
}

/** proxy_buffer_type_t. */
export namespace BufferType {
  // @ts-ignore: decorator
  @inline export const HttpRequestBody: u32 = 0;
  // @ts-ignore: decorator
  @inline export const HttpResponseBody: u32 = 1;
  // @ts-ignore: decorator
  @inline export const DownstreamData: u32 = 2;
  // @ts-ignore: decorator
  @inline export const UpstreamData: u32 = 3;
  // @ts-ignore: decorator
  @inline export const HttpCallResponseBody: u32 = 4;
  // @ts-ignore: decorator
  @inline export const GrpcReceiveBuffer: u32 = 5;
  // @ts-ignore: decorator
  @inline export const VmConfiguration: u32 = 6;
  // @ts-ignore: decorator
  @inline export const PluginConfiguration: u32 = 7;
  // @ts-ignore: decorator
  @inline export const ForeignFunctionArguments: u32 = 8;
}

/** proxy_map_type_t. */
export namespace MapType {
  // @ts-ignore: decorator
  @inline export const HttpRequestHeaders: u32 = 0;
  // @ts-ignore: decorator
  @inline export const HttpRequestTrailers: u32 = 1;
  // @ts-ignore: decorator
  @inline export const HttpResponseHeaders: u32 = 2;
  // @ts-ignore: decorator
  @inline export const HttpResponseTrailers: u32 = 3;
  // @ts-ignore: decorator
  @inline export const GrpcReceiveInitialMetadata: u32 = 4;
  // @ts-ignore: decorator
  @inline export const GrpcReceiveTrailingMetadata: u32 = 5;
  // @ts-ignore: decorator
  @inline export const HttpCallResponseHeaders: u32 = 6;
  // @ts-ignore: decorator
  @inline export const HttpCallResponseTrailers: u32 = 7;
}

/** proxy_stream_type_t, for continue_stream / close_stream. */
export namespace StreamType {
  // @ts-ignore: decorator
  @inline export const HttpRequest: u32 = 0;
  // @ts-ignore: decorator
  @inline export const HttpResponse: u32 = 1;
  // @ts-ignore: decorator
  @inline export const Downstream: u32 = 2;
  // @ts-ignore: decorator
  @inline export const Upstream: u32 = 3;
}

/** proxy_peer_type_t, the argument of the connection-close callbacks. */
export namespace PeerType {
  // @ts-ignore: decorator
  @inline export const Unknown: u32 = 0;
  // @ts-ignore: decorator
  @inline export const Local: u32 = 1;
  // @ts-ignore: decorator
  @inline export const Remote: u32 = 2;
}

/** proxy_metric_type_t. */
export namespace MetricType {
  // @ts-ignore: decorator
  @inline export const Counter: u32 = 0;
  // @ts-ignore: decorator
  @inline export const Gauge: u32 = 1;
  // @ts-ignore: decorator
  @inline export const Histogram: u32 = 2;
}
