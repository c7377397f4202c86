// The contexts module code extends. Every callback has a no-op default, so a module overrides only
// what it needs (like the Rust SDK's traits.rs). The dispatcher (dispatcher.ts) creates and calls
// these objects; module code never sees context ids in callbacks except through `this.id`.
//
//   RootContext  one per plugin per VM (Envoy: per plugin key), created from the factory registered
//                under the plugin's root_id. Lifecycle: onVmStart → onConfigure → (onTick,
//                onQueueReady)* → onDone → onDelete.
//   TcpContext   one per downstream connection, created by its root's createStreamContext.
//                Lifecycle: onNewConnection → (onDownstreamData | onUpstreamData)* →
//                [onUpstreamClose] → onDownstreamClose → onDone → onLog → onDelete.
import * as host from "./hostcalls";
import { BufferType, FilterStatus, StreamType } from "./types";

export class BaseContext {
  constructor(public readonly id: u32) {}

  /** Makes this context the host's current one (needed before hostcalls from another context's callback). */
  setEffectiveContext(): u32 {
    return host.setEffectiveContext(this.id);
  }

  /** Response to an httpCall made from this context. */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: u32, numTrailers: u32): void {}
  onGrpcReceiveInitialMetadata(token: u32, numHeaders: u32): void {}
  onGrpcReceive(token: u32, messageSize: u32): void {}
  onGrpcReceiveTrailingMetadata(token: u32, numTrailers: u32): void {}
  onGrpcClose(token: u32, statusCode: u32): void {}

  /** Host is finished with the context: true lets it be deleted now, false defers until done(). */
  onDone(): bool {
    return true;
  }

  /** After onDone (stream contexts only in Envoy): final logging/accounting. */
  onLog(): void {}

  /** Last call for this context: release per-context state here. */
  onDelete(): void {}
}

export class RootContext extends BaseContext {
  /** The plugin's root_id (set by the dispatcher right after the factory returns). */
  rootId: string = "";
  /** Size announced to the latest onVmStart / onConfigure (what getVmConfig/getPluginConfig read). */
  vmConfigSize: u32 = 0;
  pluginConfigSize: u32 = 0;

  constructor(id: u32) {
    super(id);
  }

  /** Once per root context per VM (not once per VM). Return false to fail the VM start. */
  onVmStart(vmConfigSize: u32): bool {
    return true;
  }

  /** Plugin configuration arrived; return false to reject it (Envoy then rejects the config). */
  onConfigure(pluginConfigSize: u32): bool {
    return true;
  }

  onTick(): void {}

  onQueueReady(token: u32): void {}

  onForeignFunction(functionId: u32, argumentsSize: u32): void {}

  /**
   * Called for each new connection (or HTTP stream) of this plugin. Return null to let the stream
   * pass untouched (every callback then answers Continue). The default passes everything through.
   */
  createStreamContext(id: u32): TcpContext | null {
    return new TcpContext(id, this);
  }

  /** Plugin configuration bytes; valid only during onConfigure. null when empty or unavailable. */
  getPluginConfig(): ArrayBuffer | null {
    if (this.pluginConfigSize == 0) return null;
    return host.getBufferBytes(BufferType.PluginConfiguration, 0, this.pluginConfigSize);
  }

  /** VM configuration bytes (vm_config.configuration); null when empty or unavailable. */
  getVmConfig(): ArrayBuffer | null {
    if (this.vmConfigSize == 0) return null;
    return host.getBufferBytes(BufferType.VmConfiguration, 0, this.vmConfigSize);
  }

  /** Ticks this root every `periodMs` (first tick one period from now); 0 stops. */
  setTickPeriod(periodMs: u32): u32 {
    return host.setTickPeriodMilliseconds(periodMs);
  }

  /** Completes a shutdown that onDone deferred by returning false. */
  done(): u32 {
    return host.done();
  }
}

/** An L4 connection. Defaults pass everything through. */
export class TcpContext extends BaseContext {
  constructor(id: u32, public readonly root: RootContext) {
    super(id);
  }

  /** Continue lets tcp_proxy connect; StopIteration holds the connection (no upstream yet). */
  onNewConnection(): u32 {
    return FilterStatus.Continue;
  }

  /** `length` is everything buffered so far: after a StopIteration earlier bytes are shown again. */
  onDownstreamData(length: u32, endOfStream: bool): u32 {
    return FilterStatus.Continue;
  }

  /** StopIteration on upstream data cannot be undone with continueStream (Envoy: Unimplemented). */
  onUpstreamData(length: u32, endOfStream: bool): u32 {
    return FilterStatus.Continue;
  }

  /** peer: PeerType.Local (we/Envoy closed) or Remote (client closed). Done/log/delete follow. */
  onDownstreamClose(peer: u32): void {}

  /** Only after the upstream's FIN reached the write path; peer is always Unknown in Envoy. */
  onUpstreamClose(peer: u32): void {}

  /** Bytes of the downstream buffer from `start`; null when unavailable (see lastStatus). */
  getDownstreamData(start: u32 = 0, maxSize: u32 = u32.MAX_VALUE): ArrayBuffer | null {
    return host.getBufferBytes(BufferType.DownstreamData, start, clampMax(start, maxSize));
  }

  getUpstreamData(start: u32 = 0, maxSize: u32 = u32.MAX_VALUE): ArrayBuffer | null {
    return host.getBufferBytes(BufferType.UpstreamData, start, clampMax(start, maxSize));
  }

  /** Envoy L4 rules: start 0 drains `size` bytes then prepends; start >= length appends; else BadArgument. */
  setBuffer(bufferType: u32, start: u32, size: u32, data: ArrayBuffer): u32 {
    return host.setBufferBytes(bufferType, start, size, data);
  }

  /** Resumes a downstream held by StopIteration (takes effect after the callback returns). */
  continueDownstream(): u32 {
    return host.continueStream(StreamType.Downstream);
  }

  /** Closes the connection after flushing pending writes; reason "wasm_downstream_close". */
  closeDownstream(): u32 {
    return host.closeStream(StreamType.Downstream);
  }

  /** In Envoy this closes the same downstream connection (reason "wasm_upstream_close"). */
  closeUpstream(): u32 {
    return host.closeStream(StreamType.Upstream);
  }
}

// Envoy answers BadArgument when start + max overflows 32 bits, so "everything from start" is
// the largest max that does not.
function clampMax(start: u32, maxSize: u32): u32 {
  const room = u32.MAX_VALUE - start;
  return maxSize > room ? room : maxSize;
}
