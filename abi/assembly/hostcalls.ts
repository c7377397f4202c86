// One safe wrapper per host import (imports.ts). Rules, the same for every function:
//  - Raw pointers stop here: callers pass and get AS values (string, ArrayBuffer, numbers).
//  - Nothing traps or aborts on a host answer. Functions that return data return `null` when the
//    host has nothing (NotFound, Empty, or an error); functions that return an id/token return 0
//    on failure (the host never hands out 0: queue/call tokens start at 1, metric ids at 4);
//    functions that only act return the WasmResult. `lastStatus()` always holds the status of the
//    most recent hostcall, so a caller can tell NotFound from BadArgument when it cares.
//  - Present-but-empty data is an empty ArrayBuffer / "" (never null): Envoy distinguishes
//    "no property" (NotFound) from "property with 0 bytes" (Ok), and so do we.
//  - Every call that can make the host allocate releases the host's blocks before returning
//    (memory.ts), on success and on failure alike.
import * as raw from "./imports";
import { WasmResult } from "./types";
import { takeHostBuffer, takeHostString, releaseHostAllocations } from "./memory";

// Out-parameters. One static area is enough: hostcalls do not nest (the only call the host makes
// back into the module during a hostcall is malloc, which does not touch this area).
const RET: usize = memory.data(32, 8);
// @ts-ignore: decorator
@inline const RET_PTR: usize = 0;
// @ts-ignore: decorator
@inline const RET_SIZE: usize = 4;
// @ts-ignore: decorator
@inline const RET_CAS: usize = 8;
// @ts-ignore: decorator
@inline const RET_U64: usize = 16;

let lastStatus_: u32 = WasmResult.Ok;

/** Status of the most recent hostcall made through this file. */
export function lastStatus(): u32 {
  return lastStatus_;
}

function done_(status: u32): u32 {
  lastStatus_ = status;
  return status;
}

function clearOut(): void {
  store<u64>(RET + RET_PTR, 0);
  store<u32>(RET + RET_CAS, 0);
  store<u64>(RET + RET_U64, 0);
}

function bytesResult(status: u32): ArrayBuffer | null {
  lastStatus_ = status;
  if (status != WasmResult.Ok) {
    releaseHostAllocations();
    return null;
  }
  const buf = takeHostBuffer(load<usize>(RET + RET_PTR), load<usize>(RET + RET_SIZE));
  if (buf === null) lastStatus_ = WasmResult.InvalidMemoryAccess;
  return buf;
}

function stringResult(status: u32): string | null {
  lastStatus_ = status;
  if (status != WasmResult.Ok) {
    releaseHostAllocations();
    return null;
  }
  const s = takeHostString(load<usize>(RET + RET_PTR), load<usize>(RET + RET_SIZE));
  if (s === null) lastStatus_ = WasmResult.InvalidMemoryAccess;
  return s;
}

// @ts-ignore: decorator
@inline function ptrOf(buf: ArrayBuffer | null): usize {
  return changetype<usize>(buf);
}

// @ts-ignore: decorator
@inline function sizeOf(buf: ArrayBuffer | null): usize {
  return buf === null ? 0 : <usize>buf.byteLength;
}

/** UTF-8 bytes of a string, without a terminator (Envoy takes explicit sizes). */
export function utf8(s: string): ArrayBuffer {
  return String.UTF8.encode(s, false);
}

// ---- logging --------------------------------------------------------------------------------

export function log(level: u32, message: string): u32 {
  const bytes = utf8(message);
  return done_(raw.proxy_log(level, ptrOf(bytes), sizeOf(bytes)));
}

/** The host's current level for the `wasm` logger (LogLevel.*, 6 = off); Trace if it fails. */
export function getLogLevel(): u32 {
  store<u32>(RET + RET_SIZE, 0);
  const status = done_(raw.proxy_get_log_level(RET + RET_SIZE));
  return status == WasmResult.Ok ? load<u32>(RET + RET_SIZE) : 0;
}

// ---- context lifecycle ----------------------------------------------------------------------

/** Tells the host a context that answered `false` from on_done has finished. */
export function done(): u32 {
  return done_(raw.proxy_done());
}

export function setEffectiveContext(contextId: u32): u32 {
  return done_(raw.proxy_set_effective_context(contextId));
}

/** Status of the last HTTP/gRPC callout (proxy_get_status). */
export class CallStatus {
  constructor(public code: u32, public message: string) {}
}

export function getStatus(): CallStatus | null {
  clearOut();
  const status = raw.proxy_get_status(RET + RET_CAS, RET + RET_PTR, RET + RET_SIZE);
  const code = load<u32>(RET + RET_CAS);
  const message = stringResult(status);
  return message === null ? null : new CallStatus(code, message);
}

// ---- properties -----------------------------------------------------------------------------

/** Raw property read; `path` is already UTF-8 with `\0` between segments. null: not found/error. */
export function getProperty(path: ArrayBuffer): ArrayBuffer | null {
  clearOut();
  return bytesResult(raw.proxy_get_property(ptrOf(path), sizeOf(path), RET + RET_PTR, RET + RET_SIZE));
}

export function setProperty(path: ArrayBuffer, value: ArrayBuffer): u32 {
  return done_(raw.proxy_set_property(ptrOf(path), sizeOf(path), ptrOf(value), sizeOf(value)));
}

// ---- time -----------------------------------------------------------------------------------

/** Wall-clock time in ns (Envoy's systemTime); 0 if the host refuses. Allocates nothing. */
export function getCurrentTimeNanoseconds(): u64 {
  store<u64>(RET + RET_U64, 0);
  const status = done_(raw.proxy_get_current_time_nanoseconds(RET + RET_U64));
  return status == WasmResult.Ok ? load<u64>(RET + RET_U64) : 0;
}

/** Tick period of the calling root context; 0 disables the timer. */
export function setTickPeriodMilliseconds(periodMs: u32): u32 {
  return done_(raw.proxy_set_tick_period_milliseconds(periodMs));
}

// ---- buffers --------------------------------------------------------------------------------

/** Up to `maxSize` bytes from `start`; empty when start is past the end; null: not available. */
export function getBufferBytes(bufferType: u32, start: u32, maxSize: u32): ArrayBuffer | null {
  clearOut();
  return bytesResult(raw.proxy_get_buffer_bytes(bufferType, start, maxSize, RET + RET_PTR, RET + RET_SIZE));
}

/** Replaces `size` bytes at `start` with `value` (Envoy L4: start 0 = drain+prepend, start >= len = append). */
export function setBufferBytes(bufferType: u32, start: u32, size: u32, value: ArrayBuffer): u32 {
  return done_(raw.proxy_set_buffer_bytes(bufferType, start, size, ptrOf(value), sizeOf(value)));
}

/** Current size of a buffer, or -1 (see lastStatus). */
export function getBufferSize(bufferType: u32): i64 {
  clearOut();
  const status = done_(raw.proxy_get_buffer_status(bufferType, RET + RET_SIZE, RET + RET_CAS));
  return status == WasmResult.Ok ? <i64>load<u32>(RET + RET_SIZE) : -1;
}

// ---- streams --------------------------------------------------------------------------------

export function continueStream(streamType: u32): u32 {
  return done_(raw.proxy_continue_stream(streamType));
}

export function closeStream(streamType: u32): u32 {
  return done_(raw.proxy_close_stream(streamType));
}

// ---- header maps ----------------------------------------------------------------------------

export function getHeaderMapValue(mapType: u32, key: string): string | null {
  clearOut();
  const k = utf8(key);
  return stringResult(raw.proxy_get_header_map_value(mapType, ptrOf(k), sizeOf(k), RET + RET_PTR, RET + RET_SIZE));
}

export function addHeaderMapValue(mapType: u32, key: string, value: string): u32 {
  const k = utf8(key);
  const v = utf8(value);
  return done_(raw.proxy_add_header_map_value(mapType, ptrOf(k), sizeOf(k), ptrOf(v), sizeOf(v)));
}

export function replaceHeaderMapValue(mapType: u32, key: string, value: string): u32 {
  const k = utf8(key);
  const v = utf8(value);
  return done_(raw.proxy_replace_header_map_value(mapType, ptrOf(k), sizeOf(k), ptrOf(v), sizeOf(v)));
}

export function removeHeaderMapValue(mapType: u32, key: string): u32 {
  const k = utf8(key);
  return done_(raw.proxy_remove_header_map_value(mapType, ptrOf(k), sizeOf(k)));
}

/** All pairs of a map, serialized as the spec says (see pairs.ts to decode). */
export function getHeaderMapPairs(mapType: u32): ArrayBuffer | null {
  clearOut();
  return bytesResult(raw.proxy_get_header_map_pairs(mapType, RET + RET_PTR, RET + RET_SIZE));
}

export function setHeaderMapPairs(mapType: u32, serialized: ArrayBuffer): u32 {
  return done_(raw.proxy_set_header_map_pairs(mapType, ptrOf(serialized), sizeOf(serialized)));
}

/** Serialized size of a map, or -1. */
export function getHeaderMapSize(mapType: u32): i64 {
  store<u32>(RET + RET_SIZE, 0);
  const status = done_(raw.proxy_get_header_map_size(mapType, RET + RET_SIZE));
  return status == WasmResult.Ok ? <i64>load<u32>(RET + RET_SIZE) : -1;
}

export function sendLocalResponse(statusCode: u32, details: string, body: ArrayBuffer | null,
                                  serializedHeaders: ArrayBuffer | null, grpcStatus: i32): u32 {
  const d = utf8(details);
  return done_(raw.proxy_send_local_response(statusCode, ptrOf(d), sizeOf(d), ptrOf(body), sizeOf(body),
    ptrOf(serializedHeaders), sizeOf(serializedHeaders), grpcStatus));
}

// ---- HTTP / gRPC callouts -------------------------------------------------------------------

/** Returns the call token, or 0 (see lastStatus). */
export function httpCall(upstream: string, serializedHeaders: ArrayBuffer, body: ArrayBuffer | null,
                         serializedTrailers: ArrayBuffer | null, timeoutMs: u32): u32 {
  const u = utf8(upstream);
  store<u32>(RET + RET_CAS, 0);
  const status = done_(raw.proxy_http_call(ptrOf(u), sizeOf(u), ptrOf(serializedHeaders), sizeOf(serializedHeaders),
    ptrOf(body), sizeOf(body), ptrOf(serializedTrailers), sizeOf(serializedTrailers), timeoutMs, RET + RET_CAS));
  return status == WasmResult.Ok ? load<u32>(RET + RET_CAS) : 0;
}

/** `upstream` is the serialized GrpcService or a cluster name, as Envoy accepts. Token or 0. */
export function grpcCall(upstream: ArrayBuffer, service: string, method: string,
                         serializedMetadata: ArrayBuffer | null, message: ArrayBuffer | null, timeoutMs: u32): u32 {
  const s = utf8(service);
  const m = utf8(method);
  store<u32>(RET + RET_CAS, 0);
  const status = done_(raw.proxy_grpc_call(ptrOf(upstream), sizeOf(upstream), ptrOf(s), sizeOf(s), ptrOf(m), sizeOf(m),
    ptrOf(serializedMetadata), sizeOf(serializedMetadata), ptrOf(message), sizeOf(message), timeoutMs, RET + RET_CAS));
  return status == WasmResult.Ok ? load<u32>(RET + RET_CAS) : 0;
}

/** Opens a gRPC stream; token or 0. */
export function grpcStream(upstream: ArrayBuffer, service: string, method: string,
                           serializedMetadata: ArrayBuffer | null): u32 {
  const s = utf8(service);
  const m = utf8(method);
  store<u32>(RET + RET_CAS, 0);
  const status = done_(raw.proxy_grpc_stream(ptrOf(upstream), sizeOf(upstream), ptrOf(s), sizeOf(s), ptrOf(m), sizeOf(m),
    ptrOf(serializedMetadata), sizeOf(serializedMetadata), RET + RET_CAS));
  return status == WasmResult.Ok ? load<u32>(RET + RET_CAS) : 0;
}

export function grpcSend(token: u32, message: ArrayBuffer | null, endStream: bool): u32 {
  return done_(raw.proxy_grpc_send(token, ptrOf(message), sizeOf(message), endStream ? 1 : 0));
}

export function grpcCancel(token: u32): u32 {
  return done_(raw.proxy_grpc_cancel(token));
}

export function grpcClose(token: u32): u32 {
  return done_(raw.proxy_grpc_close(token));
}

// ---- shared data ----------------------------------------------------------------------------

/** One read of shared data: `value` null when the key is absent (status NotFound) or on error. */
export class SharedDataValue {
  constructor(public status: u32, public value: ArrayBuffer | null, public cas: u32) {}
}

export function getSharedData(key: string): SharedDataValue {
  clearOut();
  const k = utf8(key);
  const status = raw.proxy_get_shared_data(ptrOf(k), sizeOf(k), RET + RET_PTR, RET + RET_SIZE, RET + RET_CAS);
  const cas = load<u32>(RET + RET_CAS);
  const value = bytesResult(status);
  return new SharedDataValue(lastStatus_, value, value === null ? 0 : cas);
}

/** cas 0 writes unconditionally; otherwise Ok or CasMismatch (an absent key accepts any cas). */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32): u32 {
  const k = utf8(key);
  return done_(raw.proxy_set_shared_data(ptrOf(k), sizeOf(k), ptrOf(value), sizeOf(value), cas));
}

/** set_shared_data from `len` bytes at `ptr` (zero copy; see enqueueSharedQueueBytes). */
export function setSharedDataBytes(key: string, ptr: usize, len: u32, cas: u32): u32 {
  const k = utf8(key);
  return done_(raw.proxy_set_shared_data(ptrOf(k), sizeOf(k), ptr, <usize>len, cas));
}

// ---- shared queues --------------------------------------------------------------------------

/** Registers (or re-opens, taking ownership of) a queue in this VM's vm_id. Token or 0. */
export function registerSharedQueue(name: string): u32 {
  const n = utf8(name);
  store<u32>(RET + RET_CAS, 0);
  const status = done_(raw.proxy_register_shared_queue(ptrOf(n), sizeOf(n), RET + RET_CAS));
  return status == WasmResult.Ok ? load<u32>(RET + RET_CAS) : 0;
}

/** Finds a queue registered by any VM; vmId "" means this VM's own. Token or 0 (NotFound). */
export function resolveSharedQueue(vmId: string, name: string): u32 {
  const v = utf8(vmId);
  const n = utf8(name);
  store<u32>(RET + RET_CAS, 0);
  const status = done_(raw.proxy_resolve_shared_queue(ptrOf(v), sizeOf(v), ptrOf(n), sizeOf(n), RET + RET_CAS));
  return status == WasmResult.Ok ? load<u32>(RET + RET_CAS) : 0;
}

export function enqueueSharedQueue(token: u32, value: ArrayBuffer): u32 {
  return done_(raw.proxy_enqueue_shared_queue(token, ptrOf(value), sizeOf(value)));
}

/**
 * Enqueues `len` bytes at `ptr` (e.g. a FlatBuffers builder's finished message, which does not
 * start at its buffer's beginning) without copying them into an ArrayBuffer first.
 */
export function enqueueSharedQueueBytes(token: u32, ptr: usize, len: u32): u32 {
  return done_(raw.proxy_enqueue_shared_queue(token, ptr, <usize>len));
}

/** Next item, or null when Empty / NotFound (lastStatus tells which). */
export function dequeueSharedQueue(token: u32): ArrayBuffer | null {
  clearOut();
  return bytesResult(raw.proxy_dequeue_shared_queue(token, RET + RET_PTR, RET + RET_SIZE));
}

// ---- metrics --------------------------------------------------------------------------------

/** Metric id, or 0 (ids start at 4 in Envoy). */
export function defineMetric(metricType: u32, name: string): u32 {
  const n = utf8(name);
  store<u32>(RET + RET_CAS, 0);
  const status = done_(raw.proxy_define_metric(metricType, ptrOf(n), sizeOf(n), RET + RET_CAS));
  return status == WasmResult.Ok ? load<u32>(RET + RET_CAS) : 0;
}

export function incrementMetric(metricId: u32, delta: i64): u32 {
  return done_(raw.proxy_increment_metric(metricId, delta));
}

export function recordMetric(metricId: u32, value: u64): u32 {
  return done_(raw.proxy_record_metric(metricId, value));
}

/** Current value, or 0 (see lastStatus: histograms answer BadArgument). */
export function getMetric(metricId: u32): u64 {
  store<u64>(RET + RET_U64, 0);
  const status = done_(raw.proxy_get_metric(metricId, RET + RET_U64));
  return status == WasmResult.Ok ? load<u64>(RET + RET_U64) : 0;
}

// ---- foreign functions ----------------------------------------------------------------------

/** Raw foreign call: results (possibly empty), or null (NotFound for unknown names). */
export function callForeignFunction(name: string, args: ArrayBuffer | null): ArrayBuffer | null {
  clearOut();
  const n = utf8(name);
  return bytesResult(raw.proxy_call_foreign_function(ptrOf(n), sizeOf(n), ptrOf(args), sizeOf(args),
    RET + RET_PTR, RET + RET_SIZE));
}
