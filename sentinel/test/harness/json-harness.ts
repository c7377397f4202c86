import { parseJson } from "../../assembly/json/parser";
import { JsonValue, KIND_NULL, KIND_FALSE, KIND_TRUE, KIND_NUMBER, KIND_STRING, KIND_ARRAY } from "../../assembly/json/value";

/** "ok:" + a canonical re-serialisation, or "error:" + the error sentence. */
export function parse(input: Uint8Array, maxDepth: i32): string {
  const r = parseJson(input, maxDepth);
  const err = r.error;
  if (err !== null) return "error:" + err.toString();
  return "ok:" + dump(r.value!);
}

/** Only reports whether the input parsed; the fuzz test calls this thousands of times. */
export function accepts(input: Uint8Array): bool {
  const r = parseJson(input, 64);
  return r.ok;
}

function dump(v: JsonValue): string {
  switch (v.kind) {
    case KIND_NULL: return "null";
    case KIND_FALSE: return "false";
    case KIND_TRUE: return "true";
    case KIND_NUMBER: return v.isPlainInteger ? (v.negative ? "-" : "") + v.magnitude.toString() : "f" + v.num.toString();
    case KIND_STRING: return quote(v.str);
    case KIND_ARRAY: {
      let s = "[";
      for (let i = 0; i < v.items.length; i++) { if (i > 0) s += ","; s += dump(v.items[i]); }
      return s + "]";
    }
  }
  let s = "{";
  for (let i = 0; i < v.items.length; i++) {
    if (i > 0) s += ",";
    s += quote(v.keys[i]) + ":" + dump(v.items[i]);
  }
  return s + "}";
}

function quote(s: string): string {
  let out = "\"";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c < 0x20 || c > 0x7e) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += String.fromCharCode(c);
  }
  return out + "\"";
}
