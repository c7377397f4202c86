// Strict proto3-JSON reading of a parsed YAML tree against a protobufjs message type, the way Envoy
// reads a bootstrap (YAML -> JSON -> JsonStringToMessage, unknown fields rejected, then PGV).
// The result is a normalized tree the later stages can trust:
//   - message: null-prototype object keyed by the proto (snake_case) field name, only fields set;
//     proto3 implicit-presence scalars equal to their default are dropped, because Envoy cannot tell
//     them from unset either; repeated/map fields that are empty are dropped likewise
//   - int32 family: number; 64-bit integers: bigint; enums: the value name; bytes: Uint8Array
//   - well-known types: Duration -> ProtoDuration, wrappers -> the wrapped value, Struct/Value/ListValue
//     -> plain JSON, Any -> ProtoAny (inner value normalized the same way), Timestamp/FieldMask -> string

import protobuf from "protobufjs";
import { ConfigError, fieldPath, indexPath, keyPath } from "./config-error.ts";
import { resolveMessageType } from "./proto-root.ts";
import { checkFieldRules, checkOneofRequired, messageValidationDisabled } from "./pgv.ts";

export type Msg = { [field: string]: unknown };

export class ProtoDuration {
  readonly seconds: bigint;
  readonly nanos: number;
  constructor(seconds: bigint, nanos: number) {
    this.seconds = seconds;
    this.nanos = nanos;
  }
  totalNanos(): bigint {
    return this.seconds * 1_000_000_000n + BigInt(this.nanos);
  }
  toMillis(): number {
    return Number(this.totalNanos()) / 1e6;
  }
}

export class ProtoAny {
  readonly typeUrl: string;
  /** Full message name without a leading dot, e.g. "google.protobuf.StringValue". */
  readonly typeName: string;
  /** Normalized content: a Msg, or the JSON value of a well-known type. */
  readonly value: unknown;
  constructor(typeUrl: string, typeName: string, value: unknown) {
    this.typeUrl = typeUrl;
    this.typeName = typeName;
    this.value = value;
  }
}

const WRAPPERS: Record<string, string> = {
  "google.protobuf.DoubleValue": "double", "google.protobuf.FloatValue": "float",
  "google.protobuf.Int64Value": "int64", "google.protobuf.UInt64Value": "uint64",
  "google.protobuf.Int32Value": "int32", "google.protobuf.UInt32Value": "uint32",
  "google.protobuf.BoolValue": "bool", "google.protobuf.StringValue": "string",
  "google.protobuf.BytesValue": "bytes",
};

/** Types whose JSON form is not an object of their fields (and appear under "value" inside an Any). */
const SPECIAL_JSON = new Set([
  ...Object.keys(WRAPPERS), "google.protobuf.Duration", "google.protobuf.Timestamp", "google.protobuf.FieldMask",
  "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
]);

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n], sint32: [-(2n ** 31n), 2n ** 31n - 1n], sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n], fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n], sint64: [-(2n ** 63n), 2n ** 63n - 1n], sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n], fixed64: [0n, 2n ** 64n - 1n],
};
const WIDE_INTS = new Set(["int64", "sint64", "sfixed64", "uint64", "fixed64"]);

const TYPE_URL_PREFIX = "type.googleapis.com/";

// Envoy's Duration limit is protobuf's: +-10000 years.
const MAX_DURATION_SECONDS = 315_576_000_000n;

export function typeName(t: protobuf.ReflectionObject): string {
  return t.fullName.startsWith(".") ? t.fullName.slice(1) : t.fullName;
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary data";
  if (typeof v === "object") return "a map";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "bigint" || typeof v === "number") return `the number ${String(v)}`;
  if (typeof v === "boolean") return `the boolean ${v}`;
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** protoc's lowerCamelCase JSON name for a field (used unless the proto sets json_name). */
function jsonName(field: protobuf.Field): string {
  const explicit = (field.options as Record<string, unknown> | undefined)?.json_name;
  if (typeof explicit === "string") return explicit;
  return field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Per message type: accepted key -> field, covering both the proto name and the JSON name. */
const keyIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

function fieldsByKey(type: protobuf.Type): Map<string, protobuf.Field> {
  let index = keyIndex.get(type);
  if (!index) {
    index = new Map();
    for (const f of type.fieldsArray) {
      index.set(f.name, f);
      index.set(jsonName(f), f);
    }
    keyIndex.set(type, index);
  }
  return index;
}

/** Fields with explicit presence: members of a oneof (incl. proto3 `optional`), messages. */
function hasExplicitPresence(field: protobuf.Field): boolean {
  return field.partOf !== null && field.partOf !== undefined;
}

function isDefaultScalar(v: unknown, field: protobuf.Field): boolean {
  if (field.resolvedType instanceof protobuf.Enum) {
    return field.resolvedType.values[v as string] === 0;
  }
  if (field.resolvedType instanceof protobuf.Type) return false;
  if (v instanceof Uint8Array) return v.length === 0;
  return v === "" || v === 0 || v === 0n || v === false;
}

/** Validate `input` as message `type`; `path` names it in errors. */
export function readMessage(type: protobuf.Type, input: unknown, path: string): Msg {
  const name = typeName(type);
  if (!isPlainObject(input)) {
    throw new ConfigError(path, `expected a map for message ${name}, got ${describe(input)}`);
  }
  const out: Msg = Object.create(null);
  const seenBy = new Map<protobuf.Field, string>();
  const oneofSetBy = new Map<protobuf.OneOf, string>();
  const index = fieldsByKey(type);

  for (const [key, raw] of Object.entries(input)) {
    const field = index.get(key);
    if (!field) {
      throw new ConfigError(fieldPath(path, key), `unknown field "${key}" in ${name}${unknownHint(name, key)}`);
    }
    const p = fieldPath(path, field.name);
    const earlier = seenBy.get(field);
    if (earlier !== undefined) {
      throw new ConfigError(p, `field given twice, as "${earlier}" and "${key}"`);
    }
    seenBy.set(field, key);
    const isValueField = field.resolvedType instanceof protobuf.Type && typeName(field.resolvedType) === "google.protobuf.Value";
    if (raw === null && !isValueField) {
      continue; // proto3 JSON: null means "not set"
    }
    const oneof = field.partOf;
    if (oneof) {
      const other = oneofSetBy.get(oneof);
      if (other !== undefined) {
        throw new ConfigError(p, `"${field.name}" and "${other}" are both set, but they belong to oneof "${oneof.name}" of ${name}: set only one`);
      }
      oneofSetBy.set(oneof, field.name);
    }
    const value = readField(field, raw, p);
    if (value === undefined) continue;
    if (!hasExplicitPresence(field)) {
      if (field.repeated && Array.isArray(value) && value.length === 0) continue;
      if (field.map && Object.keys(value as object).length === 0) continue;
      if (!field.repeated && !field.map && isDefaultScalar(value, field)) continue;
    }
    out[field.name] = value;
  }

  if (!messageValidationDisabled(type)) {
    for (const field of type.fieldsArray) {
      checkFieldRules(field, out[field.name], field.name in out, fieldPath(path, field.name), hasExplicitPresence(field));
    }
    for (const oneof of type.oneofsArray) checkOneofRequired(oneof, out, path);
  }
  return out;
}

/** Fields that newer Envoy releases accept but the vendored API does not know. */
function unknownHint(messageName: string, key: string): string {
  if (messageName === "envoy.extensions.wasm.v3.PluginConfig" && (key === "failure_policy" || key === "failurePolicy")) {
    return " (failure_policy exists from Envoy 1.33; the vendored API predates it, use fail_open)";
  }
  return "";
}

function readField(field: protobuf.Field, raw: unknown, path: string): unknown {
  if (field.map) return readMap(field as protobuf.MapField, raw, path);
  if (field.repeated) {
    if (!Array.isArray(raw)) throw new ConfigError(path, `expected a list, got ${describe(raw)}`);
    return raw.map((item, i) => {
      if (item === null) throw new ConfigError(indexPath(path, i), "null is not allowed in a repeated field");
      return readSingular(field, item, indexPath(path, i));
    });
  }
  return readSingular(field, raw, path);
}

function readMap(field: protobuf.MapField, raw: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(raw)) throw new ConfigError(path, `expected a map, got ${describe(raw)}`);
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(raw)) {
    const p = keyPath(path, k);
    // JSON map keys are strings; check they spell a value of the key type.
    if (field.keyType === "bool") {
      if (k !== "true" && k !== "false") throw new ConfigError(p, `expected a bool map key ("true" or "false"), got ${JSON.stringify(k)}`);
    } else if (field.keyType !== "string") readScalar(field.keyType, k, p);
    if (v === null) throw new ConfigError(p, "null is not allowed as a map value");
    out[k] = readSingular(field, v, p);
  }
  return out;
}

function readSingular(field: protobuf.Field, raw: unknown, path: string): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) return readEnum(rt, raw, path);
  if (rt instanceof protobuf.Type) return readValueOfType(rt, raw, path);
  return readScalar(field.type, raw, path);
}

function readEnum(e: protobuf.Enum, raw: unknown, path: string): string {
  const names = Object.keys(e.values);
  if (typeof raw === "string") {
    if (Object.prototype.hasOwnProperty.call(e.values, raw)) return raw;
    throw new ConfigError(path, `invalid value ${JSON.stringify(raw)} for enum ${typeName(e)} (expected one of ${names.join(", ")})`);
  }
  if (typeof raw === "bigint" || (typeof raw === "number" && Number.isInteger(raw))) {
    const byId = e.valuesById[Number(raw)];
    if (byId !== undefined) return byId;
    throw new ConfigError(path, `invalid number ${String(raw)} for enum ${typeName(e)} (expected one of ${names.join(", ")})`);
  }
  throw new ConfigError(path, `expected an enum name of ${typeName(e)} (one of ${names.join(", ")}), got ${describe(raw)}`);
}

/** A value of message type `type`, honouring the special JSON forms of the well-known types. */
export function readValueOfType(type: protobuf.Type, raw: unknown, path: string): unknown {
  const name = typeName(type);
  const wrapped = WRAPPERS[name];
  if (wrapped !== undefined) return readScalar(wrapped, raw, path);
  switch (name) {
    case "google.protobuf.Duration": return readDuration(raw, path);
    case "google.protobuf.Timestamp": return readTimestamp(raw, path);
    case "google.protobuf.FieldMask":
      if (typeof raw !== "string") throw new ConfigError(path, `expected a FieldMask string, got ${describe(raw)}`);
      return raw;
    case "google.protobuf.Struct":
      if (!isPlainObject(raw)) throw new ConfigError(path, `expected a map for google.protobuf.Struct, got ${describe(raw)}`);
      return toJson(raw, path);
    case "google.protobuf.ListValue":
      if (!Array.isArray(raw)) throw new ConfigError(path, `expected a list for google.protobuf.ListValue, got ${describe(raw)}`);
      return toJson(raw, path);
    case "google.protobuf.Value": return toJson(raw, path);
    case "google.protobuf.Any": return readAny(raw, path);
    default: return readMessage(type, raw, path);
  }
}

function readAny(raw: unknown, path: string): ProtoAny {
  if (!isPlainObject(raw)) throw new ConfigError(path, `expected a map with "@type" for google.protobuf.Any, got ${describe(raw)}`);
  const typePath = fieldPath(path, "@type");
  const url = raw["@type"];
  if (url === undefined) throw new ConfigError(typePath, "required: an Any needs \"@type\": type.googleapis.com/<message name>");
  if (typeof url !== "string") throw new ConfigError(typePath, `expected a type URL string, got ${describe(url)}`);
  // protobuf's JSON parser resolves Any through a pool bound to this one prefix; others are refused.
  if (!url.startsWith(TYPE_URL_PREFIX)) {
    throw new ConfigError(typePath, `cannot resolve type URL ${JSON.stringify(url)}: type URLs must be of the form ${TYPE_URL_PREFIX}<full.message.Name>`);
  }
  const full = url.slice(TYPE_URL_PREFIX.length);
  const { type, problem } = resolveMessageType(full);
  if (!type) throw new ConfigError(typePath, `cannot resolve type URL ${JSON.stringify(url)}: ${problem}`);
  const resolved = typeName(type);
  const rest: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(raw)) if (k !== "@type") rest[k] = v;
  if (SPECIAL_JSON.has(resolved)) {
    for (const k of Object.keys(rest)) {
      if (k !== "value") throw new ConfigError(fieldPath(path, k), `unknown field "${k}": an Any holding ${resolved} has only "@type" and "value"`);
    }
    const valuePath = fieldPath(path, "value");
    if (!("value" in rest) || rest.value === null) {
      // Absent "value" is the type's default (e.g. an empty StringValue).
      return new ProtoAny(url, resolved, defaultSpecial(resolved));
    }
    return new ProtoAny(url, resolved, readValueOfType(type, rest.value, valuePath));
  }
  return new ProtoAny(url, resolved, readMessage(type, rest, path));
}

function defaultSpecial(name: string): unknown {
  switch (WRAPPERS[name]) {
    case "string": return "";
    case "bytes": return new Uint8Array(0);
    case "bool": return false;
    case "int64": case "uint64": return 0n;
    case undefined: break;
    default: return 0;
  }
  if (name === "google.protobuf.Duration") return new ProtoDuration(0n, 0);
  if (name === "google.protobuf.Struct") return {};
  if (name === "google.protobuf.ListValue") return [];
  return null;
}

function readDuration(raw: unknown, path: string): ProtoDuration {
  const bad = (): never => {
    throw new ConfigError(path, `invalid Duration ${describe(raw)}: expected a string of seconds with an "s" suffix, like "1s", "0.25s" or "1.000340012s"`);
  };
  if (typeof raw !== "string") return bad();
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(raw);
  if (!m) return bad();
  const seconds = BigInt(m[2]);
  if (seconds > MAX_DURATION_SECONDS) throw new ConfigError(path, `Duration ${JSON.stringify(raw)} is out of range (at most ${MAX_DURATION_SECONDS}s)`);
  const nanos = m[3] === undefined ? 0 : Number(m[3].padEnd(9, "0"));
  const sign = m[1] === "-" ? -1 : 1;
  return new ProtoDuration(BigInt(sign) * seconds, sign * nanos);
}

function readTimestamp(raw: unknown, path: string): string {
  if (typeof raw !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(raw) || Number.isNaN(Date.parse(raw))) {
    throw new ConfigError(path, `invalid Timestamp ${describe(raw)}: expected RFC 3339, like "2024-01-01T00:00:00Z"`);
  }
  return raw;
}

/** Struct/Value content: plain JSON (YAML integers arrive as bigint; Value numbers are doubles). */
function toJson(v: unknown, path: string): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new ConfigError(path, `${String(v)} cannot be represented in a google.protobuf.Value`);
    return v;
  }
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map((x, i) => toJson(x, indexPath(path, i)));
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x, keyPath(path, k));
    return out;
  }
  throw new ConfigError(path, `${describe(v)} cannot be represented in a google.protobuf.Value`);
}

export function readScalar(kind: string, raw: unknown, path: string): unknown {
  const range = INT_RANGES[kind];
  if (range) {
    let n: bigint | undefined;
    if (typeof raw === "bigint") n = raw;
    else if (typeof raw === "number" && Number.isInteger(raw)) n = BigInt(raw);
    else if (typeof raw === "string" && /^-?\d+$/.test(raw)) n = BigInt(raw);
    if (n === undefined) throw new ConfigError(path, `expected an integer (${kind}), got ${describe(raw)}`);
    if (n < range[0] || n > range[1]) throw new ConfigError(path, `${String(n)} is out of range for ${kind} [${range[0]}, ${range[1]}]`);
    return WIDE_INTS.has(kind) ? n : Number(n);
  }
  switch (kind) {
    case "double":
    case "float": {
      if (typeof raw === "number") return raw;
      if (typeof raw === "bigint") return Number(raw);
      if (typeof raw === "string") {
        if (raw === "NaN") return Number.NaN;
        if (raw === "Infinity") return Number.POSITIVE_INFINITY;
        if (raw === "-Infinity") return Number.NEGATIVE_INFINITY;
        if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
      }
      throw new ConfigError(path, `expected a number (${kind}), got ${describe(raw)}`);
    }
    case "bool":
      if (typeof raw === "boolean") return raw;
      throw new ConfigError(path, `expected true or false, got ${describe(raw)}`);
    case "string":
      if (typeof raw === "string") return raw;
      throw new ConfigError(path, `expected a string, got ${describe(raw)} (quote it in YAML)`);
    case "bytes":
      if (typeof raw === "string" && /^[A-Za-z0-9+/_-]*={0,2}$/.test(raw)) return new Uint8Array(Buffer.from(raw, "base64"));
      throw new ConfigError(path, `expected base64-encoded bytes, got ${describe(raw)}`);
    default:
      throw new ConfigError(path, `unsupported scalar type ${kind}`);
  }
}
