// The filter's plugin configuration: Sentinel's document (sentinel/README.md) plus the keys the
// filter owns. Every problem is one sentence naming the resource, the field and the value.
//
//   {"resource": "tcp:orders", "flowRules": [...], "isolationRules": [...], "circuitBreakerRules": [...],
//    "stat": {...},
//    "rtMode": "lifetime" | "firstByte",          RT of an entry (default "lifetime")
//    "fallback": "local" | "failOpen" | "failClosed",  policy while decisions are stale (default "local")
//    "staleAfterMs": 1000,                         decision table older than this = stale (50..600000)
//    "workers": 4,                                 worker count for "local" (default: from the table, else 1)
//    "tickPeriodMs": 20}                           report / table-read period (5..1000)
import {
  decodeConfig, SentinelConfig, JsonValue, KIND_STRING, KIND_NUMBER, KIND_NULL, quote, kindName,
} from "../../sentinel/assembly/index";
import { numberText } from "../../sentinel/assembly/rules/format";

// @ts-ignore: decorator
@inline export const RT_LIFETIME: i32 = 0;
// @ts-ignore: decorator
@inline export const RT_FIRST_BYTE: i32 = 1;
// @ts-ignore: decorator
@inline export const FALLBACK_LOCAL: i32 = 0;
// @ts-ignore: decorator
@inline export const FALLBACK_FAIL_OPEN: i32 = 1;
// @ts-ignore: decorator
@inline export const FALLBACK_FAIL_CLOSED: i32 = 2;

export const FILTER_KEYS: Array<string> = ["rtMode", "fallback", "staleAfterMs", "workers", "tickPeriodMs"];

export class FilterConfig {
  sentinel: SentinelConfig = new SentinelConfig();
  resource: string = "";
  rtMode: i32 = RT_LIFETIME;
  fallback: i32 = FALLBACK_LOCAL;
  staleAfterMs: u32 = 1000;
  /** 0 = take the worker count from the decision table. */
  workers: u32 = 0;
  tickPeriodMs: u32 = 20;
}

export class FilterConfigResult {
  config: FilterConfig | null = null;
  error: string | null = null;
}

function fail(res: FilterConfigResult, resource: string, msg: string): FilterConfigResult {
  const prefix: string = resource.length > 0 ? "resource " + quote(resource) + ": " : "";
  res.error = prefix + msg;
  return res;
}

function shown(v: JsonValue): string {
  if (v.kind == KIND_STRING) return "string " + quote(v.str);
  if (v.kind == KIND_NUMBER) return numberText(v);
  return kindName(v.kind);
}

/** Reads an integer extra within [lo, hi]; returns an error sentence or null (value into out[0]). */
function readInt(v: JsonValue, name: string, lo: u32, hi: u32, out: StaticArray<u32>): string | null {
  if (v.kind != KIND_NUMBER || v.num != Math.floor(v.num)) {
    return "field " + quote(name) + " must be an integer, got " + shown(v);
  }
  if (v.num < <f64>lo || v.num > <f64>hi) {
    return "field " + quote(name) + " must be between " + lo.toString() + " and " + hi.toString() + ", got " + numberText(v);
  }
  out[0] = <u32>v.num;
  return null;
}

export function decodeFilterConfig(bytes: Uint8Array, requireResource: bool): FilterConfigResult {
  const res = new FilterConfigResult();
  const r = decodeConfig(bytes, FILTER_KEYS);
  if (!r.ok) return fail(res, "", r.error!);
  const s = r.config!;
  const cfg = new FilterConfig();
  cfg.sentinel = s;
  if (requireResource && !s.hasResource) {
    return fail(res, "", "configuration field \"resource\" is required: the resource name of this listener (e.g. \"tcp:orders\")");
  }
  cfg.resource = s.resource;
  const R = cfg.resource;
  const tmp = new StaticArray<u32>(1);
  for (let i = 0; i < s.extraKeys.length; i++) {
    const k = s.extraKeys[i];
    const v = s.extraValues[i];
    if (v.kind == KIND_NULL) continue;
    if (k == "rtMode") {
      if (v.kind == KIND_STRING && v.str == "lifetime") cfg.rtMode = RT_LIFETIME;
      else if (v.kind == KIND_STRING && v.str == "firstByte") cfg.rtMode = RT_FIRST_BYTE;
      else return fail(res, R, "field \"rtMode\" must be \"lifetime\" or \"firstByte\", got " + shown(v));
    } else if (k == "fallback") {
      if (v.kind == KIND_STRING && v.str == "local") cfg.fallback = FALLBACK_LOCAL;
      else if (v.kind == KIND_STRING && v.str == "failOpen") cfg.fallback = FALLBACK_FAIL_OPEN;
      else if (v.kind == KIND_STRING && v.str == "failClosed") cfg.fallback = FALLBACK_FAIL_CLOSED;
      else return fail(res, R, "field \"fallback\" must be \"local\", \"failOpen\" or \"failClosed\", got " + shown(v));
    } else if (k == "staleAfterMs") {
      const e = readInt(v, k, 50, 600000, tmp);
      if (e !== null) return fail(res, R, e);
      cfg.staleAfterMs = tmp[0];
    } else if (k == "workers") {
      const e = readInt(v, k, 1, 1024, tmp);
      if (e !== null) return fail(res, R, e);
      cfg.workers = tmp[0];
    } else if (k == "tickPeriodMs") {
      const e = readInt(v, k, 5, 1000, tmp);
      if (e !== null) return fail(res, R, e);
      cfg.tickPeriodMs = tmp[0];
    }
  }
  return finish(res, cfg);
}

function finish(res: FilterConfigResult, cfg: FilterConfig): FilterConfigResult {
  res.config = cfg;
  return res;
}
