// Sentinel L4 filter, issue-2 version: a pass-through TcpContext that counts connections. The real
// flow-control logic replaces the bodies later; the wiring (root id, config check, metrics) stays.
import {
  registerRootContext, RootContext, TcpContext, FilterStatus, LogLevel, Counter, Gauge, log,
} from "../../abi/assembly";
import { CX_ACTIVE, CX_TOTAL } from "./stats";

export const ROOT_ID: string = "sentinel_filter";

/** Cheap shape check until the real config parser lands: a non-empty JSON object text. */
export function looksLikeJsonObject(text: string): bool {
  const t = text.trim();
  return t.length >= 2 && t.charCodeAt(0) == 0x7b /* { */ && t.charCodeAt(t.length - 1) == 0x7d /* } */;
}

class FilterRoot extends RootContext {
  readonly cxTotal: Counter = new Counter(CX_TOTAL);
  readonly cxActive: Gauge = new Gauge(CX_ACTIVE);

  onConfigure(pluginConfigSize: u32): bool {
    const bytes = this.getPluginConfig();
    if (bytes === null) {
      log.error("sentinel_filter: plugin configuration is empty; expected a JSON object");
      return false;
    }
    if (!looksLikeJsonObject(String.UTF8.decode(bytes, false))) {
      log.error("sentinel_filter: plugin configuration is not a JSON object (" + bytes.byteLength.toString() + " bytes)");
      return false;
    }
    // Defined here, not per connection: a connection then only increments.
    this.cxTotal.define();
    this.cxActive.define();
    return true;
  }

  createStreamContext(id: u32): TcpContext | null {
    return new FilterConnection(id, this);
  }
}

class FilterConnection extends TcpContext {
  onNewConnection(): u32 {
    const root = changetype<FilterRoot>(this.root);
    root.cxTotal.increment(1);
    root.cxActive.add(1);
    if (log.enabled(LogLevel.Debug)) log.debug("sentinel_filter: new connection " + this.id.toString());
    return FilterStatus.Continue;
  }

  onDelete(): void {
    changetype<FilterRoot>(this.root).cxActive.add(-1);
  }
}

/** Registers the filter's root context factory under ROOT_ID. No hostcall: safe at top level. */
export function registerFilter(): void {
  registerRootContext(ROOT_ID, (id: u32): RootContext => new FilterRoot(id));
}
