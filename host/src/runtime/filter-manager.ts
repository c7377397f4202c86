// The L4 filter chain of one downstream connection: wasm network filters in order, then tcp_proxy,
// with Envoy's network FilterManagerImpl semantics (docs §4.1, §4.3, §12.5):
//  - read filters are initialised lazily, in order; a Stop stops the initialisation of later ones,
//  - every read re-runs the chain from the top over the whole connection read buffer, so bytes a
//    filter holds (Stop) are shown again, with a growing length, on the next read,
//  - write filters (upstream -> downstream) run in reverse order over the held write buffer,
//  - continue_stream/close_stream act after the Wasm call returns.
import { PeerType, Status, type SocketAddress, type TcpProxySpec, type Transport, type ConnectionHandler, type PluginSpec, LogLevel } from "../contracts.ts";
import { BufferType } from "../abi/buffers.ts";
import { StreamType } from "../abi/stream.ts";
import { encodeInt64, encodeString, encodeUint64 } from "../abi/properties.ts";
import type { AbiBuffer } from "../abi/types.ts";
import { BufferView, ConnBuffer } from "./conn-buffer.ts";
import type { Context, StreamHooks } from "./context.ts";
import type { Vm, WasmExport } from "./vm.ts";

type FilterStatus = "continue" | "stop";

interface ReadFilter {
  onNewConnection(): FilterStatus;
  onData(buf: ConnBuffer, endStream: boolean): FilterStatus;
}

/** How one configured wasm filter is installed on a new connection (decided by the ThreadRuntime). */
export type WasmFilterInstall =
  | WasmInstall
  /** The VM failed earlier and the policy is FAIL_CLOSED: a dummy that closes every connection. */
  | { kind: "fail-closed"; plugin: PluginSpec };
// (FAIL_OPEN after a failure, or a root that failed to start on this worker: the filter is not installed.)

/** A running plugin's root on one VM, as every connection of a listener installs it. */
export interface WasmInstall {
  kind: "wasm";
  vm: Vm;
  root: Context;
  plugin: PluginSpec;
  failOpen: boolean;
  callbacks: NetworkCallbacks;
  /**
   * Filters of finished connections, ready for the next one: a connection's filter and stream
   * context are reused rather than allocated (what Envoy's C++ objects cost malloc, these cost the
   * JS heap a scavenge later). Per install, so a reloaded VM never sees another VM's contexts.
   */
  readonly pool: WasmNetworkFilter[];
}

/** Enough for the connections that close between two new ones; more are left to the GC. */
const MAX_POOLED_FILTERS = 1024;

export function wasmInstall(vm: Vm, root: Context, plugin: PluginSpec, failOpen: boolean): WasmInstall {
  return { kind: "wasm", vm, root, plugin, failOpen, callbacks: networkCallbacks(vm), pool: [] };
}

/** The L4 callbacks a VM exports, looked up once per install instead of by name on every call. */
export interface NetworkCallbacks {
  contextCreate: WasmExport | undefined;
  newConnection: WasmExport | undefined;
  downstreamData: WasmExport | undefined;
  upstreamData: WasmExport | undefined;
  downstreamClose: WasmExport | undefined;
  upstreamClose: WasmExport | undefined;
  done: WasmExport | undefined;
  log: WasmExport | undefined;
  delete: WasmExport | undefined;
}

export function networkCallbacks(vm: Vm): NetworkCallbacks {
  return {
    contextCreate: vm.exported("proxy_on_context_create"),
    newConnection: vm.exported("proxy_on_new_connection"),
    downstreamData: vm.exported("proxy_on_downstream_data"),
    upstreamData: vm.exported("proxy_on_upstream_data"),
    downstreamClose: vm.exported("proxy_on_downstream_connection_close"),
    upstreamClose: vm.exported("proxy_on_upstream_connection_close"),
    done: vm.exported("proxy_on_done"),
    log: vm.exported("proxy_on_log"),
    delete: vm.exported("proxy_on_delete"),
  };
}

/** Optional Transport extension: the upstream peer once tcp_proxy is connected (upstream.address/port). */
export interface UpstreamAddressSource { upstreamAddress(): SocketAddress | undefined }

export interface FilterManagerOptions {
  transport: Transport;
  filters: WasmFilterInstall[];
  tcpProxy: TcpProxySpec;
  /** Called once when the connection has fully closed (the runtime drops its bookkeeping). */
  onFinished?: () => void;
  log?: (level: number, line: string) => void;
}

export class FilterManager implements ConnectionHandler {
  readonly transport: Transport;
  readonly readBuffer = new ConnBuffer();
  readonly writeBuffer = new ConnBuffer();
  readEndStream = false;
  /** Filter state set through proxy_set_property (Envoy keys it "wasm.<name>"); made on first use. */
  #filterState: Map<string, Uint8Array> | undefined;
  /** The read filters in order, tcp_proxy last (the wasm ones are write filters too). */
  #filters: ReadFilter[];
  /** Filters are initialised lazily and in order: the first #initialized ones have been. */
  #initialized = 0;
  #tcp: TcpProxyFilter;
  #state: "open" | "closing" | "closed" = "open";
  #readDisabled = 0;
  #onFinished: (() => void) | undefined;
  readonly log: (level: number, line: string) => void;

  constructor(opts: FilterManagerOptions) {
    this.transport = opts.transport;
    this.#onFinished = opts.onFinished;
    this.log = opts.log ?? (() => {});
    // One array of its final length per connection (a push onto [] reserves room for 17 elements).
    const installs = opts.filters;
    const filters = new Array<ReadFilter>(installs.length + 1);
    for (let i = 0; i < installs.length; i++) {
      const f = installs[i];
      if (f.kind === "wasm") {
        const filter = f.pool.pop() ?? new WasmNetworkFilter(f);
        filter.attach(this);
        filters[i] = filter;
      } else {
        filters[i] = new FailClosedFilter(this);
      }
    }
    this.#tcp = new TcpProxyFilter(this, opts.tcpProxy);
    filters[installs.length] = this.#tcp;
    this.#filters = filters;
  }

  /** A connection that is already closed: what a pooled filter points at, so a late call does nothing. */
  static closed(): FilterManager {
    const fm = new FilterManager({ transport: NO_TRANSPORT, filters: [], tcpProxy: { kind: "tcp_proxy", statPrefix: "", cluster: "" } });
    fm.#state = "closed";
    return fm;
  }

  get filterState(): Map<string, Uint8Array> {
    return (this.#filterState ??= new Map());
  }

  get open(): boolean { return this.#state === "open"; }
  get state(): string { return this.#state; }

  // -------------------------------------------------------------------------------------------
  // ConnectionHandler

  onNewConnection(): void {
    this.#continueReading(-1);
  }

  onDownstreamData(chunk: Uint8Array, endStream: boolean): void {
    if (this.#state === "closed") return;
    this.readBuffer.add(chunk);
    if (endStream) this.readEndStream = true;
    // While reading is disabled Envoy does not read: the bytes wait for the re-enable.
    if (this.#readDisabled > 0 || this.#state !== "open") return;
    this.#continueReading(-1);
  }

  onUpstreamConnected(): void {
    if (this.#state === "closed") return;
    this.#tcp.upstreamConnected();
  }

  onUpstreamConnectFailed(reason: string): void {
    if (this.#state === "closed") return;
    this.#tcp.connectFailed(reason);
  }

  onUpstreamData(chunk: Uint8Array, endStream: boolean): void {
    if (this.#state === "closed") return;
    this.writeBuffer.add(chunk);
    // Write filters (the wasm ones) run in reverse order (Envoy adds them at the front).
    const filters = this.#filters;
    for (let i = filters.length - 2; i >= 0; i--) {
      const f = filters[i];
      if (!(f instanceof WasmNetworkFilter)) continue;
      if (f.onWrite(this.writeBuffer, endStream) === "stop") return;
      if (this.#state === "closed") return;
    }
    const data = this.writeBuffer.take();
    if (data.length > 0 || endStream) this.transport.writeDownstream(data, endStream);
  }

  onUpstreamClosed(reset: boolean): void {
    if (this.#state === "closed") return;
    this.#tcp.upstreamClosed(reset);
  }

  onDownstreamClosed(local: boolean): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    const peer = local ? PeerType.Local : PeerType.Remote;
    const filters = this.#filters;
    const last = filters.length - 1; // tcp_proxy
    for (let i = 0; i < last; i++) {
      const f = filters[i];
      if (f instanceof WasmNetworkFilter) f.onDownstreamClose(peer);
    }
    this.#tcp.downstreamClosed();
    // Nothing reaches a closed connection's filters any more (every entry point checks the state).
    for (let i = 0; i < last; i++) {
      const f = filters[i];
      if (f instanceof WasmNetworkFilter) f.release();
    }
    this.#onFinished?.();
  }

  // -------------------------------------------------------------------------------------------
  // what filters use

  /** Envoy FilterManagerImpl::onContinueReading: resume after entry `from` (-1: from the top). */
  #continueReading(from: number): void {
    const filters = this.#filters;
    for (let i = from + 1; i < filters.length; i++) {
      if (this.#state !== "open") return;
      const f = filters[i];
      if (i >= this.#initialized) {
        this.#initialized = i + 1;
        if (f.onNewConnection() === "stop" || this.#state !== "open") return;
      }
      if (this.readBuffer.length > 0 || this.readEndStream) {
        if (f.onData(this.readBuffer, this.readEndStream) === "stop" || this.#state !== "open") return;
      }
    }
  }

  continueReadingAfter(filter: ReadFilter): void {
    if (this.#state !== "open" || this.#readDisabled > 0) return;
    this.#continueReading(this.#filters.indexOf(filter));
  }

  readDisable(disable: boolean): void {
    const was = this.#readDisabled;
    this.#readDisabled = Math.max(0, this.#readDisabled + (disable ? 1 : -1));
    if (was === this.#readDisabled) return;
    this.transport.readDisable(this.#readDisabled > 0);
    // Envoy fakes a read event when re-enabled with buffered data, so the chain runs from the top again.
    if (this.#readDisabled === 0 && this.#state === "open" && (this.readBuffer.length > 0 || this.readEndStream)) {
      this.#continueReading(-1);
    }
  }

  /** Connection::close(); flush = FlushWrite. The LocalClose event arrives via onDownstreamClosed. */
  close(flush: boolean, reason: string): void {
    if (this.#state !== "open") return;
    this.#state = "closing";
    this.transport.closeDownstream(flush, reason);
  }

  property(path: string[]): Uint8Array | number | undefined {
    const t = this.transport;
    // The attribute groups themselves are CEL maps that cannot list their keys: Envoy's
    // serializeValue answers SerializationFailure for them.
    if (path.length === 1 && ATTRIBUTE_GROUPS.has(path[0])) return Status.SerializationFailure;
    // Segments stay separate: a dotted "source.address" as one segment is an unknown name (NotFound).
    const key = path.join("\u0000");
    switch (key) {
      case "source\u0000address": return encodeString(formatAddress(t.source));
      case "source\u0000port": return encodeInt64(t.source.port);
      case "destination\u0000address": return encodeString(formatAddress(t.destination));
      case "destination\u0000port": return encodeInt64(t.destination.port);
      case "connection\u0000id": case "connection_id": return encodeUint64(t.connectionId);
      case "connection\u0000mtls": return new Uint8Array([0]);
      case "connection\u0000requested_server_name": return new Uint8Array(0);
      case "upstream\u0000address": case "upstream\u0000port": {
        const up = this.#tcp.connected ? (t as Partial<UpstreamAddressSource>).upstreamAddress?.() : undefined;
        if (!up) return undefined;
        return key === "upstream\u0000address" ? encodeString(formatAddress(up)) : encodeInt64(up.port);
      }
    }
    if (path.length === 1) return this.#filterState?.get(`wasm.${path[0]}`);
    return undefined;
  }
}

const ATTRIBUTE_GROUPS = new Set(["source", "destination", "connection", "upstream"]);

function formatAddress(a: SocketAddress): string {
  return a.address.includes(":") ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

// ---------------------------------------------------------------------------------------------

/**
 * envoy.filters.network.wasm: one stream context, both a read and a write filter. It is also the
 * context's StreamHooks (methods, not closures: one object per connection instead of six).
 */
class WasmNetworkFilter implements ReadFilter, StreamHooks {
  readonly #install: WasmInstall;
  readonly #vm: Vm;
  readonly #root: Context;
  readonly #failOpen: boolean;
  readonly #cb: NetworkCallbacks;
  #fm: FilterManager = DETACHED;
  /** The connection's stream context once created (on_context_create ran). */
  #ctx: Context | undefined;
  /** The context object kept from an earlier connection, rebound to a fresh id by the next one. */
  #spareCtx: Context | undefined;
  #streamFailed = false;
  /** Each direction's buffer while the module may read it (undefined once it continued past it). */
  #downBuf: ConnBuffer | undefined;
  #upBuf: ConnBuffer | undefined;
  // The view the host functions get, made only when a module asks for the bytes (many never do)
  // and reused for the connection's life.
  #downView: BufferView | undefined;
  #upView: BufferView | undefined;
  #closedTcp = false;

  constructor(install: WasmInstall) {
    this.#install = install;
    this.#vm = install.vm;
    this.#root = install.root;
    this.#failOpen = install.failOpen;
    this.#cb = install.callbacks;
  }

  attach(fm: FilterManager): void {
    this.#fm = fm;
  }

  /**
   * The connection is over: back to the install's pool, in the state of a new filter. Only a
   * context the VM has forgotten (on_delete done, or the VM failed) is kept for reuse.
   */
  release(): void {
    const ctx = this.#ctx;
    this.#fm = DETACHED;
    this.#ctx = undefined;
    this.#spareCtx = ctx !== undefined && ctx.deleted ? ctx : undefined;
    this.#streamFailed = false;
    this.#downBuf = this.#upBuf = undefined;
    this.#downView = this.#upView = undefined;
    this.#closedTcp = false;
    if (!this.#vm.failed && this.#install.pool.length < MAX_POOLED_FILTERS) this.#install.pool.push(this);
  }

  /** cpp-host CHECK_FAIL: fail-open continues; fail-closed closes the connection (once) and stops. */
  #checkFail(): FilterStatus | undefined {
    if (!this.#vm.failed) return undefined;
    if (this.#failOpen) return "continue";
    if (!this.#streamFailed) {
      this.#streamFailed = true;
      this.#fm.close(true, "wasm_fail_stream");
    }
    return "stop";
  }

  onNewConnection(): FilterStatus {
    const failed = this.#checkFail();
    if (failed) return failed;
    this.#ctx = this.#vm.createStream(this.#root, this, this.#cb.contextCreate, this.#spareCtx);
    this.#spareCtx = undefined;
    const afterCreate = this.#checkFail();
    if (afterCreate) return afterCreate;
    if (this.#cb.newConnection === undefined) return "continue";
    const r = this.#vm.invoke(this.#cb.newConnection, this.#ctx, this.#ctx.id);
    return this.#checkFail() ?? (r === 0 ? "continue" : "stop");
  }

  onData(buf: ConnBuffer, endStream: boolean): FilterStatus {
    if (!this.#ctx) return "continue";
    const failed = this.#checkFail();
    if (failed) return failed;
    if (this.#cb.downstreamData === undefined) return "continue";
    this.#downBuf = buf;
    const r = this.#vm.invoke(this.#cb.downstreamData, this.#ctx, this.#ctx.id, buf.length, endStream ? 1 : 0);
    const status = this.#checkFail() ?? (r === 0 ? "continue" : "stop");
    if (status === "continue") this.#downBuf = undefined; // Envoy drops the buffer pointer on Continue
    return status;
  }

  onWrite(buf: ConnBuffer, endStream: boolean): FilterStatus {
    if (!this.#ctx) return "continue";
    const failed = this.#checkFail();
    if (failed) return failed;
    let status: FilterStatus = "continue";
    if (this.#cb.upstreamData !== undefined) {
      this.#upBuf = buf;
      const r = this.#vm.invoke(this.#cb.upstreamData, this.#ctx, this.#ctx.id, buf.length, endStream ? 1 : 0);
      status = this.#checkFail() ?? (r === 0 ? "continue" : "stop");
      if (status === "continue") this.#upBuf = undefined;
    }
    // Envoy synthesises the upstream close from the write path's end_stream (peer always Unknown).
    if (endStream && !this.#vm.failed) {
      this.#vm.invoke(this.#cb.upstreamClose, this.#ctx, this.#ctx.id, PeerType.Unknown);
    }
    return status;
  }

  onDownstreamClose(peer: number): void {
    const ctx = this.#ctx;
    if (!ctx || this.#closedTcp) return;
    this.#closedTcp = true;
    this.#downBuf = this.#upBuf = undefined;
    if (this.#vm.failed) { this.#vm.forget(ctx); return; }
    const cb = this.#cb;
    this.#vm.invoke(cb.downstreamClose, ctx, ctx.id, peer);
    // onCloseTCP: done (result ignored) -> log -> delete
    this.#vm.invoke(cb.done, ctx, ctx.id);
    this.#vm.invoke(cb.log, ctx, ctx.id);
    this.#vm.invoke(cb.delete, ctx, ctx.id);
    this.#vm.forget(ctx);
  }


  // StreamHooks

  getBuffer(type: number): AbiBuffer | undefined {
    if (type === BufferType.DownstreamData) {
      const buf = this.#downBuf;
      return buf === undefined ? undefined : (this.#downView = liveView(this.#downView, buf));
    }
    if (type === BufferType.UpstreamData) {
      const buf = this.#upBuf;
      return buf === undefined ? undefined : (this.#upView = liveView(this.#upView, buf));
    }
    return undefined;
  }

  getProperty(path: string[]): Uint8Array | number | undefined {
    return this.#fm.property(path);
  }

  setProperty(path: string, value: Uint8Array): number {
    this.#fm.filterState.set(`wasm.${path}`, value);
    return Status.Ok;
  }

  continueStream(type: number): number {
    if (type === StreamType.Upstream) return Status.Unimplemented;
    if (type === StreamType.Downstream) {
      this.#vm.afterCall(() => {
        this.#downBuf = undefined;
        this.#fm.continueReadingAfter(this);
      });
    }
    return Status.Ok;
  }

  closeStream(type: number): number {
    if (type === StreamType.Downstream || type === StreamType.Upstream) {
      const reason = type === StreamType.Downstream ? "wasm_downstream_close" : "wasm_upstream_close";
      this.#vm.afterCall(() => this.#fm.close(true, reason));
    }
    return Status.Ok;
  }
}

/** `view` when it is over `buf`, else a new view over it. */
function liveView(view: BufferView | undefined, buf: ConnBuffer): BufferView {
  return view !== undefined && view.isViewOf(buf) ? view : new BufferView(buf);
}

const NO_ADDRESS: SocketAddress = { address: "0.0.0.0", port: 0 };
const NO_TRANSPORT: Transport = {
  connectionId: 0n, source: NO_ADDRESS, destination: NO_ADDRESS,
  connectUpstream() {}, writeUpstream() {}, writeDownstream() {}, closeDownstream() {}, closeUpstream() {}, readDisable() {},
};

/** Installed in place of a failed FAIL_CLOSED plugin: closes every new connection. */
class FailClosedFilter implements ReadFilter {
  readonly #fm: FilterManager;
  constructor(fm: FilterManager) { this.#fm = fm; }
  onNewConnection(): FilterStatus {
    this.#fm.close(true, "wasm_fail_stream");
    return "stop";
  }
  onData(): FilterStatus { return "stop"; }
}

/** envoy.filters.network.tcp_proxy reduced to one upstream: connect on init, forward both ways. */
class TcpProxyFilter implements ReadFilter {
  readonly #fm: FilterManager;
  readonly spec: TcpProxySpec;
  connected = false;
  #connecting = false;
  #upstreamGone = false;
  #sentEndStream = false;

  constructor(fm: FilterManager, spec: TcpProxySpec) {
    this.#fm = fm;
    this.spec = spec;
  }

  onNewConnection(): FilterStatus {
    this.#connecting = true;
    // No downstream reads until the upstream is there (tcp_proxy initializeUpstreamConnection).
    this.#fm.readDisable(true);
    this.#fm.transport.connectUpstream();
    return "stop";
  }

  onData(buf: ConnBuffer, endStream: boolean): FilterStatus {
    if (!this.connected || this.#sentEndStream) return "stop";
    const data = buf.take();
    if (data.length > 0 || endStream) this.#fm.transport.writeUpstream(data, endStream);
    if (endStream) this.#sentEndStream = true;
    return "stop";
  }

  upstreamConnected(): void {
    if (!this.#connecting) return;
    this.#connecting = false;
    this.connected = true;
    this.#fm.readDisable(false);
  }

  connectFailed(reason: string): void {
    this.#connecting = false;
    this.#upstreamGone = true;
    this.#fm.log(LogLevel.debug, `tcp_proxy ${this.spec.statPrefix}: upstream connect failed: ${reason}`);
    this.#fm.close(false, `upstream_connect_failed: ${reason}`);
  }

  upstreamClosed(reset: boolean): void {
    this.#upstreamGone = true;
    this.connected = false;
    // tcp_proxy closes the downstream with FlushWrite on any upstream close event.
    this.#fm.close(true, reset ? "upstream_reset" : "upstream_closed");
  }

  downstreamClosed(): void {
    if ((this.connected || this.#connecting) && !this.#upstreamGone) {
      this.#upstreamGone = true;
      this.#fm.transport.closeUpstream();
    }
  }
}

// Last: it constructs the classes above.
const DETACHED = FilterManager.closed();
