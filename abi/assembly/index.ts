// Public surface of the project's proxy-wasm ABI 0.2.1 layer (AssemblyScript). What a module
// author uses:
//
//   entry file (filter/assembly/index.ts):
//     export * from "../../abi/assembly/exports";          // the proxy_on_* exports + malloc
//     import { registerRootContext, RootContext, TcpContext } from "../../abi/assembly";
//     registerRootContext("my_root_id", (id: u32): RootContext => new MyRoot(id));  // no hostcall
//
//   contexts (context.ts), override only what you need:
//     class MyRoot extends RootContext {
//       onVmStart(vmConfigSize): bool   onConfigure(configSize): bool   onTick()   onQueueReady(token)
//       onDone(): bool   onDelete()   createStreamContext(id): TcpContext | null
//       helpers: getPluginConfig() (only inside onConfigure), getVmConfig(), setTickPeriod(ms), done()
//     }
//     class MyConn extends TcpContext {            // this.root is the RootContext that created it
//       onNewConnection(): u32 (FilterStatus)   onDownstreamData(len, eos): u32   onUpstreamData(len, eos): u32
//       onDownstreamClose(peer)   onUpstreamClose(peer)   onDone(): bool   onLog()   onDelete()
//       helpers: getDownstreamData(start?, max?)  getUpstreamData(...)  setBuffer(type, start, size, data)
//                continueDownstream()  closeDownstream()  closeUpstream()
//     }
//
//   logging (log.ts):      log.info("msg"), log.debug/trace/warn/error/critical; guard formatting with
//                          `if (log.enabled(LogLevel.Debug))`. Never log from top-level code.
//   properties:            getProperty(["source", "address"]) -> ArrayBuffer | null; on hot paths encode once:
//                          const P = encodePropertyPath([...]) at top level, then getPropertyEncoded(P),
//                          getPropertyString(path), getPropertyI64(path, fallback), getPropertyBool, setProperty
//   shared data:           getSharedData(key) -> { status, value, cas }, setSharedData(key, value, cas = 0),
//                          updateSharedData(key, update: SharedDataUpdate, maxAttempts) (CAS retry loop)
//   queues:                registerSharedQueue(name) / resolveSharedQueue(vmId, name) -> token (0 = none),
//                          enqueueSharedQueue(token, bytes) -> status, dequeueSharedQueue(token) -> bytes | null,
//                          new QueueSender(vmId, name).send(bytes) (lazy resolve, retried after NotFound),
//                          drainSharedQueue(token, consumer: QueueConsumer, maxItems)
//   metrics:               new Counter(name).increment(delta > 0), new Gauge(name).add/set/get,
//                          new Histogram(name).record(v); define() them in onVmStart/onConfigure
//   time:                  nowNs(), nowMs()  (wall clock, no allocation)
//   other hostcalls:       done(), setEffectiveContext(id), getStatus(), callForeignFunction(name, args),
//                          buffers, header maps, httpCall/grpc* (raw, see hostcalls.ts)
//   errors:                nothing aborts on a host answer; null / 0 / a WasmResult tells the caller, and
//                          lastStatus() holds the status of the latest hostcall.
//   constants (types.ts):  WasmResult, LogLevel, FilterStatus, BufferType, MapType, StreamType, PeerType, MetricType

export { BaseContext, RootContext, TcpContext } from "./context";
export { registerRootContext, RootContextFactory, liveRootContexts, liveStreamContexts } from "./dispatcher";
export { log, refreshLogLevelOnRootCallbacksOnly } from "./log";
export {
  WasmResult, wasmResultName, LogLevel, FilterStatus, BufferType, MapType, StreamType, PeerType, MetricType,
} from "./types";
export { QueueSender, QueueConsumer, drainSharedQueue } from "./queue";
export {
  encodePropertyPath, getPropertyEncoded, getProperty, getPropertyString, getPropertyI64, getPropertyBool, setProperty,
} from "./properties";
export {
  SharedDataValue, getSharedData, setSharedData, SharedDataUpdate, SharedDataUpdateResult, updateSharedData,
} from "./shared-data";
export { Counter, Gauge, Histogram } from "./metrics";
export { nowNs, nowMs } from "./time";
export {
  lastStatus, utf8, done, setEffectiveContext, CallStatus, getStatus,
  getBufferBytes, setBufferBytes, getBufferSize, continueStream, closeStream,
  getHeaderMapValue, addHeaderMapValue, replaceHeaderMapValue, removeHeaderMapValue,
  getHeaderMapPairs, setHeaderMapPairs, getHeaderMapSize, sendLocalResponse,
  httpCall, grpcCall, grpcStream, grpcSend, grpcCancel, grpcClose,
  registerSharedQueue, resolveSharedQueue, enqueueSharedQueue, dequeueSharedQueue, enqueueSharedQueueBytes, setSharedDataBytes,
  callForeignFunction, setTickPeriodMilliseconds,
} from "./hostcalls";
export { pendingHostAllocations, untrackedHostAllocations } from "./memory";
