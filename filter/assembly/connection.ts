// One downstream connection = one Sentinel entry: decided at on_new_connection, exited when the
// connection ends. The context is recycled by its root after on_delete (no allocation per
// connection after warm-up); byte times are read only when RT is measured to the first byte.
import { BaseContext, TcpContext, FilterStatus, LogLevel, PeerType, log, nowMs } from "../../abi/assembly";
import { BLOCK_NONE } from "../../sentinel/assembly/index";
import { FilterRoot } from "./filter";
import { MODE_GLOBAL } from "./modes";

const P: string = "sentinel_filter: ";

export class FilterConnection extends TcpContext {
  admitted: bool = false;
  blocked: bool = false;
  completed: bool = false;
  mode: u8 = MODE_GLOBAL;
  upstreamClosed: bool = false;
  upstreamByte: bool = false;
  localGeneration: u32 = 0;
  startMs: u64 = 0;
  firstDownMs: u64 = 0;
  firstUpMs: u64 = 0;
  probeMask: u64 = 0;
  blockRule: i32 = 0;
  blockSnapshot: f64 = 0;

  @inline get filterRoot(): FilterRoot { return changetype<FilterRoot>(this.root); }

  onNewConnection(): u32 {
    const root = this.filterRoot;
    root.cxTotal.addLater();
    root.cxActive.addLater(1);
    root.openConnections++;
    if (log.enabled(LogLevel.Debug)) log.debug(P + "new connection " + this.id.toString());
    const now = nowMs();
    if (root.idleTicking) root.wake(now);
    this.startMs = now;
    const t = root.decide(this, now);
    if (t == BLOCK_NONE) {
      this.admitted = true;
      root.onAdmitted(this, now);
      return FilterStatus.Continue;
    }
    this.blocked = true;
    root.onBlocked(this, t, now);
    this.closeDownstream();
    return FilterStatus.StopIteration;
  }

  onDownstreamData(length: u32, endOfStream: bool): u32 {
    if (this.blocked) return FilterStatus.StopIteration;
    // Byte times matter only for first-byte RT: lifetime RT spends no clock read here.
    if (this.firstDownMs == 0 && length > 0 && this.filterRoot.firstByteRt) this.firstDownMs = nowMs();
    return FilterStatus.Continue;
  }

  onUpstreamData(length: u32, endOfStream: bool): u32 {
    if (!this.upstreamByte && length > 0) {
      this.upstreamByte = true;
      if (this.filterRoot.firstByteRt) this.firstUpMs = nowMs();
    }
    return FilterStatus.Continue;
  }

  onUpstreamClose(peer: u32): void {
    this.upstreamClosed = true;
  }

  onDownstreamClose(peer: u32): void {
    this.finish(peer);
  }

  onDone(): bool {
    this.finish(PeerType.Unknown);
    return true;
  }

  onDelete(): void {
    this.finish(PeerType.Unknown);
    const root = this.filterRoot;
    root.cxActive.addLater(-1);
    if (root.openConnections > 0) root.openConnections--;
    if (root.draining) root.flushMetrics(); // no tick flushes any more
    // The dispatcher has forgotten this id: no callback reaches this object until it is reused.
    root.recycle(this);
  }

  /** Makes a recycled context the context of connection `id`, as if new. */
  reuse(id: u32): void {
    // BaseContext.id is readonly to module code; the dispatcher only reads it, so rebinding a context
    // it no longer knows is safe.
    store<u32>(changetype<usize>(this) + offsetof<BaseContext>("id"), id);
    this.admitted = false;
    this.blocked = false;
    this.completed = false;
    this.mode = MODE_GLOBAL;
    this.upstreamClosed = false;
    this.upstreamByte = false;
    this.localGeneration = 0;
    this.startMs = 0;
    this.firstDownMs = 0;
    this.firstUpMs = 0;
    this.probeMask = 0;
    this.blockRule = 0;
    this.blockSnapshot = 0;
  }

  private finish(peer: u32): void {
    if (!this.admitted || this.completed) return;
    this.completed = true;
    this.filterRoot.complete(this, nowMs(), peer);
  }

  /** Lifetime: accept to close. First byte: first downstream byte (or accept, if the upstream speaks first) to first upstream byte. */
  rtMs(now: u64, firstByte: bool): u64 {
    if (!firstByte) return now > this.startMs ? now - this.startMs : 0;
    let from = this.startMs;
    if (this.firstDownMs != 0 && (this.firstUpMs == 0 || this.firstDownMs <= this.firstUpMs)) from = this.firstDownMs;
    const to = this.firstUpMs != 0 ? this.firstUpMs : now;
    return to > from ? to - from : 0;
  }
}
