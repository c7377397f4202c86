// Typed field readers for rule objects. They reproduce what Go's encoding/json does for Sentinel's
// structs (case-insensitive key match, `null` leaves the default, integers must be integral and in
// the Go type's range) and turn every mismatch into one sentence naming rule, resource, field, value.
import { JsonValue, KIND_NULL, KIND_NUMBER, KIND_STRING, KIND_OBJECT, kindName } from "../json/value";
import { describe, quote, numberText } from "./format";

// @ts-ignore: decorator
@inline const TWO_POW_64: f64 = 18446744073709551616.0;
// @ts-ignore: decorator
@inline const TWO_POW_63: f64 = 9223372036854775808.0;

/**
 * Go's json decoder first looks for an exact key, then one equal under Unicode simple case folding
 * (bytes.EqualFold). Field names are ASCII, so folding only has to handle ASCII letters plus the two
 * non-ASCII characters that fold onto ASCII: KELVIN SIGN (U+212A) -> k and LATIN SMALL LONG S (U+017F) -> s.
 */
export function keyMatches(key: string, field: string): bool {
  if (key.length != field.length) return false;
  for (let i = 0; i < key.length; i++) {
    let a = key.charCodeAt(i);
    const b = field.charCodeAt(i);
    if (a == 0x212a) a = 0x6b;
    else if (a == 0x017f) a = 0x73;
    if (a == b) continue;
    if (lower(a) != lower(b)) return false;
  }
  return true;
}

function lower(c: i32): i32 {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** Index of the field a key selects: exact match first (as Go does), then folded; -1 if none. */
export function fieldIndex(key: string, fields: StaticArray<string>): i32 {
  for (let i = 0; i < fields.length; i++) if (unchecked(fields[i]) == key) return i;
  for (let i = 0; i < fields.length; i++) if (keyMatches(key, unchecked(fields[i]))) return i;
  return -1;
}

/** Carries the label of the rule being decoded and the first error found. */
export class RuleReader {
  kind: string;
  index: i32;
  resource: string = "";
  hasResource: bool = false;
  error: string | null = null;

  constructor(kind: string, index: i32) {
    this.kind = kind;
    this.index = index;
  }

  label(): string {
    let s = this.kind + " rule " + this.index.toString();
    if (this.hasResource) s += " (resource " + quote(this.resource) + ")";
    return s;
  }

  fail(detail: string): void {
    if (this.error === null) this.error = this.label() + ": " + detail;
  }

  get ok(): bool { return this.error === null; }

  /** Checks the rule is an object and learns its resource name first, so every later error can name it. */
  begin(v: JsonValue, resourceField: string): bool {
    if (v.kind != KIND_OBJECT) {
      this.fail("must be a JSON object, got " + kindName(v.kind));
      return false;
    }
    // The last matching key wins, as in Go.
    for (let i = 0; i < v.keys.length; i++) {
      if (keyMatches(v.keys[i], resourceField) && v.items[i].kind == KIND_STRING) {
        this.resource = v.items[i].str;
        this.hasResource = true;
      } else if (keyMatches(v.keys[i], resourceField)) {
        this.hasResource = false;
      }
    }
    return true;
  }

  unknownField(key: string): void {
    this.fail("unknown field " + quote(key));
  }

  readString(field: string, v: JsonValue, dflt: string): string {
    if (v.kind == KIND_NULL) return dflt;
    if (v.kind != KIND_STRING) { this.fail("field " + quote(field) + " must be a string, got " + describe(v)); return dflt; }
    return v.str;
  }

  readBool(field: string, v: JsonValue, dflt: bool): bool {
    if (v.kind == KIND_NULL) return dflt;
    if (!v.isBool) { this.fail("field " + quote(field) + " must be true or false, got " + describe(v)); return dflt; }
    return v.bool;
  }

  readF64(field: string, v: JsonValue, dflt: f64): f64 {
    if (v.kind == KIND_NULL) return dflt;
    if (v.kind != KIND_NUMBER) { this.fail("field " + quote(field) + " must be a number, got " + describe(v)); return dflt; }
    return v.num;
  }

  /** Unsigned integer up to `max`; exact for plain integer literals, else the f64 must be integral. */
  readUnsigned(field: string, v: JsonValue, max: u64, dflt: u64): u64 {
    if (v.kind == KIND_NULL) return dflt;
    const range = "an integer in [0, " + max.toString() + "]";
    if (v.kind != KIND_NUMBER) { this.fail("field " + quote(field) + " must be " + range + ", got " + describe(v)); return dflt; }
    if (v.isPlainInteger) {
      if (v.negative && v.magnitude != 0) { this.fail("field " + quote(field) + " must be " + range + ", got " + numberText(v)); return dflt; }
      if (v.magnitude > max) { this.fail("field " + quote(field) + " must be " + range + ", got " + numberText(v)); return dflt; }
      return v.magnitude;
    }
    const x = v.num;
    if (Math.floor(x) != x || x < 0 || x >= TWO_POW_64 || <u64>x > max) {
      this.fail("field " + quote(field) + " must be " + range + ", got " + numberText(v));
      return dflt;
    }
    return <u64>x;
  }

  /** Signed integer in [min, max] (Go's int32/int64 fields). */
  readSigned(field: string, v: JsonValue, minV: i64, maxV: i64, dflt: i64): i64 {
    if (v.kind == KIND_NULL) return dflt;
    const range = "an integer in [" + minV.toString() + ", " + maxV.toString() + "]";
    if (v.kind != KIND_NUMBER) { this.fail("field " + quote(field) + " must be " + range + ", got " + describe(v)); return dflt; }
    if (v.isPlainInteger) {
      // Magnitude up to 2^63 fits i64 only when negative and equal to -2^63.
      const limit: u64 = v.negative ? <u64>(-(minV + 1)) + 1 : <u64>maxV;
      if (v.magnitude > limit) { this.fail("field " + quote(field) + " must be " + range + ", got " + numberText(v)); return dflt; }
      return v.negative ? <i64>(0 - v.magnitude) : <i64>v.magnitude;
    }
    const x = v.num;
    if (Math.floor(x) != x || x < -TWO_POW_63 || x >= TWO_POW_63 || <i64>x < minV || <i64>x > maxV) {
      this.fail("field " + quote(field) + " must be " + range + ", got " + numberText(v));
      return dflt;
    }
    return <i64>x;
  }

  /**
   * An enum: the number Sentinel writes (any value of the Go type; validation judges it later) or
   * one of its names (`names[i]` is value i), which is our extension (and what Sentinel's k8s CRDs use).
   */
  readEnum(field: string, v: JsonValue, names: StaticArray<string>, minV: i64, maxV: i64, dflt: i64): i64 {
    if (v.kind == KIND_STRING) {
      for (let i = 0; i < names.length; i++) if (unchecked(names[i]) == v.str) return i;
      let known = "";
      for (let i = 0; i < names.length; i++) {
        if (i > 0) known += ", ";
        known += i.toString() + " (" + unchecked(names[i]) + ")";
      }
      this.fail("field " + quote(field) + " has unknown value " + quote(v.str) + "; known values: " + known);
      return dflt;
    }
    if (v.kind != KIND_NULL && v.kind != KIND_NUMBER) {
      this.fail("field " + quote(field) + " must be a number or one of its names, got " + describe(v));
      return dflt;
    }
    return this.readSigned(field, v, minV, maxV, dflt);
  }
}

/** "1 (WarmUp)" for messages. */
export function enumLabel(value: i64, names: StaticArray<string>): string {
  if (value >= 0 && value < names.length) return value.toString() + " (" + names[<i32>value] + ")";
  return value.toString();
}
