// The filter's metric names, declared once; tests assert on these exact strings (Envoy shows them
// as `wasmcustom.<name>`). Per-resource stats append `_resource=<name>;` (envoy-configs/README.md:
// the `resource` stats tag cuts it out of the name and makes it a label).
export const CX_TOTAL: string = "sentinel.filter.cx_total";
export const CX_ACTIVE: string = "sentinel.filter.cx_active";

export const PASS: string = "sentinel.entry.pass";
export const COMPLETE: string = "sentinel.entry.complete";
export const ERROR: string = "sentinel.entry.error";
/** Gauge: open admitted connections of the resource (each worker adds its own: Envoy sums them). */
export const ACTIVE: string = "sentinel.entry.active";
/** Histogram of entry RT in ms (lifetime or first byte, per rtMode). */
export const RT_MS: string = "sentinel.entry.rt_ms";
export const BLOCK_FLOW: string = "sentinel.block.flow";
export const BLOCK_ISOLATION: string = "sentinel.block.isolation";
export const BLOCK_CIRCUIT_BREAKING: string = "sentinel.block.circuit_breaking";
export const BLOCK_STALE: string = "sentinel.block.stale_fallback";
/** Connections decided by the fallback policy because the decision table was stale. */
export const FALLBACK_DECISIONS: string = "sentinel.fallback.decisions";
/** Gauge: worker VMs currently in fallback (each adds 1 while stale). */
export const FALLBACK_ACTIVE: string = "sentinel.fallback.active";
/** Breaker transitions, counted by whichever VM made them (exactly one per transition). */
export const CB_OPENED: string = "sentinel.circuit_breaker.opened";
export const CB_HALF_OPENED: string = "sentinel.circuit_breaker.half_opened";
export const CB_CLOSED_COUNT: string = "sentinel.circuit_breaker.closed";
/** Ledger operations abandoned (host failure or every CAS attempt lost); the connection was admitted. */
export const INTERNAL_ERROR: string = "sentinel.internal_error";

/** `name_resource=<resource>;` */
export function tagged(name: string, resource: string): string {
  return name + "_resource=" + resource + ";";
}
