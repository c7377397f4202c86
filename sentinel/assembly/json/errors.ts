// Error value of the JSON parser: a sentence plus where it happened. No exceptions in AS, so the
// parser returns this instead of trapping.

export class JsonError {
  message: string;
  /** Byte offset into the input (0-based). */
  offset: i32;
  /** 1-based line and byte column of `offset`. */
  line: i32;
  column: i32;

  constructor(message: string, offset: i32, line: i32, column: i32) {
    this.message = message;
    this.offset = offset;
    this.line = line;
    this.column = column;
  }

  toString(): string {
    return "invalid JSON at line " + this.line.toString() + ", column " + this.column.toString() +
      " (byte " + this.offset.toString() + "): " + this.message;
  }
}
