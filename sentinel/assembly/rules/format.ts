// Formatting helpers for error sentences (configuration time only).
import { JsonValue, KIND_NUMBER, KIND_STRING, KIND_TRUE, KIND_FALSE, kindName } from "../json/value";

/** Integers print without ".0" (AS prints 10.0 for f64 10); everything else as the shortest round-trip. */
export function formatNumber(x: f64): string {
  if (isFinite(x) && Math.floor(x) == x && Math.abs(x) < 9007199254740992.0) {
    if (x == 0 && 1.0 / x < 0) return "-0";
    return (<i64>x).toString();
  }
  return x.toString();
}

/** Longest text quoted into an error sentence; a log line must stay a line. */
// @ts-ignore: decorator
@inline export const MAX_QUOTED_CHARS: i32 = 128;

/**
 * A JSON string literal for a value, so names with quotes or control characters stay unambiguous.
 * Values longer than MAX_QUOTED_CHARS are cut and marked with "..." after the closing quote.
 */
export function quote(s: string): string {
  let out = "\"";
  const n = min(s.length, MAX_QUOTED_CHARS);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22) out += "\\\"";
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x09) out += "\\t";
    else if (c == 0x0d) out += "\\r";
    else if (c < 0x20 || (c >= 0xd800 && c <= 0xdfff)) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += String.fromCharCode(c);
  }
  return out + (s.length > n ? "\"..." : "\"");
}

/** How a JSON value is shown after "got": the literal for scalars, the kind for containers. */
export function describe(v: JsonValue): string {
  switch (v.kind) {
    case KIND_NUMBER: return numberText(v);
    case KIND_STRING: return "string " + quote(v.str);
    case KIND_TRUE: return "true";
    case KIND_FALSE: return "false";
  }
  return kindName(v.kind);
}

/** A number literal as written, cut like quote() so a 5000-digit literal does not flood the log. */
export function numberText(v: JsonValue): string {
  return v.text.length > MAX_QUOTED_CHARS ? v.text.substring(0, MAX_QUOTED_CHARS) + "..." : v.text;
}
