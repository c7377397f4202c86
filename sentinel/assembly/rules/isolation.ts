// Isolation (concurrency) rules: Sentinel Go's core/isolation Rule and IsValidRule.
import { JsonValue } from "../json/value";
import { RuleReader, fieldIndex } from "./fields";

// @ts-ignore: decorator
@inline export const CONCURRENCY: i32 = 0;
export const METRIC_TYPE_NAMES: StaticArray<string> = ["Concurrency"];

export class IsolationRule {
  id: string = "";
  resource: string = "";
  metricType: i32 = CONCURRENCY;
  /** Maximum in-flight entries (open connections at L4). */
  threshold: u32 = 0;
  regex: bool = false;
}

const FIELDS: StaticArray<string> = ["id", "resource", "metricType", "threshold", "regex"];

export function decodeIsolationFields(v: JsonValue, r: RuleReader, out: IsolationRule): void {
  if (!r.begin(v, "resource")) return;
  for (let i = 0; i < v.keys.length && r.ok; i++) {
    const key = v.keys[i];
    const val = v.items[i];
    switch (fieldIndex(key, FIELDS)) {
      case 0: out.id = r.readString("id", val, out.id); break;
      case 1: out.resource = r.readString("resource", val, out.resource); break;
      case 2: out.metricType = <i32>r.readEnum("metricType", val, METRIC_TYPE_NAMES, -2147483648, 2147483647, out.metricType); break;
      case 3: out.threshold = <u32>r.readUnsigned("threshold", val, 4294967295, out.threshold); break;
      case 4: out.regex = r.readBool("regex", val, out.regex); break;
      default: r.unknownField(key);
    }
  }
}

/** Sentinel Go's isolation IsValidRule. */
export function validateIsolationRule(rule: IsolationRule, r: RuleReader): void {
  if (rule.resource.length == 0) { r.fail("field \"resource\" must not be empty"); return; }
  if (rule.metricType != CONCURRENCY) { r.fail("field \"metricType\" must be 0 (Concurrency), got " + rule.metricType.toString()); return; }
  if (rule.threshold == 0) { r.fail("field \"threshold\" must be > 0, got 0"); return; }
}

export function decodeIsolationRule(v: JsonValue, index: i32, out: IsolationRule): string | null {
  const r = new RuleReader("isolation", index);
  decodeIsolationFields(v, r, out);
  if (r.ok) validateIsolationRule(out, r);
  if (r.ok && out.regex) r.fail("field \"regex\" value true is not implemented yet; resource must be an exact name");
  return r.error;
}
