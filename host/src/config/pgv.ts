// The protoc-gen-validate rules Envoy checks when it loads a config, read from the `(validate.rules)`
// field options of the vendored protos. Enforced subset (see README.md):
//   message.required, message.skip; (validate.required) on oneofs; (validate.disabled|ignored) on messages
//   string: const, len, min_len, max_len, len_bytes, min_bytes, max_bytes, prefix, suffix, contains,
//           not_contains, in, not_in, ignore_empty
//   bytes: len, min_len, max_len, ignore_empty
//   every integer/float kind and their wrappers: const, lt, lte, gt, gte, in, not_in, ignore_empty
//   bool: const; enum: const, defined_only (always, see proto-json.ts), in, not_in
//   duration / any: required, (duration) const, lt, lte, gt, gte, (any) in, not_in
//   repeated: min_items, max_items, unique, items; map: min_pairs, max_pairs, keys, values
// Not enforced: string pattern / well_known_regex / email / hostname / ip / address / uri / uuid,
// timestamp rules. A value that violates one of those passes here and is left to the subset checks.

import protobuf from "protobufjs";
import { ConfigError, indexPath, keyPath } from "./config-error.ts";
import type { ProtoAny, ProtoDuration } from "./proto-json.ts";

type Rules = Record<string, any>;

const NUMERIC_KINDS = new Set([
  "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64", "double", "float",
]);

function mergeOption(parsed: unknown, key: string): Rules | undefined {
  if (!Array.isArray(parsed)) return undefined;
  let out: Rules | undefined;
  for (const entry of parsed) {
    if (entry && typeof entry === "object" && key in entry) out = deepMerge(out ?? {}, (entry as Rules)[key]);
  }
  return out;
}

function deepMerge(a: Rules, b: unknown): Rules {
  if (!b || typeof b !== "object") return a;
  for (const [k, v] of Object.entries(b)) {
    a[k] = v && typeof v === "object" && !Array.isArray(v) && a[k] && typeof a[k] === "object" ? deepMerge(a[k], v) : v;
  }
  return a;
}

const fieldRulesCache = new WeakMap<protobuf.Field, Rules | null>();

function fieldRules(field: protobuf.Field): Rules | undefined {
  let r = fieldRulesCache.get(field);
  if (r === undefined) {
    r = mergeOption(field.parsedOptions, "(validate.rules)") ?? null;
    fieldRulesCache.set(field, r);
  }
  return r ?? undefined;
}

export function messageValidationDisabled(type: protobuf.Type): boolean {
  const parsed = type.parsedOptions;
  if (!Array.isArray(parsed)) return false;
  return parsed.some((e: Rules) => e && (e["(validate.disabled)"] === true || e["(validate.ignored)"] === true));
}

export function checkOneofRequired(oneof: protobuf.OneOf, msg: Record<string, unknown>, path: string): void {
  const flag = Array.isArray(oneof.parsedOptions) && oneof.parsedOptions.some((e: Rules) => e && e["(validate.required)"] === true);
  if (!flag) return;
  if (oneof.oneof.some((name) => name in msg)) return;
  throw new ConfigError(path, `one of ${oneof.oneof.map((n) => `"${n}"`).join(", ")} is required (oneof "${oneof.name}" has validate.required)`);
}

function fail(path: string, what: string, rule: string): never {
  throw new ConfigError(path, `${what} (validate rule ${rule})`);
}

/**
 * Check one field's rules. `value` is the normalized value (undefined when absent); proto3 scalars
 * without explicit presence are checked against their default when absent, as PGV does.
 */
export function checkFieldRules(field: protobuf.Field, value: unknown, present: boolean, path: string, explicitPresence: boolean): void {
  const rules = fieldRules(field);
  if (!rules) return;
  if (field.map) {
    checkMap(rules.map, (value ?? {}) as Record<string, unknown>, path, field);
    return;
  }
  if (field.repeated) {
    checkRepeated(rules.repeated, (value ?? []) as unknown[], path, field);
    return;
  }
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Type) {
    if (!present) {
      if (rules.message?.required === true) fail(path, "is required", "message.required");
      if (rules.duration?.required === true) fail(path, "is required", "duration.required");
      if (rules.any?.required === true) fail(path, "is required", "any.required");
      if (rules.timestamp?.required === true) fail(path, "is required", "timestamp.required");
      return;
    }
    checkValue(rules, value, path, field);
    return;
  }
  if (!present) {
    if (explicitPresence) return;
    value = defaultOf(field);
  }
  checkValue(rules, value, path, field);
}

function defaultOf(field: protobuf.Field): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return field.resolvedType.valuesById[0];
  switch (field.type) {
    case "string": return "";
    case "bytes": return new Uint8Array(0);
    case "bool": return false;
    case "int64": case "uint64": case "sint64": case "fixed64": case "sfixed64": return 0n;
    default: return 0;
  }
}

/** Apply a FieldRules object (one of string/bytes/<number>/bool/enum/duration/any) to one value. */
function checkValue(rules: Rules, value: unknown, path: string, field: protobuf.Field): void {
  for (const [kind, r] of Object.entries(rules)) {
    if (!r || typeof r !== "object") continue;
    if (kind === "string") checkString(r, value as string, path);
    else if (kind === "bytes") checkBytes(r, value as Uint8Array, path);
    else if (NUMERIC_KINDS.has(kind)) checkNumber(r, value as number | bigint, path, kind);
    else if (kind === "bool") {
      if (r.const !== undefined && value !== r.const) fail(path, `must be ${r.const}`, "bool.const");
    } else if (kind === "enum") checkEnum(r, value as string, path, field);
    else if (kind === "duration") checkDuration(r, value as ProtoDuration, path);
    else if (kind === "any") checkAny(r, value as ProtoAny, path);
  }
}

function checkString(r: Rules, s: string, path: string): void {
  if (typeof s !== "string") return;
  if (r.ignore_empty === true && s === "") return;
  const chars = [...s].length;
  const bytes = Buffer.byteLength(s, "utf8");
  const shown = JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}...` : s);
  if (r.const !== undefined && s !== r.const) fail(path, `must be ${JSON.stringify(r.const)}, got ${shown}`, "string.const");
  if (r.len !== undefined && chars !== Number(r.len)) fail(path, `must be exactly ${r.len} characters long, got ${shown}`, "string.len");
  if (r.min_len !== undefined && chars < Number(r.min_len)) {
    fail(path, chars === 0 ? "is required and must not be empty" : `must be at least ${r.min_len} characters long, got ${shown}`, `string.min_len = ${r.min_len}`);
  }
  if (r.max_len !== undefined && chars > Number(r.max_len)) fail(path, `must be at most ${r.max_len} characters long`, `string.max_len = ${r.max_len}`);
  if (r.len_bytes !== undefined && bytes !== Number(r.len_bytes)) fail(path, `must be exactly ${r.len_bytes} bytes long`, "string.len_bytes");
  if (r.min_bytes !== undefined && bytes < Number(r.min_bytes)) fail(path, `must be at least ${r.min_bytes} bytes long, got ${shown}`, `string.min_bytes = ${r.min_bytes}`);
  if (r.max_bytes !== undefined && bytes > Number(r.max_bytes)) fail(path, `must be at most ${r.max_bytes} bytes long`, `string.max_bytes = ${r.max_bytes}`);
  if (r.prefix !== undefined && !s.startsWith(r.prefix)) fail(path, `must start with ${JSON.stringify(r.prefix)}`, "string.prefix");
  if (r.suffix !== undefined && !s.endsWith(r.suffix)) fail(path, `must end with ${JSON.stringify(r.suffix)}`, "string.suffix");
  if (r.contains !== undefined && !s.includes(r.contains)) fail(path, `must contain ${JSON.stringify(r.contains)}`, "string.contains");
  if (r.not_contains !== undefined && s.includes(r.not_contains)) fail(path, `must not contain ${JSON.stringify(r.not_contains)}`, "string.not_contains");
  const inList = asList(r.in);
  if (inList && !inList.includes(s)) fail(path, `must be one of ${inList.map((x) => JSON.stringify(x)).join(", ")}, got ${shown}`, "string.in");
  const notIn = asList(r.not_in);
  if (notIn && notIn.includes(s)) fail(path, `must not be ${shown}`, "string.not_in");
}

function asList(v: unknown): unknown[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v : [v];
}

function checkBytes(r: Rules, b: Uint8Array, path: string): void {
  if (!(b instanceof Uint8Array)) return;
  if (r.ignore_empty === true && b.length === 0) return;
  if (r.len !== undefined && b.length !== Number(r.len)) fail(path, `must be exactly ${r.len} bytes long`, "bytes.len");
  if (r.min_len !== undefined && b.length < Number(r.min_len)) fail(path, `must be at least ${r.min_len} bytes long`, `bytes.min_len = ${r.min_len}`);
  if (r.max_len !== undefined && b.length > Number(r.max_len)) fail(path, `must be at most ${r.max_len} bytes long`, `bytes.max_len = ${r.max_len}`);
}

function checkNumber(r: Rules, v: number | bigint, path: string, kind: string): void {
  if (typeof v !== "number" && typeof v !== "bigint") return;
  const n = Number(v);
  if (r.ignore_empty === true && n === 0) return;
  const rule = (name: string): string => `${kind}.${name} = ${r[name]}`;
  if (r.const !== undefined && n !== Number(r.const)) fail(path, `must be ${r.const}, got ${String(v)}`, rule("const"));
  const gt = r.gt !== undefined ? Number(r.gt) : undefined;
  const gte = r.gte !== undefined ? Number(r.gte) : undefined;
  const lt = r.lt !== undefined ? Number(r.lt) : undefined;
  const lte = r.lte !== undefined ? Number(r.lte) : undefined;
  if (gt !== undefined && !(n > gt)) fail(path, `must be greater than ${gt}, got ${String(v)}`, rule("gt"));
  if (gte !== undefined && !(n >= gte)) fail(path, `must be at least ${gte}, got ${String(v)}`, rule("gte"));
  if (lt !== undefined && !(n < lt)) fail(path, `must be less than ${lt}, got ${String(v)}`, rule("lt"));
  if (lte !== undefined && !(n <= lte)) fail(path, `must be at most ${lte}, got ${String(v)}`, rule("lte"));
  const inList = asList(r.in);
  if (inList && !inList.map(Number).includes(n)) fail(path, `must be one of ${inList.join(", ")}, got ${String(v)}`, `${kind}.in`);
  const notIn = asList(r.not_in);
  if (notIn && notIn.map(Number).includes(n)) fail(path, `must not be ${String(v)}`, `${kind}.not_in`);
}

function checkEnum(r: Rules, name: string, path: string, field: protobuf.Field): void {
  const e = field.resolvedType;
  if (!(e instanceof protobuf.Enum) || typeof name !== "string") return;
  const n = e.values[name];
  if (r.const !== undefined && n !== Number(r.const)) fail(path, `must be ${e.valuesById[Number(r.const)]}, got ${name}`, "enum.const");
  const inList = asList(r.in);
  if (inList && !inList.map(Number).includes(n)) fail(path, `must be one of ${inList.map((x) => e.valuesById[Number(x)]).join(", ")}, got ${name}`, "enum.in");
  const notIn = asList(r.not_in);
  if (notIn && notIn.map(Number).includes(n)) fail(path, `must not be ${name}`, "enum.not_in");
}

function durationNanos(d: unknown): bigint {
  if (!d || typeof d !== "object") return 0n;
  const o = d as { seconds?: unknown; nanos?: unknown };
  return BigInt(Number(o.seconds ?? 0)) * 1_000_000_000n + BigInt(Number(o.nanos ?? 0));
}

function showNanos(n: bigint): string {
  const neg = n < 0n;
  const a = neg ? -n : n;
  const s = a / 1_000_000_000n;
  const frac = (a % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${neg ? "-" : ""}${s}${frac ? `.${frac}` : ""}s`;
}

function checkDuration(r: Rules, d: ProtoDuration, path: string): void {
  if (!d || typeof d.totalNanos !== "function") return;
  const n = d.totalNanos();
  const got = showNanos(n);
  if (r.const !== undefined && n !== durationNanos(r.const)) fail(path, `must be ${showNanos(durationNanos(r.const))}, got ${got}`, "duration.const");
  if (r.gt !== undefined && !(n > durationNanos(r.gt))) fail(path, `must be greater than ${showNanos(durationNanos(r.gt))}, got ${got}`, "duration.gt");
  if (r.gte !== undefined && !(n >= durationNanos(r.gte))) fail(path, `must be at least ${showNanos(durationNanos(r.gte))}, got ${got}`, "duration.gte");
  if (r.lt !== undefined && !(n < durationNanos(r.lt))) fail(path, `must be less than ${showNanos(durationNanos(r.lt))}, got ${got}`, "duration.lt");
  if (r.lte !== undefined && !(n <= durationNanos(r.lte))) fail(path, `must be at most ${showNanos(durationNanos(r.lte))}, got ${got}`, "duration.lte");
}

function checkAny(r: Rules, a: ProtoAny, path: string): void {
  if (!a || typeof a.typeUrl !== "string") return;
  const inList = asList(r.in) as string[] | undefined;
  if (inList && !inList.includes(a.typeUrl)) fail(`${path}.@type`, `must be one of ${inList.join(", ")}`, "any.in");
  const notIn = asList(r.not_in) as string[] | undefined;
  if (notIn && notIn.includes(a.typeUrl)) fail(`${path}.@type`, `must not be ${a.typeUrl}`, "any.not_in");
}

function checkRepeated(r: Rules | undefined, items: unknown[], path: string, field: protobuf.Field): void {
  if (!r) return;
  if (r.ignore_empty === true && items.length === 0) return;
  if (r.min_items !== undefined && items.length < Number(r.min_items)) {
    fail(path, `needs at least ${r.min_items} item${Number(r.min_items) === 1 ? "" : "s"}, got ${items.length}`, `repeated.min_items = ${r.min_items}`);
  }
  if (r.max_items !== undefined && items.length > Number(r.max_items)) {
    fail(path, `allows at most ${r.max_items} item${Number(r.max_items) === 1 ? "" : "s"}, got ${items.length}`, `repeated.max_items = ${r.max_items}`);
  }
  if (r.unique === true) {
    const seen = new Set<unknown>();
    items.forEach((it, i) => {
      const key = typeof it === "object" ? JSON.stringify(it) : it;
      if (seen.has(key)) fail(indexPath(path, i), "duplicates an earlier item", "repeated.unique");
      seen.add(key);
    });
  }
  if (r.items && typeof r.items === "object") {
    items.forEach((it, i) => checkValue(r.items, it, indexPath(path, i), field));
  }
}

function checkMap(r: Rules | undefined, entries: Record<string, unknown>, path: string, field: protobuf.Field): void {
  if (!r) return;
  const keys = Object.keys(entries);
  if (r.ignore_empty === true && keys.length === 0) return;
  if (r.min_pairs !== undefined && keys.length < Number(r.min_pairs)) fail(path, `needs at least ${r.min_pairs} entries`, "map.min_pairs");
  if (r.max_pairs !== undefined && keys.length > Number(r.max_pairs)) fail(path, `allows at most ${r.max_pairs} entries`, "map.max_pairs");
  for (const k of keys) {
    if (r.keys && typeof r.keys === "object") checkValue(r.keys, k, keyPath(path, k), field);
    if (r.values && typeof r.values === "object") checkValue(r.values, entries[k], keyPath(path, k), field);
  }
}
