// A small JSON DOM. Built once per configuration load (allocation is fine there); the hot paths never
// see it. Values remember the byte offset where they started so decoders can point at the input.

// @ts-ignore: decorator
@inline export const KIND_NULL: i32 = 0;
// @ts-ignore: decorator
@inline export const KIND_FALSE: i32 = 1;
// @ts-ignore: decorator
@inline export const KIND_TRUE: i32 = 2;
// @ts-ignore: decorator
@inline export const KIND_NUMBER: i32 = 3;
// @ts-ignore: decorator
@inline export const KIND_STRING: i32 = 4;
// @ts-ignore: decorator
@inline export const KIND_ARRAY: i32 = 5;
// @ts-ignore: decorator
@inline export const KIND_OBJECT: i32 = 6;

export function kindName(kind: i32): string {
  switch (kind) {
    case KIND_NULL: return "null";
    case KIND_FALSE: return "boolean";
    case KIND_TRUE: return "boolean";
    case KIND_NUMBER: return "number";
    case KIND_STRING: return "string";
    case KIND_ARRAY: return "array";
    case KIND_OBJECT: return "object";
  }
  return "unknown";
}

// Scalars share these empty lists (they are never written through), so a value costs one object
// unless it is a container; containers get their own lists in the parser.
const NO_ITEMS = new Array<JsonValue>(0);
const NO_KEYS = new Array<string>(0);
const NO_OFFSETS = new Array<i32>(0);

export class JsonValue {
  kind: i32 = KIND_NULL;
  /** Byte offset of the first byte of this value in the parsed input. */
  offset: i32 = 0;
  /** Numbers: the f64 nearest to the literal (always finite; the parser rejects overflow). */
  num: f64 = 0;
  /** Numbers: true when the literal is a plain integer (no fraction, no exponent) whose magnitude fits u64. */
  isPlainInteger: bool = false;
  /** Numbers: the literal had a leading minus sign (so "-0" is negative too). */
  negative: bool = false;
  /** Numbers: exact magnitude when isPlainInteger. Integer fields use it so u64 values above 2^53 stay exact. */
  magnitude: u64 = 0;
  /** Numbers: the literal exactly as written, for error messages. */
  text: string = "";
  /** Strings: the decoded value. */
  str: string = "";
  /** Arrays: elements; objects: values (keys in `keys`, same order, duplicates kept). */
  items: Array<JsonValue> = NO_ITEMS;
  keys: Array<string> = NO_KEYS;
  /** Objects: byte offset of each key, for error messages about unknown keys. */
  keyOffsets: Array<i32> = NO_OFFSETS;

  get isNull(): bool { return this.kind == KIND_NULL; }
  get isBool(): bool { return this.kind == KIND_TRUE || this.kind == KIND_FALSE; }
  get bool(): bool { return this.kind == KIND_TRUE; }
  get length(): i32 { return this.items.length; }
}
