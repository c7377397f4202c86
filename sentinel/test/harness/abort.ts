// Test-harness abort: reports through an import (so a test sees the message) and then traps.
// Used only when abi/assembly/abort.ts (the product's handler) is absent.
@external("harness", "abort")
declare function reportAbort(message: string | null, fileName: string | null, line: u32, column: u32): void;

export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  reportAbort(message, fileName, line, column);
  unreachable();
}
