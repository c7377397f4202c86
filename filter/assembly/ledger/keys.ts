// Shared-data keys and rule fingerprints, the same in filter/ and service/ (both import this file).
// Keys are per (kind, rule index among the resource's rules of that kind, resource): two listeners
// with the same resource name and rules share one limit, as one Sentinel resource does.
import { fnv1a32 } from "../../../shared-schema/assembly/index";
import { CircuitBreakerRule } from "../../../sentinel/assembly/index";

export const TABLE_KEY: string = "sentinel/decisions";
export const VM_SEQ_KEY: string = "sentinel/vm_seq";
export const REPORTS_QUEUE: string = "sentinel_reports";

export function flowKey(resource: string, index: i32): string {
  return "sentinel/flow/" + index.toString() + "/" + resource;
}

export function slotKey(resource: string, index: i32): string {
  return "sentinel/isolation/" + index.toString() + "/" + resource;
}

/**
 * The filter's configuration document for a resource, published at configure time so that a service
 * configured without that resource's rules can still aggregate them (breakers included).
 */
export function rulesKey(resource: string): string {
  return "sentinel/rules/" + resource;
}

export function breakerKey(resource: string, index: i32): string {
  return "sentinel/breaker/" + index.toString() + "/" + resource;
}

/** Identifies a breaker rule's parameters: a word written under other parameters is reset. */
export function breakerFingerprint(r: CircuitBreakerRule): u32 {
  const text = r.resource + "|" + r.strategy.toString() + "|" + r.retryTimeoutMs.toString() + "|" +
    r.minRequestAmount.toString() + "|" + r.statIntervalMs.toString() + "|" + r.statSlidingWindowBucketCount.toString() + "|" +
    r.maxAllowedRtMs.toString() + "|" + r.threshold.toString() + "|" + r.probeNum.toString();
  const bytes = String.UTF8.encode(text, false);
  return fnv1a32(changetype<usize>(bytes), <usize>bytes.byteLength);
}
