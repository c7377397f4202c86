// The module's abort handler (build flag `--use abort=abi/assembly/abort/onAbort`), so asc never
// imports `env.abort`, which Envoy does not provide. It logs one critical line through proxy_log
// (allowed even during _initialize) and traps: a trap fails the VM, which is what an abort means.
// Hostcalls never abort on host answers (hostcalls.ts), so reaching this is a module bug or OOM.
import { proxy_log } from "./imports";

// @ts-ignore: decorator
@inline const CRITICAL: u32 = 5;
let aborting = false;

export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  // An abort while formatting the message (e.g. out of memory) must not recurse.
  if (!aborting) {
    aborting = true;
    let text = "abort: " + (message === null ? "(no message)" : message);
    if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
    const bytes = String.UTF8.encode(text, false);
    proxy_log(CRITICAL, changetype<usize>(bytes), <usize>bytes.byteLength);
  }
  unreachable();
}
