// Owns every proxy_on_* export of ABI 0.2.1 and the map from context id to context object.
// Signatures are exactly the spec's, all i32 (cpp-host refuses a module whose export has another
// type: "Bad function signature for: <name>"). abi/test/imports.test.ts checks them in the binary.
//
// Nothing here traps on host input: an unknown context id logs at error and answers the
// callback's default (Continue / true / nothing) — a trap would fail the whole VM.
//
// Unregistered root_id: Envoy's own SDK behaviour is a trap in on_context_create, i.e. a failed VM
// whose log says nothing useful. We log one error line naming the root_id and the registered ones,
// install a root that answers `false` from on_vm_start and on_configure, and so Envoy rejects the
// plugin ("Plugin <name> failed to load" / xDS NACK) right after our explanation.
import { BaseContext, RootContext, TcpContext } from "./context";
import { ContextTable } from "./context-table";
import { FilterStatus, PeerType } from "./types";
import { invalidateLogLevel, invalidateLogLevelForStream, log } from "./log";
import * as host from "./hostcalls";

export type RootContextFactory = (contextId: u32) => RootContext;

const factories = new Map<string, RootContextFactory>();
const registeredNames: string[] = [];

// Roots are few (one per plugin on the VM): a list scanned in order, cheaper than hashing, and a
// stream's on_context_create looks its root up once per connection. Streams go through
// ContextTable (open addressing, no allocation per connection once it has grown to the peak of
// live connections).
const roots: RootContext[] = [];
const streams = new ContextTable(256);

function rootById(id: u32): RootContext | null {
  for (let i = 0, n = roots.length; i < n; i++) {
    const r = unchecked(roots[i]);
    if (r.id == id) return r;
  }
  return null;
}

function removeRoot(root: RootContext): void {
  const i = roots.indexOf(root);
  if (i >= 0) roots.splice(i, 1);
}

/**
 * Registers the factory for root contexts of plugins whose root_id is `rootId` ("" allowed).
 * Call from top-level module code (it makes no hostcall, so it is safe during _initialize).
 */
export function registerRootContext(rootId: string, factory: RootContextFactory): void {
  if (!factories.has(rootId)) registeredNames.push(rootId);
  factories.set(rootId, factory);
}

/** Live root / stream context counts, for tests and leak checks. */
export function liveRootContexts(): i32 {
  return roots.length;
}

export function liveStreamContexts(): i32 {
  return streams.size;
}

/**
 * Root standing in for an unregistered root_id: refuses to start (see file comment). The reason
 * was logged once when it was created; Envoy's own failure line follows the `false`.
 */
class UnregisteredRootContext extends RootContext {
  onVmStart(vmConfigSize: u32): bool {
    return false;
  }

  onConfigure(pluginConfigSize: u32): bool {
    return false;
  }

  createStreamContext(id: u32): TcpContext | null {
    return null;
  }
}

function missingRootMessage(rootId: string): string {
  let known = "";
  for (let i = 0; i < registeredNames.length; i++) {
    known += (i > 0 ? ", " : "") + "\"" + registeredNames[i] + "\"";
  }
  return "no root context registered for root_id \"" + rootId + "\" (this module registers: " +
    (known.length > 0 ? known : "none") + "); the plugin's root_id must equal one of them";
}

const PLUGIN_ROOT_ID_PATH: string = "plugin_root_id";

function readRootId(): string {
  const bytes = host.getProperty(String.UTF8.encode(PLUGIN_ROOT_ID_PATH, false));
  if (bytes === null) {
    log.warn("cannot read property plugin_root_id (status " + host.lastStatus().toString() + "); using root_id \"\"");
    return "";
  }
  return String.UTF8.decode(bytes, false);
}

function unknownContext(callback: string, id: u32): void {
  log.error(callback + ": no context with id " + id.toString());
}

// Stream first: it is the per-connection case.
function anyContext(id: u32): BaseContext | null {
  const s = streams.get(id);
  if (s !== null) return s;
  return rootById(id);
}

// ---- integration ----------------------------------------------------------------------------

/** ABI marker: its presence selects ABI 0.2.1 in the host; never called. */
export function proxy_abi_version_0_2_1(): void {}

// ---- context lifecycle ----------------------------------------------------------------------

/**
 * Root callbacks always read the log level again; stream callbacks as the module chose (log.ts).
 * Takes the context the callback already looked up: no second lookup per connection callback.
 */
function invalidateLogLevelFor(ctx: BaseContext | null): void {
  if (ctx instanceof TcpContext) invalidateLogLevelForStream();
  else invalidateLogLevel();
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  if (parentContextId == 0) {
    invalidateLogLevel();
    const rootId = readRootId();
    let root: RootContext;
    if (factories.has(rootId)) {
      const factory = factories.get(rootId);
      root = factory(contextId);
    } else {
      log.error(missingRootMessage(rootId));
      root = new UnregisteredRootContext(contextId);
    }
    root.rootId = rootId;
    const old = rootById(contextId);
    if (old !== null) removeRoot(old);
    roots.push(root);
    return;
  }
  invalidateLogLevelForStream();
  const parent = rootById(parentContextId);
  if (parent === null) {
    log.error("proxy_on_context_create: stream " + contextId.toString() + " has unknown root " + parentContextId.toString());
    return;
  }
  const stream = parent.createStreamContext(contextId);
  if (stream !== null) streams.set(contextId, stream);
}

export function proxy_on_done(contextId: u32): u32 {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx === null) return 1;
  return ctx.onDone() ? 1 : 0;
}

export function proxy_on_log(contextId: u32): void {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx !== null) ctx.onLog();
}

export function proxy_on_delete(contextId: u32): void {
  const ctx = streams.delete(contextId);
  if (ctx !== null) {
    invalidateLogLevelForStream();
    ctx.onDelete();
  } else {
    const root = rootById(contextId);
    if (root === null) return;
    invalidateLogLevel();
    removeRoot(root);
    root.onDelete();
  }
}

// ---- configuration, timers, queues ----------------------------------------------------------

export function proxy_on_vm_start(rootContextId: u32, vmConfigSize: u32): u32 {
  invalidateLogLevel();
  const root = rootById(rootContextId);
  if (root === null) {
    unknownContext("proxy_on_vm_start", rootContextId);
    return 0;
  }
  root.vmConfigSize = vmConfigSize;
  return root.onVmStart(vmConfigSize) ? 1 : 0;
}

export function proxy_on_configure(rootContextId: u32, pluginConfigSize: u32): u32 {
  invalidateLogLevel();
  const root = rootById(rootContextId);
  if (root === null) {
    unknownContext("proxy_on_configure", rootContextId);
    return 0;
  }
  root.pluginConfigSize = pluginConfigSize;
  const ok = root.onConfigure(pluginConfigSize);
  // Envoy's plugin configuration exists only during on_configure; stop handing out its size.
  root.pluginConfigSize = 0;
  return ok ? 1 : 0;
}

export function proxy_on_tick(rootContextId: u32): void {
  invalidateLogLevel();
  const root = rootById(rootContextId);
  if (root !== null) root.onTick();
  else unknownContext("proxy_on_tick", rootContextId);
}

export function proxy_on_queue_ready(rootContextId: u32, token: u32): void {
  invalidateLogLevel();
  const root = rootById(rootContextId);
  if (root !== null) root.onQueueReady(token);
  else unknownContext("proxy_on_queue_ready", rootContextId);
}

export function proxy_on_foreign_function(rootContextId: u32, functionId: u32, argumentsSize: u32): void {
  invalidateLogLevel();
  const root = rootById(rootContextId);
  if (root !== null) root.onForeignFunction(functionId, argumentsSize);
  else unknownContext("proxy_on_foreign_function", rootContextId);
}

// ---- L4 (network filter) --------------------------------------------------------------------

export function proxy_on_new_connection(contextId: u32): u32 {
  invalidateLogLevelForStream();
  const s = streams.get(contextId);
  return s === null ? FilterStatus.Continue : s.onNewConnection();
}

export function proxy_on_downstream_data(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  invalidateLogLevelForStream();
  const s = streams.get(contextId);
  return s === null ? FilterStatus.Continue : s.onDownstreamData(dataSize, endOfStream != 0);
}

export function proxy_on_upstream_data(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  invalidateLogLevelForStream();
  const s = streams.get(contextId);
  return s === null ? FilterStatus.Continue : s.onUpstreamData(dataSize, endOfStream != 0);
}

/**
 * proxy_on_upstream_data for a module that does not export proxy_on_upstream_connection_close
 * (exports-l4.ts). Envoy has no upstream close event of its own at L4: it calls the close right
 * after the data callback whenever the write path carries end_stream, whatever that callback
 * returned (envoy ew/context.cc Context::onWrite). So end_stream here is that close, delivered
 * without a second call into the VM.
 */
export function proxy_on_upstream_data_and_close(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  invalidateLogLevelForStream();
  const s = streams.get(contextId);
  if (s === null) return FilterStatus.Continue;
  const status = s.onUpstreamData(dataSize, endOfStream != 0);
  if (endOfStream != 0) s.onUpstreamClose(PeerType.Unknown);
  return status;
}

export function proxy_on_downstream_connection_close(contextId: u32, peerType: u32): void {
  invalidateLogLevelForStream();
  const s = streams.get(contextId);
  if (s !== null) s.onDownstreamClose(peerType);
}

export function proxy_on_upstream_connection_close(contextId: u32, peerType: u32): void {
  invalidateLogLevelForStream();
  const s = streams.get(contextId);
  if (s !== null) s.onUpstreamClose(peerType);
}

// ---- HTTP filter callbacks: this project has no HTTP filter; Continue keeps an HTTP chain whole.

export function proxy_on_request_headers(contextId: u32, numHeaders: u32, endOfStream: u32): u32 {
  return FilterStatus.Continue;
}

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  return FilterStatus.Continue;
}

export function proxy_on_request_trailers(contextId: u32, numTrailers: u32): u32 {
  return FilterStatus.Continue;
}

export function proxy_on_response_headers(contextId: u32, numHeaders: u32, endOfStream: u32): u32 {
  return FilterStatus.Continue;
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  return FilterStatus.Continue;
}

export function proxy_on_response_trailers(contextId: u32, numTrailers: u32): u32 {
  return FilterStatus.Continue;
}

// ---- callouts: delivered to the context that made the call ----------------------------------

export function proxy_on_http_call_response(contextId: u32, token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx !== null) ctx.onHttpCallResponse(token, numHeaders, bodySize, numTrailers);
  else unknownContext("proxy_on_http_call_response", contextId);
}

export function proxy_on_grpc_receive_initial_metadata(contextId: u32, token: u32, numHeaders: u32): void {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx !== null) ctx.onGrpcReceiveInitialMetadata(token, numHeaders);
  else unknownContext("proxy_on_grpc_receive_initial_metadata", contextId);
}

export function proxy_on_grpc_receive(contextId: u32, token: u32, messageSize: u32): void {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx !== null) ctx.onGrpcReceive(token, messageSize);
  else unknownContext("proxy_on_grpc_receive", contextId);
}

export function proxy_on_grpc_receive_trailing_metadata(contextId: u32, token: u32, numTrailers: u32): void {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx !== null) ctx.onGrpcReceiveTrailingMetadata(token, numTrailers);
  else unknownContext("proxy_on_grpc_receive_trailing_metadata", contextId);
}

export function proxy_on_grpc_close(contextId: u32, token: u32, statusCode: u32): void {
  const ctx = anyContext(contextId);
  invalidateLogLevelFor(ctx);
  if (ctx !== null) ctx.onGrpcClose(token, statusCode);
  else unknownContext("proxy_on_grpc_close", contextId);
}
