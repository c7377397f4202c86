// Sentinel singleton Wasm service, issue-2 version: owns the `sentinel_reports` queue, drains it
// when notified (and on each tick, in case a notification was dropped), counts what it received.
// Aggregation of the reports replaces the drain body later.
import {
  registerRootContext, RootContext, Counter, registerSharedQueue, drainSharedQueue, QueueConsumer, lastStatus,
  wasmResultName, log, WasmResult,
} from "../../abi/assembly";
import { REPORTS_QUEUE, REPORTS_RECEIVED } from "./stats";

export const ROOT_ID: string = "sentinel_service";
const TICK_MS: u32 = 100;
// Bound on items handled per callback, so one callback never runs unbounded.
const MAX_DRAIN: i32 = 1024;

class ServiceRoot extends RootContext {
  queueToken: u32 = 0;
  readonly received: Counter = new Counter(REPORTS_RECEIVED);

  onVmStart(vmConfigSize: u32): bool {
    this.queueToken = registerSharedQueue(REPORTS_QUEUE);
    if (this.queueToken == 0) {
      log.error("sentinel_service: cannot register queue " + REPORTS_QUEUE + ": " + wasmResultName(lastStatus()));
      return false;
    }
    this.received.define();
    this.setTickPeriod(TICK_MS);
    log.info("sentinel_service: started; queue " + REPORTS_QUEUE + " token " + this.queueToken.toString());
    return true;
  }

  onQueueReady(token: u32): void {
    if (token == this.queueToken) this.drain();
  }

  onTick(): void {
    this.drain();
  }

  drain(): i32 {
    const n = drainSharedQueue(this.queueToken, this.reports, MAX_DRAIN);
    const s = lastStatus();
    if (s != WasmResult.Empty && s != WasmResult.Ok) log.warn("sentinel_service: dequeue failed: " + wasmResultName(s));
    if (n > 0) this.received.increment(n);
    return n;
  }

  readonly reports: ReportConsumer = new ReportConsumer();
}

/** Issue-2: reports are only counted; aggregation replaces this. */
class ReportConsumer extends QueueConsumer {
  onItem(item: ArrayBuffer): void {}
}

/** Registers the service's root context factory under ROOT_ID. No hostcall: safe at top level. */
export function registerService(): void {
  registerRootContext(ROOT_ID, (id: u32): RootContext => new ServiceRoot(id));
}
