// The service's metric names and queue name, declared once. Per-resource gauges append
// `_resource=<name>;` (the `resource` stats tag; see envoy-configs/README.md).
export { REPORTS_QUEUE } from "../../filter/assembly/ledger/keys";
export const REPORTS_RECEIVED: string = "sentinel.service.reports_received";
/** Items that were not a valid WorkerReport (verification failed), or reports for another rule set. */
export const REPORTS_MALFORMED: string = "sentinel.service.reports_malformed";
/** Reports missing from a VM's sequence (recovered for totals through the cumulative counters). */
export const REPORTS_LOST: string = "sentinel.service.reports_lost";
export const TABLES_PUBLISHED: string = "sentinel.service.tables_published";
/** Gauge: worker VMs that reported within the expiry period. */
export const WORKERS: string = "sentinel.service.workers";

/** Passes aggregated from all workers (cumulative): equals the sum of the filters' sentinel.entry.pass. */
export const AGG_PASS: string = "sentinel.service.pass";
// Global window gauges (Sentinel's default 1 s view over all workers), set at each publication.
export const WINDOW_PASS: string = "sentinel.window.pass";
export const WINDOW_BLOCK: string = "sentinel.window.block";
export const WINDOW_COMPLETE: string = "sentinel.window.complete";
export const WINDOW_ERROR: string = "sentinel.window.error";
export const WINDOW_AVG_RT: string = "sentinel.window.avg_rt_ms";
export const WINDOW_CONCURRENCY: string = "sentinel.window.concurrency";
/** Gauge: the most severe state among the resource's breakers (0 Closed, 1 HalfOpen, 2 Open). */
export const CB_STATE: string = "sentinel.circuit_breaker.state";
export const CB_OPENED: string = "sentinel.circuit_breaker.opened";

export function tagged(name: string, resource: string): string {
  return name + "_resource=" + resource + ";";
}
