// Strict RFC 8259 JSON parser over UTF-8 bytes, without reflection.
// Why hand-written: rule files arrive as plugin configuration bytes, and the module must reject any
// malformed input with a message instead of trapping (fuzz-tested). So: explicit bounds checks on
// every read, a nesting limit instead of unbounded recursion, no trailing commas, no comments,
// invalid UTF-8 and unpaired surrogate escapes rejected (Go would substitute U+FFFD; we would rather
// not silently rename a resource), numbers that overflow f64 rejected (Go rejects them too).

import { JsonValue, KIND_NULL, KIND_FALSE, KIND_TRUE, KIND_NUMBER, KIND_STRING, KIND_ARRAY, KIND_OBJECT } from "./value";
import { JsonError } from "./errors";

// @ts-ignore: decorator
@inline export const DEFAULT_MAX_DEPTH: i32 = 64;
// Inputs larger than this are refused up front, and documents with more values than MAX_VALUES
// stop parsing: rule files are small, and these bound parse time and memory (so a huge document
// cannot exhaust linear memory and trap the VM).
// @ts-ignore: decorator
@inline export const MAX_INPUT_BYTES: i32 = 1 << 20;
// @ts-ignore: decorator
@inline export const MAX_VALUES: i32 = 100000;

export class ParseResult {
  value: JsonValue | null = null;
  error: JsonError | null = null;
  get ok(): bool { return this.error === null; }
}

export function parseJson(input: Uint8Array, maxDepth: i32 = DEFAULT_MAX_DEPTH): ParseResult {
  const p = new Parser(input, maxDepth);
  const res = new ParseResult();
  if (input.length > MAX_INPUT_BYTES) {
    p.fail("input is " + input.length.toString() + " bytes, more than the limit of " + MAX_INPUT_BYTES.toString(), 0);
  } else {
    p.skipBom();
    p.skipWs();
    const v = p.parseValue(0);
    if (p.err === null) {
      p.skipWs();
      if (p.pos < p.len) p.fail("unexpected " + p.describeAt(p.pos) + " after the top-level value", p.pos);
    }
    if (p.err === null) res.value = v;
  }
  res.error = p.err;
  return res;
}

export function parseJsonString(s: string, maxDepth: i32 = DEFAULT_MAX_DEPTH): ParseResult {
  return parseJson(Uint8Array.wrap(String.UTF8.encode(s)), maxDepth);
}

class Parser {
  buf: Uint8Array;
  len: i32;
  pos: i32 = 0;
  maxDepth: i32;
  err: JsonError | null = null;
  scratch: Array<i32> = new Array<i32>(0);

  constructor(buf: Uint8Array, maxDepth: i32) {
    this.buf = buf;
    this.len = buf.length;
    this.maxDepth = maxDepth;
  }

  fail(message: string, at: i32): void {
    if (this.err !== null) return;
    let line = 1, col = 1;
    const end = min(at, this.len);
    for (let i = 0; i < end; i++) {
      if (unchecked(this.buf[i]) == 0x0a) { line++; col = 1; } else col++;
    }
    this.err = new JsonError(message, at, line, col);
  }

  /** Byte at i, or -1 past the end: every read goes through here or an explicit bounds check. */
  @inline at(i: i32): i32 {
    return <u32>i < <u32>this.len ? <i32>unchecked(this.buf[i]) : -1;
  }

  describeAt(i: i32): string {
    const c = this.at(i);
    if (c < 0) return "end of input";
    if (c >= 0x20 && c < 0x7f) return "character '" + String.fromCharCode(c) + "'";
    return "byte 0x" + hex2(c);
  }

  skipBom(): void {
    if (this.at(0) == 0xef && this.at(1) == 0xbb && this.at(2) == 0xbf) this.pos = 3;
  }

  skipWs(): void {
    while (this.pos < this.len) {
      const c = unchecked(this.buf[this.pos]);
      if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) this.pos++;
      else break;
    }
  }

  values: i32 = 0;

  parseValue(depth: i32): JsonValue {
    const v = new JsonValue();
    if (++this.values > MAX_VALUES) {
      this.fail("more than " + MAX_VALUES.toString() + " values in the document", this.pos);
      return v;
    }
    v.offset = this.pos;
    const c = this.at(this.pos);
    if (c == 0x7b) { // {
      if (depth >= this.maxDepth) { this.fail("nesting deeper than " + this.maxDepth.toString() + " levels", this.pos); return v; }
      this.parseObject(v, depth + 1);
    } else if (c == 0x5b) { // [
      if (depth >= this.maxDepth) { this.fail("nesting deeper than " + this.maxDepth.toString() + " levels", this.pos); return v; }
      this.parseArray(v, depth + 1);
    } else if (c == 0x22) {
      v.kind = KIND_STRING;
      v.str = this.parseString();
    } else if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.parseNumber(v);
    } else if (c == 0x74) {
      this.literal("true"); v.kind = KIND_TRUE;
    } else if (c == 0x66) {
      this.literal("false"); v.kind = KIND_FALSE;
    } else if (c == 0x6e) {
      this.literal("null"); v.kind = KIND_NULL;
    } else {
      this.fail("expected a value, got " + this.describeAt(this.pos), this.pos);
    }
    return v;
  }

  literal(word: string): void {
    const start = this.pos;
    for (let i = 0; i < word.length; i++) {
      if (this.at(this.pos) != word.charCodeAt(i)) {
        this.fail("invalid literal, expected '" + word + "'", start);
        return;
      }
      this.pos++;
    }
  }

  parseArray(v: JsonValue, depth: i32): void {
    v.kind = KIND_ARRAY;
    v.items = new Array<JsonValue>(0);
    this.pos++; // [
    this.skipWs();
    if (this.at(this.pos) == 0x5d) { this.pos++; return; }
    while (this.err === null) {
      this.skipWs();
      const item = this.parseValue(depth);
      if (this.err !== null) return;
      v.items.push(item);
      this.skipWs();
      const c = this.at(this.pos);
      if (c == 0x2c) {
        this.pos++;
        this.skipWs();
        if (this.at(this.pos) == 0x5d) { this.fail("trailing comma in array", this.pos); return; }
      } else if (c == 0x5d) { this.pos++; return; }
      else { this.fail("expected ',' or ']' in array, got " + this.describeAt(this.pos), this.pos); return; }
    }
  }

  parseObject(v: JsonValue, depth: i32): void {
    v.kind = KIND_OBJECT;
    v.items = new Array<JsonValue>(0);
    v.keys = new Array<string>(0);
    v.keyOffsets = new Array<i32>(0);
    this.pos++; // {
    this.skipWs();
    if (this.at(this.pos) == 0x7d) { this.pos++; return; }
    while (this.err === null) {
      this.skipWs();
      if (this.at(this.pos) != 0x22) {
        if (this.at(this.pos) == 0x7d) this.fail("trailing comma in object", this.pos);
        else this.fail("expected a string key in object, got " + this.describeAt(this.pos), this.pos);
        return;
      }
      const keyOffset = this.pos;
      const key = this.parseString();
      if (this.err !== null) return;
      this.skipWs();
      if (this.at(this.pos) != 0x3a) { this.fail("expected ':' after object key, got " + this.describeAt(this.pos), this.pos); return; }
      this.pos++;
      this.skipWs();
      const item = this.parseValue(depth);
      if (this.err !== null) return;
      v.keys.push(key);
      v.keyOffsets.push(keyOffset);
      v.items.push(item);
      this.skipWs();
      const c = this.at(this.pos);
      if (c == 0x2c) { this.pos++; }
      else if (c == 0x7d) { this.pos++; return; }
      else { this.fail("expected ',' or '}' in object, got " + this.describeAt(this.pos), this.pos); return; }
    }
  }

  hex4(at: i32): i32 {
    let r = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.at(at + i);
      let d: i32;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else return -1;
      r = (r << 4) | d;
    }
    return r;
  }

  /** Parses a string starting at the opening quote; returns "" after recording an error. */
  parseString(): string {
    const start = this.pos;
    this.pos++; // "
    const units = this.scratch;
    units.length = 0;
    while (true) {
      const c = this.at(this.pos);
      if (c < 0) { this.fail("unterminated string", start); return ""; }
      if (c == 0x22) { this.pos++; break; }
      if (c == 0x5c) {
        const e = this.at(this.pos + 1);
        let cu = -1;
        switch (e) {
          case 0x22: cu = 0x22; break;
          case 0x5c: cu = 0x5c; break;
          case 0x2f: cu = 0x2f; break;
          case 0x62: cu = 0x08; break;
          case 0x66: cu = 0x0c; break;
          case 0x6e: cu = 0x0a; break;
          case 0x72: cu = 0x0d; break;
          case 0x74: cu = 0x09; break;
          case 0x75: {
            const u = this.hex4(this.pos + 2);
            if (u < 0) { this.fail("invalid \\u escape (need 4 hex digits)", this.pos); return ""; }
            if (u >= 0xd800 && u <= 0xdbff) {
              // A high surrogate must be followed by an escaped low surrogate to form one code point.
              const lo = (this.at(this.pos + 6) == 0x5c && this.at(this.pos + 7) == 0x75) ? this.hex4(this.pos + 8) : -1;
              if (lo < 0xdc00 || lo > 0xdfff) { this.fail("unpaired surrogate \\u" + hex4s(u) + " in string", this.pos); return ""; }
              units.push(u);
              units.push(lo);
              this.pos += 12;
              continue;
            }
            if (u >= 0xdc00 && u <= 0xdfff) { this.fail("unpaired surrogate \\u" + hex4s(u) + " in string", this.pos); return ""; }
            units.push(u);
            this.pos += 6;
            continue;
          }
          default:
            this.fail("invalid escape in string: " + this.describeAt(this.pos + 1), this.pos);
            return "";
        }
        units.push(cu);
        this.pos += 2;
        continue;
      }
      if (c < 0x20) { this.fail("unescaped control character 0x" + hex2(c) + " in string", this.pos); return ""; }
      if (c < 0x80) { units.push(c); this.pos++; continue; }
      const cp = this.utf8(this.pos);
      if (cp < 0) { this.fail("invalid UTF-8 in string", this.pos); return ""; }
      if (cp >= 0x10000) {
        const v = cp - 0x10000;
        units.push(0xd800 | (v >> 10));
        units.push(0xdc00 | (v & 0x3ff));
      } else units.push(cp);
      // utf8() reports the sequence length through seqLen.
      this.pos += this.seqLen;
    }
    return String.fromCharCodes(units);
  }

  seqLen: i32 = 0;

  /** Decodes one multi-byte UTF-8 sequence at i; -1 if invalid (overlong, surrogate, > U+10FFFF, truncated). */
  utf8(i: i32): i32 {
    const b0 = this.at(i);
    let n: i32, cp: i32, minCp: i32;
    if (b0 >= 0xc2 && b0 <= 0xdf) { n = 2; cp = b0 & 0x1f; minCp = 0x80; }
    else if (b0 >= 0xe0 && b0 <= 0xef) { n = 3; cp = b0 & 0x0f; minCp = 0x800; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { n = 4; cp = b0 & 0x07; minCp = 0x10000; }
    else return -1;
    for (let k = 1; k < n; k++) {
      const b = this.at(i + k);
      if (b < 0 || (b & 0xc0) != 0x80) return -1;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < minCp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
    this.seqLen = n;
    return cp;
  }

  parseNumber(v: JsonValue): void {
    v.kind = KIND_NUMBER;
    const start = this.pos;
    let i = this.pos;
    if (this.at(i) == 0x2d) { v.negative = true; i++; }
    let c = this.at(i);
    let mag: u64 = 0;
    let overflow = false;
    if (c == 0x30) {
      i++;
      c = this.at(i);
      if (c >= 0x30 && c <= 0x39) { this.fail("leading zeros are not allowed in numbers", start); return; }
    } else if (c >= 0x31 && c <= 0x39) {
      while (c >= 0x30 && c <= 0x39) {
        const d = <u64>(c - 0x30);
        // mag * 10 + d > u64 max  <=>  mag > (max - d) / 10
        if (mag > (u64.MAX_VALUE - d) / 10) overflow = true;
        else mag = mag * 10 + d;
        i++;
        c = this.at(i);
      }
    } else {
      this.fail("invalid number: expected a digit after '-'", start);
      return;
    }
    let plain = true;
    if (c == 0x2e) {
      plain = false;
      i++;
      c = this.at(i);
      if (!(c >= 0x30 && c <= 0x39)) { this.fail("invalid number: expected a digit after '.'", start); return; }
      while (c >= 0x30 && c <= 0x39) { i++; c = this.at(i); }
    }
    if (c == 0x65 || c == 0x45) {
      plain = false;
      i++;
      c = this.at(i);
      if (c == 0x2b || c == 0x2d) { i++; c = this.at(i); }
      if (!(c >= 0x30 && c <= 0x39)) { this.fail("invalid number: expected a digit in the exponent", start); return; }
      while (c >= 0x30 && c <= 0x39) { i++; c = this.at(i); }
    }
    const text = String.UTF8.decodeUnsafe(this.buf.dataStart + <usize>start, <usize>(i - start));
    const num = parseFloat(text);
    if (!isFinite(num)) { this.fail("number " + text + " is out of range", start); return; }
    v.text = text;
    v.num = num;
    v.isPlainInteger = plain && !overflow;
    v.magnitude = mag;
    this.pos = i;
  }
}

function hex2(c: i32): string {
  const digits = "0123456789abcdef";
  return digits.charAt((c >> 4) & 15) + digits.charAt(c & 15);
}

function hex4s(u: i32): string {
  return hex2((u >> 8) & 0xff) + hex2(u & 0xff);
}
